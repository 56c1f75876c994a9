"""Answers as a student would type them, for the exports: ``28``, ``32x32x10``, rows
``4 3 4; 2 4 3``, a choice's text; and a mistake's name with its explanation."""

from __future__ import annotations

from typing import Any

import numpy as np

from cnnquiz.bank._prompt import prompt_number
from cnnquiz.bank.question import AnswerKind, Question
from cnnquiz.bank.verdict import mistake_entry

__all__ = ["answer_rows", "number_text", "format_answer", "mistake_text"]


def answer_rows(value: Any) -> list[list[str]]:
    arr = np.asarray(value, dtype=object)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    return [[number_text(v) for v in row] for row in arr.reshape(-1, arr.shape[-1])]


def number_text(value: Any) -> str:
    return value if isinstance(value, str) else prompt_number(value)


def format_answer(question: Question, value: Any = None, *, inline: bool = True) -> str:
    """``value`` (default: the key) as a student would write it: 28, 32x32x10, rows; choice text."""
    value = question.answer if value is None else value
    if question.kind is AnswerKind.CHOICE or isinstance(value, str):
        return str(value)
    if question.kind is AnswerKind.SHAPE and isinstance(value, list):
        return "x".join(number_text(v) for v in value)
    if isinstance(value, list):
        rows = answer_rows(value)
        if inline:
            return "; ".join(" ".join(row) for row in rows)
        width = max(len(c) for row in rows for c in row)
        return "\n".join("  ".join(c.rjust(width) for c in row) for row in rows)
    return number_text(value)


def mistake_text(key: str) -> str:
    """``name: explanation`` of a mistake key; ``a+b`` names every mistake of the value."""
    m = mistake_entry(key)
    return f"{m.name}: {m.explanation}" if m else key
