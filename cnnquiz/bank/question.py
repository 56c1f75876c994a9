"""A generated question: what a student sees and what the key says.

Produced by :mod:`cnnquiz.bank.generate`, consumed by answer checking, rendering,
export and the quiz. Every value is JSON-able (lists, not arrays) so that a paper
round-trips through ``cnnquiz generate --format json``.
"""

from __future__ import annotations

import enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AnswerKind", "Tolerance", "WrongAnswer", "Question", "Paper"]


class AnswerKind(str, enum.Enum):
    INTEGER = "integer"
    NUMBER = "number"
    SHAPE = "shape"
    MATRIX = "matrix"
    CHOICE = "choice"


class Tolerance(BaseModel):
    """|got - expected| <= atol + rtol * |expected|, elementwise."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rtol: float = Field(0.0, ge=0)
    atol: float = Field(0.0, ge=0)


class WrongAnswer(BaseModel):
    """The value known mistakes give for this question (already in the answer's format).

    ``mistake`` is a key of :data:`cnnquiz.mistakes.CATALOGUE`, or several joined with ``+``
    when they give this same value (then every one of them is named).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    mistake: str  # "forgot_plus_one", or "padding_once+forgot_plus_one"
    value: Any


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str  # "q1", "q2", ... within a paper
    template: str
    topic: str
    difficulty: int = Field(ge=1, le=3)
    kind: AnswerKind
    prompt: str
    params: dict[str, Any]  # the drawn parameters by name (contract section 6)
    answer: Any  # the key: number, list (shape/matrix), or the correct option's text
    tolerance: Tolerance = Tolerance()
    shape_order: str | None = None  # for shapes: the order asked for, e.g. "C x H x W"
    choices: list[str] | None = None  # for choice questions: the options, in display order
    computation: str | None = None  # key in cnnquiz.mistakes.COMPUTATIONS (None for concepts)
    wrong_answers: list[WrongAnswer] = []  # known mistakes' values, for diagnosis and LMS feedback
    working: str = ""  # the worked solution, with the numbers put in
    explanation: str = ""  # for concept questions: why the right option is right
    option_feedback: dict[str, str] = {}  # for concept questions: wrong option's text -> why it is wrong


class Paper(BaseModel):
    """One student's paper: the options it was generated with and its questions."""

    model_config = ConfigDict(extra="forbid")

    seed: int
    student: str | None = None
    count: int
    topics: list[str] = []
    bank: str | None = None
    questions: list[Question]
