"""The step-by-step view of a bank question: its template's computation on the drawn numbers."""

from __future__ import annotations

from cnnquiz.bank import Question, Template
from cnnquiz.bank.answer_key import computation_args
from cnnquiz.explain.inputs import explain_computation
from cnnquiz.explain.model import Explanation

__all__ = ["question_explanation"]


def question_explanation(question: Question, template: Template) -> Explanation | None:
    """The explanation of ``question`` (drawn from ``template``), or None when it has none.

    A question whose key combines several computations, or whose computation has no
    step-by-step view (output sizes, parameter counts, ...), gives None: the quiz's
    worked solution already says everything there.
    """
    if template.answer is None:
        return None
    parts = template.answer.all_parts()
    if len(parts) != 1:
        return None
    return explain_computation(parts[0].computation, computation_args(parts[0], question.params))
