"""Check a typed answer against a question: compare, give partial credit, name the mistake.

``check(question, text)`` parses the text (:mod:`cnnquiz.bank.parse`), compares it with
the key within the question's tolerance, and on a miss looks the value up among the
question's known wrong answers (:class:`~cnnquiz.bank.question.WrongAnswer`, computed
by :mod:`cnnquiz.mistakes`). The :class:`Verdict` names the mistake in plain words and
carries the worked solution. Nothing here prints: rendering is :mod:`cnnquiz.bank.render`.

Rules
-----
- Integers compare exactly; numbers within ``Question.tolerance`` (when a question
  with a non-integer key gives no tolerance, :data:`DEFAULT_TOLERANCE` applies).
- Partial credit: the share of right cells of a matrix of the right shape; 1/n per
  right dimension of an n-D shape (in the order asked); nothing for a matrix of the
  wrong shape, a shape with the wrong number of dimensions, or a wrong choice.
- A shape typed in the other conventional order (channels first instead of last, or
  the reverse) is accepted only when that reading reproduces the key and the typed
  numbers are not a known wrong answer under any reading; the feedback says
  "read as C x H x W". Height and width are never swapped silently.
- A mistake is named when the answer equals its value within the question's tolerance,
  widened to :data:`DEFAULT_TOLERANCE` for non-integer values (whole values stay exact);
  several mistakes giving that value are named together (keys joined by ``+``).
- An unparsable answer is a format error: no credit is lost, the feedback is a hint.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np

from cnnquiz import mistakes
from cnnquiz.bank.parse import (
    AnswerFormatError,
    Comma,
    format_matrix,
    format_shape,
    normalize_text,
    parse_choice,
    parse_matrix,
    parse_number,
    parse_shape,
    typed_number,
)
from cnnquiz.bank.answer_hints import expected_format, format_key, shape_labels, shape_order_text, squeeze
from cnnquiz.bank.question import AnswerKind, Question, Tolerance
from cnnquiz.bank.verdict import Graded, Verdict, mistake_entry, total

__all__ = [
    "DEFAULT_TOLERANCE",
    "Verdict",
    "Graded",
    "check",
    "skipped",
    "expected_format",
    "format_key",
    "effective_tolerance",
    "comma_rule",
    "total",
    "mistake_entry",
]

DEFAULT_TOLERANCE = Tolerance(rtol=0.01, atol=0.0005)
"""For non-integer keys of questions that give no tolerance: 1 % or 3 decimals."""


def effective_tolerance(question: Question) -> Tolerance:
    """The question's tolerance, or :data:`DEFAULT_TOLERANCE` for a non-integer key
    when the question gives none (an exact float comparison is never meant)."""
    tol = question.tolerance
    if tol.rtol or tol.atol or question.kind not in (AnswerKind.NUMBER, AnswerKind.MATRIX):
        return tol
    try:
        key = np.asarray(question.answer, dtype=float)
    except (TypeError, ValueError):
        return tol
    return tol if _integral(key) else DEFAULT_TOLERANCE


def _integral(arr: np.ndarray) -> bool:
    """Every value finite and whole."""
    finite = np.isfinite(arr)
    return bool(finite.all() and (arr == np.round(arr)).all())


def _diagnosis_tolerance(question: Question, value: np.ndarray) -> Tolerance:
    """How close an answer must be to a mistake's value to name the mistake: the
    question's tolerance, widened to :data:`DEFAULT_TOLERANCE` for a non-integer value
    (a student rounds a wrong value as they round a right one; whole values stay exact)."""
    tol = question.tolerance
    if _integral(value):
        return tol
    return Tolerance(rtol=max(tol.rtol, DEFAULT_TOLERANCE.rtol), atol=max(tol.atol, DEFAULT_TOLERANCE.atol))


# --- the verdict ---------------------------------------------------------------------

def _working(question: Question) -> str:
    if question.working or not question.computation:
        return question.working
    try:
        return mistakes.working(question.computation, question.params)
    except Exception:  # noqa: BLE001 - a working is a courtesy; never fail a check for it
        return ""


def skipped(question: Question, reason: str = "Not answered.") -> Verdict:
    """The verdict of a question left blank (or given up after format errors)."""
    expected = format_key(question)
    return Verdict(skipped=True, feedback=f"{reason} The answer is {expected}.",
                   working=_working(question), expected=expected)


def check(question: Question, text: str) -> Verdict:
    """Parse ``text``, compare it with the key and explain the outcome.

    Returns
    -------
    Verdict
        ``format_error`` is set (and nothing else counts) when the text cannot be read.

    Examples
    --------
    >>> from cnnquiz.bank.question import WrongAnswer
    >>> q = Question(id="q1", template="t", topic="output_size", difficulty=1, kind="integer",
    ...              prompt="?", params={}, answer=28, wrong_answers=[WrongAnswer(mistake="forgot_plus_one", value=27)])
    >>> check(q, "27").mistake, check(q, "28").correct, check(q, "twenty").format_error is not None
    ('forgot_plus_one', True, True)
    """
    checker = {
        AnswerKind.INTEGER: _check_number,
        AnswerKind.NUMBER: _check_number,
        AnswerKind.SHAPE: _check_shape,
        AnswerKind.MATRIX: _check_matrix,
        AnswerKind.CHOICE: _check_choice,
    }[question.kind]
    expected = format_key(question)
    try:
        outcome = checker(question, text)
    except AnswerFormatError as error:
        return Verdict(format_error=str(error), feedback=f"Format: {error}.", expected=expected)
    mistake = None if outcome.correct else outcome.mistake
    parts = []
    if outcome.correct:
        parts.append("Correct.")
    elif mistake:
        entry = mistake_entry(mistake)
        assert entry is not None
        parts.append(f"Not quite: {entry.name}. {entry.explanation}")
    else:
        parts.append("Partly right." if outcome.credit > 0 else "Not right.")
    parts.extend(outcome.notes)
    if not outcome.correct:  # (a concept's explanation is its working: shown once, with it)
        parts.append(f"The answer is {expected}.")
    return Verdict(
        correct=outcome.correct,
        credit=1.0 if outcome.correct else min(max(float(outcome.credit), 0.0), 1.0),
        mistake=mistake,
        feedback=" ".join(p.strip() for p in parts if p.strip()),
        working=_working(question),
        expected=expected,
        given=outcome.given,
    )


class _Outcome:
    """What a kind-specific checker found (internal)."""

    def __init__(self, *, correct: bool, credit: float, given: str, mistake: str | None = None,
                 notes: Sequence[str] = ()) -> None:
        self.correct, self.credit, self.given = correct, credit, given
        self.mistake, self.notes = mistake, list(notes)


def _wrong_match(question: Question, got: Any) -> str | None:
    """The known mistakes whose value equals ``got`` (within the diagnosis tolerance),
    keys joined with ``+`` when several give the same value (they cannot be told apart)."""
    found: list[str] = []
    for wrong in question.wrong_answers:
        keys = _known_keys(wrong.mistake)
        if not keys:
            continue
        try:
            value = squeeze(np.asarray(wrong.value, dtype=float))
        except (TypeError, ValueError):
            continue
        tol = _diagnosis_tolerance(question, value)
        if mistakes.values_match(got, value, rtol=tol.rtol, atol=tol.atol):
            found.extend(k for k in keys if k not in found)
    return "+".join(found) or None


def _known_keys(joined: str) -> list[str]:
    """The catalogue keys of a wrong answer's ``mistake`` (``a+b`` -> ``[a, b]``)."""
    return [key for key in joined.split("+") if key in mistakes.CATALOGUE]


