"""Packaging: the wheel lists every package and ships the seed articles."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _configured() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]


def test_every_package_directory_is_listed() -> None:
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("index", "bot")
        for init in (ROOT / top).rglob("__init__.py")
    }
    listed = set(_configured()["packages"])
    assert on_disk - listed == set(), "add new packages to [tool.setuptools] packages"
    assert "newsbot_seeds" in listed


def test_seed_articles_ship_in_the_wheel() -> None:
    settings = _configured()
    assert settings["package-dir"]["newsbot_seeds"] == "seeds"
    patterns = settings["package-data"]["newsbot_seeds"]
    shipped = [p for p in (ROOT / "seeds").iterdir() if any(p.match(g) for g in patterns)]
    assert any(p.suffix == ".json" for p in shipped)
