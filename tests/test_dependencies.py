"""Every third-party module that ``index/`` or ``bot/`` imports (at the top or inside a
function) comes from a distribution declared in pyproject.toml's dependencies, so a fresh
``pip install -e .`` never relies on another package happening to pull it in."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).parent.parent
LOCAL = {"index", "bot"}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in LOCAL:
        for path in sorted((REPO / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], path)
    return found


def test_every_imported_distribution_is_declared() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {
        _normal(re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0])
        for requirement in project["dependencies"]
    }
    owners = packages_distributions()
    missing = []
    for module, where in sorted(_imported_modules().items()):
        if module in LOCAL or module in sys.stdlib_module_names or module == "__future__":
            continue
        distributions = {_normal(name) for name in owners.get(module, [])}
        assert distributions, f"{module} (imported in {where}) is not installed"
        if not distributions & declared:
            missing.append(f"{module} ({', '.join(sorted(distributions))}; {where.name})")
    assert not missing, f"imported but not in pyproject dependencies: {missing}"
