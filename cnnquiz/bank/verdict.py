"""The outcome of checking answers: :class:`Verdict` (one answer) and :class:`Graded`
(one question of a paper with its answer), shared by the quiz, answer sheets and rendering.
"""

from __future__ import annotations

from typing import Sequence

from pydantic import BaseModel, ConfigDict, Field

from cnnquiz import mistakes

__all__ = ["Verdict", "Graded", "mistake_entry", "total"]


class Verdict(BaseModel):
    """The outcome of one typed answer."""

    model_config = ConfigDict(extra="forbid")

    correct: bool = False
    credit: float = Field(0.0, ge=0.0, le=1.0)
    format_error: str | None = None  # the hint of the expected format; costs nothing
    mistake: str | None = None  # key in cnnquiz.mistakes.CATALOGUE
    feedback: str = ""
    working: str = ""
    expected: str = ""  # the key, written as one would type it
    given: str = ""  # the answer as it was read ("" when it could not be read)
    skipped: bool = False

    @property
    def status(self) -> str:
        """``correct``, ``partial``, ``wrong``, ``format_error`` or ``skipped``."""
        if self.skipped:
            return "skipped"
        if self.format_error is not None:
            return "format_error"
        if self.correct:
            return "correct"
        return "partial" if self.credit > 0 else "wrong"

    @property
    def mistake_name(self) -> str | None:
        entry = mistake_entry(self.mistake)
        return entry.name if entry else None


class Graded(BaseModel):
    """One question of a paper with the answer given and its verdict."""

    model_config = ConfigDict(extra="forbid")

    id: str
    topic: str
    template: str
    answer: str | None = None  # as typed; None when not answered
    verdict: Verdict


def mistake_entry(key: str | None) -> mistakes.Mistake | None:
    """The catalogue entry of a verdict's ``mistake``; ``"a+b"`` names both together."""
    if not key:
        return None
    found = [mistakes.CATALOGUE[k] for k in key.split("+") if k in mistakes.CATALOGUE]
    return mistakes.combine(found)


def total(graded: Sequence[Graded]) -> tuple[float, int]:
    """``(score, max_score)``: the sum of credits, one point per question."""
    return round(sum(g.verdict.credit for g in graded), 4), len(graded)