# --- numbers -------------------------------------------------------------------------

def comma_rule(question: Question) -> Comma:
    """How a comma in a typed number reads: thousands for whole-number answers, decimal
    when the question asks for decimals, else only where nothing else makes sense."""
    if question.kind is AnswerKind.INTEGER:
        return Comma.THOUSANDS
    return Comma.DECIMAL if re.search(r"\bdecimal", question.prompt, re.IGNORECASE) else Comma.GUESS


def _decimals_typed(text: str) -> int | None:
    """Digits after the decimal point (or comma) of a plain decimal, else None."""
    match = re.fullmatch(r"\s*[+-]?\d*[.,](\d+)\s*", text)
    return len(match.group(1)) if match else None


def _check_number(question: Question, text: str) -> _Outcome:
    value = parse_number(text, hint=expected_format(question), comma=comma_rule(question))
    key = float(question.answer)
    tol = effective_tolerance(question)
    good = abs(value - key) <= tol.atol + tol.rtol * abs(key)
    given = typed_number(value)
    if good:
        return _Outcome(correct=True, credit=1.0, given=given)
    digits = _decimals_typed(text)
    if digits is not None and round(key, digits) == value and tol.atol < 0.5 * 10.0**-digits:
        # 0.5 for a key of 0.475: rounded too early, which is no known mistake
        return _Outcome(correct=False, credit=0.0, given=given, notes=[
            f"That is the answer rounded to {digits} decimal place{'s' if digits != 1 else ''}; "
            "give more decimals."])
    return _Outcome(correct=False, credit=0.0, given=given, mistake=_wrong_match(question, value))


