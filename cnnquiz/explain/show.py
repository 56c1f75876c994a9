"""Show an explanation where it is asked for: live at a terminal, plain text anywhere else.

Used by ``cnnquiz explain`` and by the quiz and practice loops (the word ``explain``
after an answer).
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.text import Text

from cnnquiz.bank import Bank, Question, Template
from cnnquiz.explain.live import run_live
from cnnquiz.explain.model import Explanation
from cnnquiz.explain.plain import plain_text, result_lines
from cnnquiz.explain.question import question_explanation

__all__ = ["show", "show_question", "wants_live", "can_explain", "explain_answered"]


def wants_live(console: Console, frames: bool) -> bool:
    """Live only when asked for no frames and both ends are a terminal (keys in, screen out)."""
    if frames or not console.is_terminal:
        return False
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def show(explanation: Explanation, console: Console, *, frames: bool = False, all_steps: bool = False) -> None:
    """Step through ``explanation`` live, or print it as plain text (``frames`` forces text)."""
    if wants_live(console, frames):
        run_live(explanation, console)
        # The live view used the alternate screen: leave the result behind (short, so that a
        # question asked before it stays in view).
        console.print(Text("\n".join(result_lines(explanation))), highlight=False, soft_wrap=True)
        return
    console.print(Text(plain_text(explanation, all_steps=all_steps).rstrip("\n")), highlight=False, soft_wrap=True)


def show_question(question: Question, template: Template, console: Console, *, frames: bool = False) -> bool:
    """Explain a bank question; without a step-by-step view, print its working. True if explained."""
    explanation = question_explanation(question, template)
    if explanation is None:
        console.print(Text(f"No step-by-step view for this question; the working: {question.working}", style="dim"),
                      soft_wrap=True)
        return False
    show(explanation, console, frames=frames)
    return True


def can_explain(question: Question) -> bool:
    """True when ``question`` has a step-by-step view (the quiz offers ``explain`` then)."""
    from cnnquiz.explain.inputs import EXPLAINERS

    return question.computation in EXPLAINERS


def explain_answered(question: Question | None, bank: Bank, console: Console) -> None:
    """What the word ``explain`` does in the quiz and practice: the last answered question, step by step."""
    if question is None:
        console.print(Text("'explain' shows the question you just answered step by step; answer one first.",
                           style="dim"))
        return
    show_question(question, bank.get(question.template), console)
