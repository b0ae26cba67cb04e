"""Dependency direction: index/ never loads Discord or bot/; cogs never touch SQL or FAISS."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_importing_the_library_loads_no_discord_and_no_front_end() -> None:
    code = (
        "import sys, index.library, index.fetch, index.loaders, index.extract\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('discord', 'bot')]\n"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == ""


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_index_sources_never_import_discord_or_bot() -> None:
    for path in (ROOT / "index").rglob("*.py"):
        roots = {name.split(".")[0] for name in _imported_modules(path)}
        assert not roots & {"discord", "bot"}, path


def test_discord_front_end_never_touches_sql_or_faiss() -> None:
    forbidden = {"sqlite3", "aiosqlite", "faiss", "index.store", "index.vectors"}
    for path in [*(ROOT / "bot").rglob("*.py")]:
        assert not _imported_modules(path) & forbidden, path
