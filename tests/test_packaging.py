"""Packaging: every subpackage and data file is listed, and the shipped data is found.

The full proof (a built wheel in a fresh venv, run from another folder) is
``tools/smoke_wheel.sh``, which ``.ci/run`` runs after the test suite; these tests
catch the cheap mistakes early and cover the zip-import path the smoke job does not.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import cnnquiz
from cnnquiz.paths import DATA_FOLDER, shipped_assignments_dir, shipped_data_dir, shipped_networks_dir

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(cnnquiz.__file__).resolve().parent
tomllib = pytest.importorskip("tomllib")  # Python 3.11+
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_subpackage_is_listed_in_pyproject() -> None:
    listed = set(SETUPTOOLS["packages"])
    found = {
        ".".join(("cnnquiz",) + init.parent.relative_to(PACKAGE).parts).rstrip(".")
        for init in PACKAGE.rglob("__init__.py")
    }
    assert found <= listed, f"add to pyproject.toml [tool.setuptools] packages: {sorted(found - listed)}"


def test_the_data_folder_is_installed_inside_the_package() -> None:
    assert SETUPTOOLS["package-dir"] == {f"cnnquiz.{DATA_FOLDER}": DATA_FOLDER}
    # Only cnnquiz.* packages: nothing else may become a top-level name in site-packages.
    assert all(name == "cnnquiz" or name.startswith("cnnquiz.") for name in SETUPTOOLS["packages"])


def test_every_shipped_data_file_is_package_data() -> None:
    patterns = SETUPTOOLS["package-data"][f"cnnquiz.{DATA_FOLDER}"]
    data_files = [p.relative_to(ROOT / DATA_FOLDER).as_posix() for p in (ROOT / DATA_FOLDER).rglob("*") if p.is_file()]
    # README files explain the folder to people reading the repository; nothing reads them.
    shipped = [name for name in data_files if not name.endswith("README.md") and "__pycache__" not in name]
    globs = [pattern.replace("**/", "*/") for pattern in patterns]  # fnmatch's * spans folders
    missed = [name for name in shipped if not any(fnmatch.fnmatch(name, glob) for glob in globs)]
    assert shipped and not missed, f"add to [tool.setuptools.package-data]: {missed}"


def test_shipped_data_is_found_in_the_checkout() -> None:
    data = shipped_data_dir()
    assert data.resolve() == (ROOT / DATA_FOLDER).resolve()  # the editable install reads the checkout
    assert (data / "templates").is_dir()
    assert (shipped_networks_dir() / "vgg16.yaml").is_file()
    assert (shipped_assignments_dir() / "cnn.yaml").is_file()


def _zipped_package(target: Path) -> Path:
    """cnnquiz as a wheel lays it out (data inside the package), but in a zip file."""
    archive = target / "cnnquiz.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in PACKAGE.rglob("*.py"):
            zipped.write(path, Path("cnnquiz") / path.relative_to(PACKAGE))
        for path in (ROOT / DATA_FOLDER).rglob("*.yaml"):
            zipped.write(path, Path("cnnquiz") / DATA_FOLDER / path.relative_to(ROOT / DATA_FOLDER))
    return archive


def test_shipped_data_is_found_under_a_zip_import(tmp_path: Path) -> None:
    archive = _zipped_package(tmp_path)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import cnnquiz.paths as p\n"
        "assert p.__file__.startswith(sys.argv[1]), p.__file__\n"
        "d = p.shipped_data_dir(); print(d)\n"
        "print(p.shipped_networks_dir().joinpath('vgg16.yaml').read_text()[:0] + 'ok')\n"
        "print(sorted(x.name for x in p.shipped_assignments_dir().glob('*.yaml')))\n"
    )
    # -S -I: no site-packages, so the editable install's finder cannot answer first.
    run = subprocess.run([sys.executable, "-S", "-I", "-c", probe, str(archive)], capture_output=True, text=True,
                         timeout=60, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    folder, ok, assignments = run.stdout.splitlines()
    assert ok == "ok" and assignments == "['cnn.yaml']"
    assert not folder.startswith(str(ROOT)) and not folder.startswith(str(archive))
    assert not os.path.exists(folder), "the extracted copy outlives the interpreter"


def test_the_bank_cache_works_under_a_zip_import(tmp_path: Path) -> None:
    """The code stamp comes from the archive, and the shipped bank, extracted to a new
    folder by each process, has one cache file: the second process parses no YAML."""
    import site

    archive = _zipped_package(tmp_path)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); sys.path.append(sys.argv[2])\n"
        "import cnnquiz.bank.load as L, cnnquiz.bank.cache as C\n"
        "assert C.__file__.startswith(sys.argv[1]), C.__file__\n"
        "parsed = []; real = L.file_problems\n"
        "L.file_problems = lambda *a, **k: (parsed.append(1), real(*a, **k))[1]\n"
        "bank = L.load_bank(); print(len(bank), len(parsed), len(list(C.cache_dir().glob('*.pickle'))))\n"
    )
    # -S: site-packages without its .pth files, so the editable install's finder cannot answer.
    env = {**os.environ, "CNNQUIZ_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("CNNQUIZ_NO_CACHE", None)
    runs = []
    for _ in range(2):
        run = subprocess.run([sys.executable, "-S", "-c", probe, str(archive), site.getsitepackages()[0]],
                             capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
        assert run.returncode == 0, run.stderr
        runs.append([int(n) for n in run.stdout.split()])
    (templates, parsed, files), again = runs
    assert templates > 100 and parsed > 20 and files == 1
    assert again == [templates, 0, 1]
