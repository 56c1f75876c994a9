"""Shared fixtures of the grading tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # buggy.py, grading_helpers.py

from grading_helpers import EXAMPLES, invoke  # noqa: E402

from cnnquiz.grading.assignment import resolve_assignment  # noqa: E402
from cnnquiz.grading.cases import build_cases  # noqa: E402


@pytest.fixture(scope="session")
def cnn():
    return resolve_assignment("cnn")


@pytest.fixture(scope="session")
def cnn_cases(cnn):
    return build_cases(cnn)


@pytest.fixture(scope="session")
def graded_examples(tmp_path_factory):
    """``cnnquiz grade submissions/examples --out OUT -j 2 --junit-xml OUT/junit.xml``, run once."""
    out = tmp_path_factory.mktemp("graded") / "out"
    result = invoke("grade", EXAMPLES, "--out", out, "-j", "2", "--junit-xml", out / "junit.xml")
    assert result.exit_code == 0, result.output
    return out, result
