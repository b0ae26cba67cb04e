"""Running the ``newsbot`` command as a user does, in a subprocess of this interpreter with
the repository as working directory (so this tree's code is the one run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parent.parent


def newsbot_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment with ``data_dir`` as the data directory and no seeds
    directory set (a fresh install seeds itself), then ``extra`` variables."""
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(data_dir)}
    env.pop("NEWSBOT_SEEDS_DIR", None)
    return {**env, **extra}


def run_newsbot(
    *args: str | bytes,
    env: dict[str, str] | None = None,
    stdin: str | bytes | None = None,
    text: bool = True,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """``python -m bot.cli *args``, output captured (as text unless ``text`` is false)."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=text,
        env=env,
        timeout=timeout,
        cwd=REPO,
    )
