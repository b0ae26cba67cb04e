"""Cold start: each command imports only what it needs (checked in fresh processes).

``stats``/``articles``/``remove`` embed nothing, so they must not import any inference
runtime; ``ask`` with the default model embeds through onnxruntime, never torch. Timing
targets are for ``benchmarks/encoder.py``; here we check what is imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TORCH = ("torch", "sentence_transformers", "transformers", "sklearn", "scipy")
RUNTIMES = (*TORCH, "onnxruntime", "tokenizers")
FRONT_END = ("discord", "aiohttp", "trafilatura")

RUN_CLI = """
import json, sys
from bot.cli import main
code = main(sys.argv[1:])
print("MODULES " + json.dumps(sorted(m for m in sys.modules if "." not in m)))
sys.exit(code)
"""


def run_cli(*args: str, data_dir: Path) -> tuple[str, set[str]]:
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(data_dir)}
    env.pop("NEWSBOT_MODEL", None)
    env.pop("NEWSBOT_ENCODER", None)
    done = subprocess.run(
        [sys.executable, "-c", RUN_CLI, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    output, _, modules = done.stdout.rpartition("MODULES ")
    return output, set(json.loads(modules))


@pytest.fixture(scope="module")
def asked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, set[str]]:
    """A fresh data directory after its first `newsbot ask` (which seeds it)."""
    data_dir = tmp_path_factory.mktemp("cold") / "data"
    output, modules = run_cli("ask", "What did Marks say?", data_dir=data_dir)
    return data_dir, output, modules


def test_ask_on_the_default_model_does_not_import_torch(
    asked: tuple[Path, str, set[str]],
) -> None:
    _, output, modules = asked
    assert "Additional weapons from North Korea" in " ".join(output.split())  # seeded, answered
    assert {"onnxruntime", "tokenizers", "faiss"} <= modules
    assert not modules & {*TORCH, *FRONT_END}, modules & {*TORCH, *FRONT_END}


@pytest.mark.parametrize("command", [["stats"], ["articles"], ["stats", "--json"]])
def test_light_commands_import_no_runtime(
    asked: tuple[Path, str, set[str]], command: list[str]
) -> None:
    data_dir, _, _ = asked
    output, modules = run_cli(*command, data_dir=data_dir)
    assert "putin" in output.lower() or "384" in output
    assert not modules & {*RUNTIMES, *FRONT_END}, modules & {*RUNTIMES, *FRONT_END}


def test_remove_imports_no_runtime(asked: tuple[Path, str, set[str]]) -> None:
    data_dir, _, _ = asked
    output, modules = run_cli("remove", "bi-2023-09-05-putin-kim-jong-un", data_dir=data_dir)
    assert output.startswith("removed bi-2023-09-05-putin-kim-jong-un")
    assert not modules & {*RUNTIMES, *FRONT_END}, modules & {*RUNTIMES, *FRONT_END}
