"""cnnquiz.cli.asking.ask with typed lines standing in for the terminal (keys from the generator)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from cnnquiz.bank import generate_paper, load_bank
from cnnquiz.bank.answer_check import format_key
from cnnquiz.bank.question import Question
from cnnquiz.cli.asking import MAX_REASKS, Stop, ask

BANK = Path(__file__).parents[1] / "bank" / "data" / "quiz_bank"


def _question(template: str) -> Question:
    paper = generate_paper(load_bank([BANK], include_shipped=False), seed=2, count=4, topics=("quiz_test",))
    return next(q for q in paper.questions if q.template == template)


class _Typed:
    """Answers the prompts with ``lines`` in order and remembers each prompt."""

    def __init__(self, *lines: str) -> None:
        self._lines: Iterator[str] = iter(lines)
        self.prompts: list[str] = []

    def __call__(self, prompt: str, interactive: bool) -> str:
        self.prompts.append(prompt.strip())
        return next(self._lines)  # StopIteration would mean ask read more than was typed


def test_a_matrix_typed_row_by_row_is_one_answer() -> None:
    q = _question("qt-feature-map")
    rows = format_key(q).split("; ")
    typed = _Typed("", *rows, "")
    verdict, text = ask(q, False, line=typed)
    assert verdict.correct and text == "\n".join(rows)
    # The blank first line asks again; the rows after the first and the closing empty line get "…".
    assert typed.prompts == ["your answer ›"] * 2 + ["…"] * len(rows)


def test_unreadable_answers_are_asked_again_then_skipped() -> None:
    q = _question("qt-conv-size")
    verdict, text = ask(q, False, line=_Typed(*["seven"] * (MAX_REASKS + 1)))
    assert verdict.skipped and text == "seven"
    assert f"Skipped: {MAX_REASKS + 1} answers could not be read." in verdict.feedback
    verdict, text = ask(q, False, line=_Typed("seven", format_key(q)))
    assert verdict.correct and text == format_key(q)


def test_words_run_instead_of_being_graded_and_quit_stops() -> None:
    q = _question("qt-conv-size")
    said: list[str] = []
    verdict, text = ask(q, False, {"hint": lambda: said.append("hint")}, line=_Typed("HINT", "skip"))
    assert said == ["hint"] and verdict.skipped and text is None
    with pytest.raises(Stop):
        ask(q, False, line=_Typed("quit"))
