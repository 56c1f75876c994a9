"""``progress`` by hand on a scripted history, and its text and JSON against goldens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cnnquiz.cli import app
from cnnquiz.mistakes import CATALOGUE
from cnnquiz.practice.history import Attempt, History
from cnnquiz.practice.progress import progress
from cnnquiz.practice.scheduler import replay

GOLDEN = Path(__file__).parent / "golden"
ENV = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}


def _a(template: str, topic: str, status: str, mistake: str | None, day: int, session: str = "s1",
       difficulty: int = 1) -> Attempt:
    return Attempt(template, topic, difficulty, 0, status, 1.0 if status == "correct" else 0.0, mistake,
                   f"2026-11-{day:02d}T10:00:00+00:00", session)


SCRIPT = [
    _a("conv-output-size-basic", "output_size", "wrong", "forgot_plus_one", 27),
    _a("conv-output-size-basic", "output_size", "wrong", "forgot_plus_one", 27),
    _a("conv-output-size-stride", "output_size", "wrong", "stride_ignored+forgot_plus_one", 28),
    _a("conv-params-lecture", "conv_params", "correct", None, 28, "s2"),
    _a("conv-params-lecture", "conv_params", "correct", None, 29, "s2"),
    _a("pool-size-basic", "pool_size", "wrong", "pool_stride_one", 29, "s2"),
    _a("conv-params-lecture", "conv_params", "correct", None, 30, "s3"),
    _a("conv-params-pytorch", "conv_params", "correct", None, 30, "s3", 2),
]


def test_progress_by_hand() -> None:
    summary = progress(SCRIPT)
    assert (summary.answers, summary.correct, summary.sessions, summary.days) == (8, 4, 3, 4)
    assert (summary.streak, summary.best_streak, summary.day_streak) == (2, 2, 4)
    assert [(m.mistake, m.count) for m in summary.mistakes] == [
        ("forgot_plus_one", 3), ("pool_stride_one", 1), ("stride_ignored", 1)]
    assert summary.mistakes[0].reminder == CATALOGUE["forgot_plus_one"].explanation
    topics = {t.topic: t for t in summary.topics}
    assert topics["output_size"].in_review == 2 and topics["conv_params"].in_review == 0
    assert topics["conv_params"].mastery == replay(SCRIPT).topics["conv_params"].mastery > 0.5
    assert topics["output_size"].mastery < 0.5


def test_a_gap_breaks_the_day_streak() -> None:
    assert progress(SCRIPT[:3] + SCRIPT[-1:]).day_streak == 1


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("CNNQUIZ_HOME", str(tmp_path))
    with History() as h:
        h.record_all(SCRIPT)
    return tmp_path


def _run(*args: str, input: str | None = None):
    result = CliRunner().invoke(app, list(args), env=ENV, input=input)
    assert "Traceback" not in result.output, result.output
    return result


def test_progress_text_matches_golden(home: Path) -> None:
    result = _run("progress")
    assert result.exit_code == 0, result.output
    text = result.output.replace(str(home), "<HOME>")
    assert text == (GOLDEN / "progress.txt").read_text(encoding="utf-8")


def test_progress_json_matches_golden(home: Path) -> None:
    result = _run("progress", "--json")
    data = json.loads(result.output)
    assert data["history"] == str(home / "history.sqlite3")
    data["history"] = "<HOME>/history.sqlite3"
    assert data == json.loads((GOLDEN / "progress.json").read_text(encoding="utf-8"))


def test_reset_asks_first_and_needs_yes_when_piped(home: Path) -> None:
    refused = _run("progress", "--reset")
    assert refused.exit_code == 2 and "not deleting 8 answers without a yes; add --yes" in refused.output
    with History() as h:
        assert h.count() == 8
    done = _run("progress", "--reset", "--yes")
    assert done.exit_code == 0 and "Deleted 8 answers" in done.output
    assert "No answers yet" in _run("progress").output


def test_reset_at_a_terminal_keeps_everything_on_no(home: Path, monkeypatch) -> None:
    from cnnquiz.cli import asking

    monkeypatch.setattr(asking, "stdin_is_terminal", lambda: True)
    kept = _run("progress", "--reset", input="n\n")
    assert "Delete all 8 answers" in kept.output and "Nothing deleted." in kept.output
    with History() as h:
        assert h.count() == 8
    gone = _run("progress", "--reset", input="y\n")
    assert "Deleted 8 answers" in gone.output


def test_a_corrupt_history_is_reported_on_stderr(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CNNQUIZ_HOME", str(tmp_path))
    (tmp_path / "history.sqlite3").write_bytes(b"\x00garbage" * 100)
    result = _run("progress")
    assert result.exit_code == 0
    assert "warning: " in result.output and "could not be read as a history" in result.output
    assert len(list(tmp_path.glob("history.sqlite3.corrupt-*"))) == 1
