"""Helpers of the grading tests (imported by name: conftest puts this folder on sys.path)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from typer.testing import CliRunner

from buggy import REPO
from cnnquiz.cli import app

HERE = Path(__file__).resolve().parent
EXAMPLES = REPO / "submissions" / "examples"
GOLDEN = HERE / "golden"
FAST = {"call_timeout_s": 1.0}


def invoke(*args: object, env: dict | None = None):
    """Run the CLI in-process."""
    return CliRunner().invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)


def check_golden(name: str, text: str) -> None:
    """Compare with tests/grading/golden/NAME (rewrite it with CNNQUIZ_UPDATE_GOLDEN=1)."""
    path = GOLDEN / name
    if os.environ.get("CNNQUIZ_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with CNNQUIZ_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"output differs from {path}"


def read_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))