# --- shapes --------------------------------------------------------------------------

def _conventional_orders(labels: list[str]) -> list[list[str]]:
    """The asked order, then channels-first and channels-last (when there are channels)."""
    orders = [labels]
    if "C" in labels and "H" in labels and "W" in labels:
        rest = [label for label in labels if label != "C"]
        h = rest.index("H")
        for order in (rest[:h] + ["C"] + rest[h:], rest + ["C"]):
            if order not in orders:
                orders.append(order)
    return orders


def _reorder(dims: Sequence[int], typed_order: list[str], asked: list[str]) -> list[int]:
    by_label = dict(zip(typed_order, dims))
    return [by_label[label] for label in asked]


def _swap_hw(dims: Sequence[int], labels: list[str]) -> list[int]:
    out = list(dims)
    h, w = labels.index("H"), labels.index("W")
    out[h], out[w] = out[w], out[h]
    return out


def _check_shape(question: Question, text: str) -> _Outcome:
    key = [int(d) for d in question.answer]
    parsed = parse_shape(text, hint=expected_format(question), min_dims=min(2, len(key)))
    dims = list(parsed.dims)
    given = format_shape(dims)
    labels = shape_labels(question, len(key))
    asked = question.shape_order or f"{len(key)} dimensions"
    if len(dims) != len(key):
        return _Outcome(correct=False, credit=0.0, given=given, mistake=_wrong_match(question, dims),
                        notes=[f"A {len(key)}-dimensional shape ({asked}) was expected, not {len(dims)} numbers."])
    if dims == key:
        return _Outcome(correct=True, credit=1.0, given=given)
    credit = sum(a == b for a, b in zip(dims, key)) / len(key)
    mistake = _wrong_match(question, dims)
    if labels is None:
        notes = [f"{round(credit * len(key))} of {len(key)} dimensions are right."] if credit else []
        return _Outcome(correct=False, credit=credit, given=given, mistake=mistake, notes=notes)
    others = _conventional_orders(labels)[1:]
    readings = {shape_order_text(order): _reorder(dims, order, labels) for order in others}
    matching = [name for name, value in readings.items() if value == key]
    swappable = "H" in labels and "W" in labels and key[labels.index("H")] != key[labels.index("W")]
    # Read in the order asked, the numbers may also be the key with height and width
    # swapped (C x H x W key 6 x 6 x 28, typed 6 x 28 x 6): then nothing is accepted.
    ambiguous = (mistake is not None or any(_wrong_match(question, v) for v in readings.values())
                 or (swappable and dims == _swap_hw(key, labels)))
    if matching and not ambiguous:
        return _Outcome(correct=True, credit=1.0, given=given,
                        notes=[f"(Read as {matching[0]}; the question asks for {asked}.)"])
    notes = []
    if mistake is None and swappable:
        if dims == _swap_hw(key, labels):
            mistake = "height_width_swapped"
        else:
            for name, value in readings.items():
                if value == _swap_hw(key, labels):
                    mistake = "height_width_swapped"
                    notes.append(f"(Read as {name}; the question asks for {asked}.)")
                    break
    if mistake is None and sorted(dims) == sorted(key):
        notes.append(f"The numbers are right but not in the order asked for ({asked}).")
    elif credit > 0:
        right = [label for label, a, b in zip(labels, dims, key) if a == b]
        notes.append(f"{len(right)} of {len(key)} dimensions are right ({', '.join(right)}).")
    return _Outcome(correct=False, credit=credit, given=given, mistake=mistake, notes=notes)


