"""The key as one would type it, and the hint of what to type: shared by answer checking,
the quiz and the exports (``28``, ``32 x 32 x 10``, ``(b) text``; "3 whole numbers in the
order H x W x C, e.g. 32 x 32 x 10")."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from cnnquiz.bank.parse import format_matrix, format_shape, normalize_text
from cnnquiz.bank.question import AnswerKind, Question

__all__ = ["expected_format", "format_key", "shape_labels", "shape_order_text", "squeeze", "choice_index"]


def shape_labels(question: Question, n: int) -> list[str] | None:
    """``"H x W x C"`` -> ``["H", "W", "C"]`` (depth/channels -> C); None if unusable."""
    if not question.shape_order:
        return None
    words = [w for w in question.shape_order.replace("×", "x").replace(",", " ").split() if w.lower() != "x"]
    if len(words) == 1:
        words = [w for w in question.shape_order.upper().split("X") if w.strip()]
    labels = []
    for word in words:
        letter = word.strip().upper()[:1]
        labels.append("C" if letter == "D" else letter)
    return labels if len(labels) == n and len(set(labels)) == n else None


def shape_order_text(labels: Sequence[str]) -> str:
    return " x ".join(labels)


def expected_format(question: Question) -> str:
    """What to type, in words, with an example (the hint of a format error)."""
    kind = question.kind
    if kind is AnswerKind.INTEGER:
        return "a whole number, e.g. 28 or 28,326"
    if kind is AnswerKind.NUMBER:
        return "a number, e.g. 0.73, 1/2 or 2.5e-3"
    if kind is AnswerKind.SHAPE:
        n = len(question.answer)
        order = question.shape_order or f"{n} dimensions"
        labels = shape_labels(question, n)
        sample = {"C": "10", "H": "32", "W": "32", "N": "1"}
        example = " x ".join(
            [sample.get(label, "8") for label in labels] if labels else ["32", "32", "10", "4"][:n]
        )
        return f"{n} whole numbers in the order {order}, e.g. {example}"
    if kind is AnswerKind.MATRIX:
        return "the rows of numbers, one row per line or rows separated by ';' (e.g. 4 3 4; 2 4 3)"
    n = len(question.choices or [])
    return f"a letter a-{chr(ord('a') + max(n, 1) - 1)}, the option's number, or its text"


def _display(value: float) -> str:
    value = float(value)
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return f"{value:.4g}"


def squeeze(arr: np.ndarray) -> np.ndarray:
    while arr.ndim > 2 and arr.shape[0] == 1:
        arr = arr[0]
    return arr


def format_key(question: Question, value: Any = None) -> str:
    """The key (or another value of the question's kind) written as one would type it."""
    value = question.answer if value is None else value
    kind = question.kind
    if kind in (AnswerKind.INTEGER, AnswerKind.NUMBER):
        return _display(value)
    if kind is AnswerKind.SHAPE:
        return format_shape(value)
    if kind is AnswerKind.MATRIX:
        arr = squeeze(np.asarray(value, dtype=float))
        return format_matrix(_displayable(arr.tolist()))
    choices = question.choices or []
    index = choice_index(choices, value)
    return f"({chr(ord('a') + index)}) {choices[index]}" if index is not None else str(value)


def _displayable(rows: Any) -> Any:
    if isinstance(rows, list):
        return [_displayable(r) for r in rows]
    number = float(rows)
    return int(number) if number.is_integer() and abs(number) < 2**53 else float(f"{number:.4g}")


def choice_index(choices: Sequence[str], text: Any) -> int | None:
    wanted = normalize_text(str(text))
    for index, option in enumerate(choices):
        if normalize_text(option) == wanted:
            return index
    return None
