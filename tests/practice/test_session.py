"""Practice sessions end to end: through the library with typed answers, and through the CLI."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cnnquiz.bank import load_bank
from cnnquiz.bank.answer_check import check, format_key
from cnnquiz.cli import app
from cnnquiz.practice.history import History
from cnnquiz.practice.session import PracticeSession, question_hint

ENV = {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def _typed(question, mistake: str) -> str:
    """The answer a student who makes ``mistake`` types (the generator's own wrong value), else the key."""
    wrong = next((w for w in question.wrong_answers if w.mistake == mistake), None)
    return format_key(question, wrong.value if wrong else None)


def test_twenty_answers_with_a_repeated_mistake_shift_the_questions(bank, tmp_path) -> None:
    with History(tmp_path / "h.sqlite3") as history:
        session = PracticeSession(history, bank, seed=1, session="t")
        asked = []
        for _ in range(20):
            question = session.next()
            verdict = check(question.question, _typed(question.question, "forgot_plus_one"))
            session.record(question, verdict)
            asked.append(question)
        recorded = history.attempts()
    assert len(recorded) == 20
    made = [a for a in recorded if a.mistake and "forgot_plus_one" in a.mistake]
    assert made, "the session never drew a question where the mistake shows"
    diagnosing = ["forgot_plus_one" in bank.get(a.question.template).mistakes for a in asked]
    # 23 of the shipped templates diagnose it: at first about 1 question in 5, at the end most of them
    assert sum(diagnosing[:5]) <= 1 and sum(diagnosing[-10:]) >= 7


def test_piped_skips_are_recorded_and_the_run_is_deterministic(bank, tmp_path, monkeypatch) -> None:
    with History(tmp_path / "dry.sqlite3") as dry:
        session = PracticeSession(dry, bank, topics=("output_size", "pool_size"), seed=5)
        expected = []
        for _ in range(4):
            asked = session.next()
            session.record(asked, _skip(asked.question))
            expected.append((asked.question.template, asked.choice.reason))
    monkeypatch.setenv("CNNQUIZ_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, ["practice", "--count", "4", "--seed", "5", "--topic", "output_size",
                                      "--topic", "pool_size"], input="skip\n" * 4, env=ENV)
    assert result.exit_code == 0, result.output
    assert [line.removeprefix("why this one: ") for line in result.output.splitlines()
            if line.startswith("why this one: ")] == [reason for _, reason in expected]
    with History() as history:
        attempts = history.attempts()
    assert [(a.template, a.status) for a in attempts] == [(t, "skipped") for t, _ in expected]


def _skip(question):
    from cnnquiz.bank.answer_check import skipped

    return skipped(question, "Skipped.")


def test_hint_shows_the_formula_without_the_numbers_and_explain_the_last_answer(bank, tmp_path, monkeypatch) -> None:
    with History(tmp_path / "dry.sqlite3") as dry:
        first = PracticeSession(dry, bank, topics=("conv_result",), seed=2).next()
    hint = question_hint(first.question, bank.get(first.question.template))
    monkeypatch.setenv("CNNQUIZ_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, ["practice", "--count", "1", "--seed", "2", "--topic", "conv_result"],
                                input=f"hint\n{format_key(first.question)}\nexplain\n", env=ENV)
    assert result.exit_code == 0, result.output
    assert " ".join(("hint: " + hint[0]).split()) in " ".join(result.output.split())  # wrapped at 120
    assert "multiply element-wise" in hint[0]
    assert "✓ correct" in result.output
    assert "'explain' to see the last one step by step" in result.output
    assert "Step 1 of " in result.output.split("'explain' to see the last one step by step")[1]
    with History() as history:
        (attempt,) = history.attempts()
    assert attempt.status == "correct" and attempt.template == first.question.template


def test_unknown_topic_is_one_line(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CNNQUIZ_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["practice", "--topic", "nope"], input="", env=ENV)
    assert result.exit_code == 2 and result.output.startswith("error: unknown topic 'nope'")


def test_hint_for_a_computation_without_a_card_masks_the_working() -> None:
    from cnnquiz.practice.hints import hint_lines

    assert hint_lines(["no_such_card"], "10 x 3 = 30") == ["the working has this shape: … x … = …"]
    assert hint_lines([], "") == ["no formula here: read each option and ask which one the lecture's "
                                  "definition gives"]


def test_quiz_record_keeps_the_answers_in_the_history(bank, tmp_path, monkeypatch) -> None:
    from cnnquiz.bank import generate_paper

    monkeypatch.setenv("CNNQUIZ_HOME", str(tmp_path))
    paper = generate_paper(bank, seed=4, count=2, topics=("output_size",))
    typed = [_typed(q, "forgot_plus_one") for q in paper.questions]
    result = CliRunner().invoke(app, ["quiz", "--seed", "4", "--count", "2", "--topic", "output_size", "--record"],
                                input="\n".join(typed) + "\n", env=ENV)
    assert result.exit_code == 0, result.output
    assert "Kept 2 answers in" in result.output
    with History() as history:
        attempts = history.attempts()
    assert [a.template for a in attempts] == [q.template for q in paper.questions]
    assert [a.status for a in attempts] == [check(q, t).status for q, t in zip(paper.questions, typed)]
    assert all(a.session == "quiz" for a in attempts)
