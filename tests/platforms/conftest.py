"""Fixtures of the platform tests: a stand-in wheel."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # platform_helpers.py


@pytest.fixture
def fake_wheel(tmp_path: Path) -> Path:
    """A file named like the cnnquiz wheel: the tests run the checkout's cnnquiz, not this."""
    wheel = tmp_path / "wheels" / "cnnquiz-0.1.0-py3-none-any.whl"
    wheel.parent.mkdir()
    wheel.write_bytes(b"stand-in wheel")
    return wheel
