"""The ``uid`` level with cnnquiz installed in the same site-packages as numpy.

Any normal install (``pip install cnnquiz``, the Gradescope bundle) puts cnnquiz
beside numpy. The Landlock allow-list must hide cnnquiz (and forbidden packages)
there while the student's importer can still list that folder to find numpy.
The test builds such an install in seconds: a virtual environment of a Python
other users can reach (this one, or the system's of the same version), with
numpy and a copy of the cnnquiz package in its site-packages; the grader's other
dependencies come from this Python's site-packages through a ``.pth`` file (the
grader runs as root; the student never imports them).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest
from sandbox_helpers import GOOD

import cnnquiz

_STUDENT = GOOD + r'''
import os


def can_read(path):
    try:
        with open(path, "rb") as handle:
            handle.read(1)
        return 1
    except OSError:
        return 0


def lists_numpy(folder):
    try:
        return int("numpy" in os.listdir(folder))
    except OSError:
        return 0


def import_past_the_hooks(name):
    """Import ``name`` with the path finder itself, as a student who removed the harness's hook would.

    1 imported, 0 refused (``PermissionError``), -1 not found, -2 any other error.
    """
    import importlib.machinery
    import importlib.util

    spec = importlib.machinery.PathFinder.find_spec(name)
    if spec is None:
        return -1
    try:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    except PermissionError:
        return 0
    except Exception:
        return -2
    return 1
'''

_SCRIPT = r'''
import json, os, sys
from pathlib import Path
import cnnquiz, numpy
from cnnquiz.grading.sandbox import ArrayArg, Call, IsolationLevel, run_submission

site = os.path.dirname(os.path.dirname(os.path.realpath(numpy.__file__)))
package = os.path.dirname(os.path.realpath(cnnquiz.__file__))
assert os.path.dirname(package) == site, (package, site)
calls = [Call("conv2d_output_size", (32, 5), {"padding": 2}), Call("relu", (ArrayArg([[[-1.0, 2.0]]]),)),
         Call("lists_numpy", (site,)), Call("can_read", (os.path.join(package, "__init__.py"),)),
         Call("can_read", (os.path.join(site, "torch", "__init__.py"),)),
         Call("import_past_the_hooks", ("cnnquiz",)), Call("import_past_the_hooks", ("torch",))]
result = run_submission(Path(sys.argv[1]), calls, isolation=IsolationLevel.UID)
print(json.dumps({"isolation": result.isolation.value, "import": result.import_status.value,
                  "outcomes": [[o.status.value, o.value, o.message] for o in result.outcomes]}))
'''


def _traversable(path: str) -> bool:
    """Whether other users can reach ``path`` (every folder above it searchable)."""
    probe = Path(os.path.realpath(path))
    try:
        return all(part.stat().st_mode & stat.S_IXOTH for part in (probe, *probe.parents))
    except OSError:
        return False


def _reachable_python() -> str | None:
    """An interpreter of this Python's version that a private uid can start, or ``None``."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (sys.executable, f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"):
        if not os.path.exists(candidate) or not _traversable(candidate):
            continue
        done = subprocess.run([candidate, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.strip() == version:
            return candidate
    return None


def _has_landlock() -> bool:
    from cnnquiz.grading.sandbox import confine

    prepared = confine.prepare({"read": [], "devices": [], "write": []})
    if prepared is None:
        return False
    os.close(prepared["ruleset"])
    return True


def _install_beside_numpy(python: str, root: Path) -> Path:
    """A venv of ``python`` whose site-packages holds numpy, cnnquiz and a stand-in torch; its interpreter."""
    import numpy

    subprocess.run([python, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    venv_python = root / "venv" / "bin" / "python"
    site = Path(subprocess.run([str(venv_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    numpy_dir = Path(numpy.__file__).resolve().parent
    ignore = shutil.ignore_patterns("__pycache__", "tests")
    for folder in (numpy_dir, numpy_dir.with_name("numpy.libs")):
        if folder.is_dir():
            shutil.copytree(folder, site / folder.name, ignore=ignore)
    shutil.copytree(Path(cnnquiz.__file__).resolve().parent, site / "cnnquiz", ignore=ignore)
    (site / "torch").mkdir()
    (site / "torch" / "__init__.py").write_text("TENSOR = 'borrowed'\n")
    (site / "grader_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv_python


@pytest.fixture(scope="module")
def beside_numpy():
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("the uid level needs root on Linux")
    python = _reachable_python()
    if python is None:
        pytest.skip(f"no Python {sys.version_info.major}.{sys.version_info.minor} that other users can reach "
                    "(this one is under a mode-700 folder and the system has none of this version)")
    if not _has_landlock():
        pytest.skip("the kernel has no Landlock: only file modes, which a copied package does not have, hide it")
    root = Path(tempfile.mkdtemp(prefix="cnnquiz-beside-numpy-"))
    try:
        os.chmod(root, 0o755)  # the private uid must reach the venv's site-packages
        venv_python = _install_beside_numpy(python, root)
        student = root / "submissions" / "mallory"
        student.mkdir(parents=True)
        (student / "cnn.py").write_text(_STUDENT)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CNNQUIZ_ISOLATION")}
        done = subprocess.run([str(venv_python), "-c", _SCRIPT, str(student)], capture_output=True, text=True,
                              cwd=root, env=env, timeout=240)
        assert done.returncode == 0, done.stderr[-3000:]
        yield json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_numpy_imports_from_the_site_packages_that_holds_cnnquiz(beside_numpy):
    assert beside_numpy["isolation"] == "uid" and beside_numpy["import"] == "ok", beside_numpy
    statuses = [status for status, _, _ in beside_numpy["outcomes"]]
    assert statuses == ["ok"] * 7, beside_numpy["outcomes"]
    values = [value for _, value, _ in beside_numpy["outcomes"]]
    assert values[:3] == [32, [[[0.0, 2.0]]], 1]


def test_cnnquiz_and_a_forbidden_package_beside_numpy_stay_unreadable(beside_numpy):
    values = [value for _, value, _ in beside_numpy["outcomes"]]
    assert values[3:5] == [0, 0]
    assert values[5] in (0, -1) and values[6] in (0, -1), values