# --- matrices ------------------------------------------------------------------------

def _fit(got: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Bring a typed 2-D block to the key's layout when the reading is unambiguous."""
    got = squeeze(got)
    if key.ndim == 1 and got.ndim == 2 and 1 in got.shape and got.size == key.size:
        return got.ravel()
    if key.ndim == 3 and got.ndim == 2 and got.shape == (key.shape[0] * key.shape[1], key.shape[2]):
        return got.reshape(key.shape)  # the maps typed one below the other
    return got


def _dims(arr: np.ndarray) -> str:
    return " x ".join(str(n) for n in arr.shape) if arr.ndim else "1 x 1"


def _check_matrix(question: Question, text: str) -> _Outcome:
    key = squeeze(np.asarray(question.answer, dtype=float))
    got = _fit(np.asarray(parse_matrix(text, hint=expected_format(question)), dtype=float), key)
    given = format_matrix(got.tolist())
    tol = effective_tolerance(question)
    mistake = _wrong_match(question, got)
    if got.shape != key.shape:
        return _Outcome(correct=False, credit=0.0, given=given, mistake=mistake,
                        notes=[f"A {_dims(key)} matrix was expected, not {_dims(got)}."])
    close = np.isclose(got, key, rtol=tol.rtol, atol=tol.atol)
    if close.all():
        return _Outcome(correct=True, credit=1.0, given=given)
    notes = []
    if mistake is None and key.ndim == 2 and key.shape[0] == key.shape[1] and np.allclose(
        got, key.T, rtol=tol.rtol, atol=tol.atol
    ):
        notes.append("That is the transpose: rows and columns are swapped.")
    right = int(close.sum())
    if right:
        notes.append(f"{right} of {key.size} values are right.")
    return _Outcome(correct=False, credit=right / key.size, given=given, mistake=mistake, notes=notes)


# --- choices -------------------------------------------------------------------------

def _check_choice(question: Question, text: str) -> _Outcome:
    choices = question.choices or []
    index = parse_choice(text, choices)
    chosen = choices[index]
    given = f"({chr(ord('a') + index)}) {chosen}"
    if normalize_text(chosen) == normalize_text(str(question.answer)):
        return _Outcome(correct=True, credit=1.0, given=given)
    found = [key for w in question.wrong_answers if normalize_text(str(w.value)) == normalize_text(chosen)
             for key in _known_keys(w.mistake)]
    mistake = "+".join(dict.fromkeys(found)) or None
    why = next((text for option, text in question.option_feedback.items()
                if normalize_text(option) == normalize_text(chosen)), "")
    return _Outcome(correct=False, credit=0.0, given=given, mistake=mistake, notes=[why] if why else [])
