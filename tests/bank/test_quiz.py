"""``cnnquiz quiz`` end to end with piped input.

The answers typed are derived from the very paper the quiz regenerates (keys and known
wrong values come from the solver through the generator), never typed in by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cnnquiz.bank import generate_paper, load_bank
from cnnquiz.bank.answer_check import format_key
from cnnquiz.bank.question import Paper, Question
from cnnquiz.cli import app
from cnnquiz.cli import quiz_cmd

BANK = Path(__file__).parent / "data" / "quiz_bank"
OPTIONS = ["--bank", str(BANK), "--topic", "quiz_test", "--count", "4"]
ENV = {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
runner = CliRunner()


def _paper(seed: int, **options: object) -> Paper:
    bank = load_bank([BANK])
    return generate_paper(bank, seed=seed, count=4, topics=("quiz_test",), **options)  # type: ignore[arg-type]


def _quiz(args: list[str], text: str):
    result = runner.invoke(app, ["quiz", *args], input=text, env=ENV)
    assert "Traceback" not in result.output, result.output
    return result


def _by_template(paper: Paper, template: str) -> Question:
    return next(q for q in paper.questions if q.template == template)


def _keys(paper: Paper) -> list[str]:
    return [format_key(q) for q in paper.questions]


def test_all_correct_on_the_shipped_bank() -> None:
    paper = generate_paper(load_bank(), seed=1, count=3)
    result = _quiz(["--seed", "1", "--count", "3"], "\n".join(_keys(paper)) + "\n")
    assert result.exit_code == 0, result.output
    assert "Score: 3 / 3 (100%)" in result.output
    assert "replay with --seed 1" in result.output


def test_a_wrong_answer_names_the_mistake_and_shows_the_working() -> None:
    paper = _paper(1)
    answers = []
    for q in paper.questions:
        if q.template == "qt-conv-size":
            wrong = next(w for w in q.wrong_answers if w.mistake == "forgot_plus_one")
            answers.append(format_key(q, wrong.value))
        else:
            answers.append(format_key(q))
    result = _quiz([*OPTIONS, "--seed", "1"], "\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "Mistake: you forgot the +1 — The number of positions is (span / stride) + 1" in result.output
    assert f"Working: {_by_template(paper, 'qt-conv-size').working}" in " ".join(
            result.output.replace("│", " ").split())  # a long working wraps inside the panel
    assert "Score: 3 / 4 (75%)" in result.output
    table = result.output[result.output.index("your answer   "):]
    assert "✗ not right: you forgot the +1" in table


def test_a_format_error_is_asked_again_and_costs_nothing() -> None:
    paper = _paper(1)
    keys = _keys(paper)
    result = _quiz([*OPTIONS, "--seed", "1"], "\n".join(["twelve", *keys]) + "\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("? not understood") == 1
    assert "could not read 'twelve'" in result.output or "'twelve'" in result.output
    assert "Score: 4 / 4 (100%)" in result.output


def test_after_three_re_asks_the_question_is_skipped() -> None:
    paper = _paper(1)
    keys = _keys(paper)
    bad = ["1 2 3 4 5 6 7"] if paper.questions[0].kind.value == "choice" else ["what?"]
    lines = bad * (quiz_cmd.MAX_REASKS + 1) + keys[1:]
    result = _quiz([*OPTIONS, "--seed", "1"], "\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("? not understood") == quiz_cmd.MAX_REASKS
    assert "Skipped: 4 answers could not be read." in result.output
    assert "Score: 3 / 4 (75%)" in result.output


def test_end_of_input_mid_quiz_prints_the_score_so_far() -> None:
    keys = _keys(_paper(2))
    result = _quiz([*OPTIONS, "--seed", "2"], "\n".join(keys[:2]) + "\n")
    assert result.exit_code == 0, result.output
    assert "Stopped after 2 of 4 questions." in result.output
    assert "Score: 2 / 2 (100%)" in result.output


def test_no_input_at_all() -> None:
    result = _quiz([*OPTIONS, "--seed", "2"], "")
    assert result.exit_code == 0 and "Stopped after 0 of 4 questions." in result.output
    assert "No answers, no score." in result.output


def test_ctrl_c_stops_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = iter(_keys(_paper(2)))

    def typed(prompt: str, interactive: bool) -> str:
        answer = next(keys)
        if answer is None or typed.calls == 1:  # type: ignore[attr-defined]
            raise KeyboardInterrupt
        typed.calls += 1  # type: ignore[attr-defined]
        return answer

    typed.calls = 0  # type: ignore[attr-defined]
    monkeypatch.setattr(quiz_cmd, "_line", typed)
    result = _quiz([*OPTIONS, "--seed", "2"], "")
    assert result.exit_code == 0, result.output
    assert "Stopped after 1 of 4 questions." in result.output and "Score: 1 / 1 (100%)" in result.output


def test_a_matrix_may_be_typed_one_row_per_line_until_an_empty_line() -> None:
    paper = _paper(2)
    lines: list[str] = []
    for q in paper.questions:
        key = format_key(q)
        lines.extend([*key.split("; "), ""] if q.kind.value == "matrix" else ["", key])
    result = _quiz([*OPTIONS, "--seed", "2"], "\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert "Score: 4 / 4 (100%)" in result.output


def test_skip_and_quit() -> None:
    keys = _keys(_paper(2))
    result = _quiz([*OPTIONS, "--seed", "2"], f"skip\n{keys[1]}\nquit\n{keys[2]}\n")
    assert result.exit_code == 0, result.output
    assert "– skipped" in result.output and "Stopped after 2 of 4 questions." in result.output
    assert "Score: 1 / 2 (50%)" in result.output


def test_at_a_terminal_it_asks_for_topics_difficulty_and_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quiz_cmd, "_interactive", lambda: True)
    paper = generate_paper(load_bank([BANK]), seed=5, count=2, topics=("quiz_test",), difficulty=1)
    setup = "nonsense\nquiz_test\n1\n2\n"
    result = _quiz(["--bank", str(BANK), "--seed", "5"], setup + "\n".join(_keys(paper)) + "\n")
    assert result.exit_code == 0, result.output
    assert "unknown topic 'nonsense'" in result.output
    assert "Question 2/2" in result.output and "Score: 2 / 2 (100%)" in result.output


def test_the_same_student_gets_the_same_paper() -> None:
    first = _quiz([*OPTIONS, "--student", "alice"], "")
    second = _quiz([*OPTIONS, "--student", "alice"], "")
    assert first.output == second.output and "replay with --student alice" in first.output


@pytest.mark.parametrize(
    "args, message",
    [(["--seed", "1", "--student", "a"], "give --seed or --student, not both"),
     (["--topic", "no_such_topic", "--seed", "1"], "unknown topic 'no_such_topic'")],
)
def test_bad_options_exit_non_zero_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["quiz", *args], input="", env=ENV)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_end_of_input_during_the_set_up_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quiz_cmd, "_interactive", lambda: True)
    result = _quiz(["--bank", str(BANK)], "quiz_test\n")
    assert result.exit_code == 0 and "No quiz this time." in result.output


def test_a_nested_list_may_span_several_lines() -> None:
    paper = _paper(2)
    lines: list[str] = []
    for q in paper.questions:
        if q.kind.value == "matrix":
            rows = [f"[{', '.join(str(v) for v in row)}]" for row in q.answer]
            lines.extend(["[" + rows[0] + ",", *[r + "," for r in rows[1:-1]], rows[-1] + "]"])
        else:
            lines.append(format_key(q))
    result = _quiz([*OPTIONS, "--seed", "2"], "\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert "Score: 4 / 4 (100%)" in result.output


def test_no_shipped_quizzes_on_the_given_bank_alone() -> None:
    paper = generate_paper(load_bank([BANK], include_shipped=False), seed=5, count=3)
    assert {q.topic for q in paper.questions} == {"quiz_test"}
    result = _quiz(["--bank", str(BANK), "--no-shipped", "--seed", "5", "--count", "3"],
                   "\n".join(_keys(paper)) + "\n")
    assert result.exit_code == 0, result.output
    assert "Score: 3 / 3 (100%)" in result.output


def test_each_question_is_generated_only_when_it_is_asked(monkeypatch) -> None:
    from cnnquiz.bank import generate as generate_module

    made: list[str] = []
    real = generate_module.generate_question

    def counting(template, seed, qid="q1"):
        made.append(qid)
        return real(template, seed, qid)

    monkeypatch.setattr(generate_module, "generate_question", counting)
    paper = _paper(3)
    made.clear()
    result = _quiz([*OPTIONS, "--seed", "3"], format_key(paper.questions[0]) + "\nquit\n")
    assert result.exit_code == 0, result.output
    assert made == ["q1", "q2"]  # the first was answered; the second was shown, then quit
    assert "Stopped after 1 of 4 questions" in result.output


def test_a_plan_makes_the_same_paper_as_generate_paper() -> None:
    from cnnquiz.bank.generate import plan_paper

    bank = load_bank()
    for seed in (0, 1, 77):
        plan = plan_paper(bank, seed=seed, count=6)
        assert plan.paper() == generate_paper(bank, seed=seed, count=6)
        first_two = [plan.question(1), plan.question(2)]
        assert plan.paper(first_two).questions == generate_paper(bank, seed=seed, count=6).questions[:2]


def test_a_question_that_cannot_be_drawn_stops_the_quiz_but_keeps_the_score(monkeypatch) -> None:
    from cnnquiz.bank import generate as generate_module
    from cnnquiz.errors import BankError

    real = generate_module.generate_question

    def second_fails(template, seed, qid="q1"):
        if qid == "q2":
            raise BankError(f"{template.id}: constraints: no valid draw in 200 attempts")
        return real(template, seed, qid)

    paper = _paper(3)
    monkeypatch.setattr(generate_module, "generate_question", second_fails)
    result = _quiz([*OPTIONS, "--seed", "3"], format_key(paper.questions[0]) + "\n")
    assert result.exit_code == 2, result.output
    assert "Score: 1 / 1 (100%)" in result.output
    assert "no valid draw in 200 attempts" in result.output


def test_ctrl_c_while_a_verdict_is_printed_still_records_every_answer(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CNNQUIZ_HOME", str(tmp_path))
    real = quiz_cmd.verdict_panel
    shown = []

    def interrupted_on_the_second(verdict, question):
        shown.append(question.id)
        if len(shown) == 2:
            raise KeyboardInterrupt
        return real(verdict, question)

    monkeypatch.setattr(quiz_cmd, "verdict_panel", interrupted_on_the_second)
    paper = _paper(3)
    result = _quiz([*OPTIONS, "--seed", "3", "--record"], "\n".join(_keys(paper)[:2]) + "\n")
    assert result.exit_code == 0, result.output
    assert "Kept 2 answers" in " ".join(result.output.split())
