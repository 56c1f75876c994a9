"""Fixtures of the sandbox tests (helpers live in sandbox_helpers.py)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sandbox_helpers import new_marker  # noqa: E402


@pytest.fixture
def submissions(tmp_path: Path) -> Path:
    """A submissions tree with another student's secret in it."""
    root = tmp_path / "submissions"
    alice = root / "alice"
    alice.mkdir(parents=True)
    (alice / "cnn.py").write_text("SECRET = 'alice-secret-answer'\n", encoding="utf-8")
    return root


@pytest.fixture
def host_marker():
    """A marker name; files with it in /tmp, /var/tmp, /dev/shm and $HOME are removed afterwards."""
    marker = new_marker()
    yield marker
    for base in ("/tmp", "/var/tmp", "/dev/shm", os.path.expanduser("~")):
        path = Path(base) / marker
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink()
