"""Packaging: every subpackage is listed, and the shipped data is found."""

from __future__ import annotations

from pathlib import Path

import pytest

import cnnquiz
from cnnquiz.paths import shipped_data_dir, shipped_networks_dir

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    package_root = Path(cnnquiz.__file__).parent
    found = {
        ".".join(("cnnquiz",) + init.parent.relative_to(package_root).parts).rstrip(".")
        for init in package_root.rglob("__init__.py")
    }
    assert found <= listed, f"add to pyproject.toml [tool.setuptools] packages: {sorted(found - listed)}"


def test_shipped_data_is_found() -> None:
    data = shipped_data_dir()
    assert (data / "networks").is_dir() and (data / "templates").is_dir()
    assert (shipped_networks_dir() / "vgg16.yaml").is_file()
