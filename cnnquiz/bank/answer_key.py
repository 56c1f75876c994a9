"""The answer key of one draw: the answer, the known mistakes' values and the working.

Everything here asks :mod:`cnnquiz.mistakes` (hence the solver); no answer is
computed any other way. The solver's value is then transformed the way the
template asks (squeeze -> layout -> pick) and normalized to the answer kind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from cnnquiz import mistakes
from cnnquiz.bank._draw import Rejected, TemplateBug, plain, resolve
from cnnquiz.bank._prompt import prompt_number
from cnnquiz.bank.filter_effects import effect_working, matching_option
from cnnquiz.bank.question import AnswerKind
from cnnquiz.bank.schema import Part, Template, Transform
from cnnquiz.workings import ELEMENT_WORKINGS

__all__ = ["Evaluated", "evaluate", "computation_args", "answer_rejection", "normalize"]


@dataclass(frozen=True)
class Evaluated:
    """One draw's key: the answer, the known mistakes' values (same format), the working.

    ``wrong`` has one entry per distinct wrong value; mistakes that give the same value
    share it, their keys joined with ``+`` in template order (``padding_once+forgot_plus_one``).
    """

    answer: Any
    wrong: list[tuple[str, Any]]
    working: str
    options: list[str] | None = None  # for computed choice questions, in template order


# --- solver calls -----------------------------------------------------------------------

def computation_args(part: Part, values: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments ``part``'s computation receives for the drawn ``values``.

    Parameters
    ----------
    part
        One computation of a template's answer (``template.answer.all_parts()``).
    values
        The drawn parameters (a question's ``params``).

    Returns
    -------
    dict
        Argument name -> value: a string argument names a drawn parameter (``x``, or a
        field ``layer.kernel_size``), ``{value: X}`` is the literal ``X``; copies, so the
        caller may change them.

    Raises
    ------
    TemplateBug
        An argument names a field the drawn parameter does not have.
    """
    return {name: resolve(value, values) for name, value in part.args.items()}


def _where(template: Template, index: int) -> str:
    assert template.answer is not None
    return "answer" if template.answer.parts is None else f"answer.parts.{index}"


def _reference(part: Part, args: Mapping[str, Any], where: str) -> Any:
    try:
        with np.errstate(all="ignore"):
            return mistakes.compute(part.computation, args)
    except ValueError as error:
        raise Rejected(f"{where}: {error}") from None
    except (TypeError, KeyError, IndexError) as error:
        raise TemplateBug(f"{where}.args", f"{part.computation} cannot take these arguments: {error}") from None


def _combine(values: list[Any], how: str) -> Any:
    nums = [np.asarray(v) for v in values]
    total = nums[0]
    for v in nums[1:]:
        total = total + v if how == "sum" else total - v
    return total


def _mistake_values(template: Template, parts: list[Part], args: list[dict], refs: list[Any]) -> dict[str, Any]:
    if len(parts) == 1:
        return mistakes.mistaken_values(parts[0].computation, args[0], only=template.mistakes)
    assert template.answer is not None
    found: dict[str, Any] = {}
    for key in template.mistakes:
        values, changed = [], False
        for part, a, ref in zip(parts, args, refs):
            got = mistakes.mistaken_values(part.computation, a, only=[key])
            changed = changed or key in got
            values.append(got.get(key, ref))
        if changed:
            found[key] = _combine(values, template.answer.combine)
    return found


# --- answer format --------------------------------------------------------------------

def _transform(value: Any, transform: Transform, values: Mapping[str, Any]) -> np.ndarray:
    arr = np.asarray(value)
    if transform.squeeze:
        while arr.ndim > 2 and arr.shape[0] == 1:
            arr = arr[0]
    if transform.layout == "HWC":
        if arr.shape != (3,):
            raise ValueError(f"layout HWC needs a (C, H, W) shape; got {arr.tolist()}")
        arr = arr[[1, 2, 0]]
    if transform.pick is not None:
        index = [int(i) - 1 for i in resolve(list(transform.pick), values)]
        if len(index) != arr.ndim or any(not 0 <= i < n for i, n in zip(index, arr.shape)):
            raise IndexError(f"pick {[i + 1 for i in index]} is outside shape {arr.shape}")
        arr = arr[tuple(index)]
    return arr


def _scalar(v: float, integer: bool) -> Any:
    if not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if integer and float(v).is_integer():
        return int(v)
    rounded = float(f"{v:.12g}")
    return 0.0 if rounded == 0 else rounded


def normalize(value: Any, kind: AnswerKind) -> Any:
    """The solver's (transformed) value as the JSON-able answer of ``kind``; ValueError if it cannot be."""
    arr = np.asarray(value, dtype=np.float64)
    if kind in (AnswerKind.INTEGER, AnswerKind.NUMBER):
        if arr.ndim != 0:
            raise ValueError(f"a {kind.value} answer must be one number; got shape {arr.shape}")
        return _scalar(float(arr), integer=kind is AnswerKind.INTEGER)
    if arr.ndim == 0:
        raise ValueError(f"a {kind.value} answer must be a list; got one number")
    finite = arr[np.isfinite(arr)]
    integral = bool(np.all(finite == np.round(finite)))
    if kind is AnswerKind.SHAPE and not (integral and arr.ndim == 1 and finite.size == arr.size):
        raise ValueError(f"a shape must be a list of integers; got {arr.tolist()}")
    return plain(np.vectorize(lambda v: _scalar(float(v), integral), otypes=[object])(arr))


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- working --------------------------------------------------------------------------

def _short(value: Any) -> str:
    if isinstance(value, list):
        if value and not isinstance(value[0], list):
            return "x".join(prompt_number(v) for v in value) if all(_is_integer(v) for v in value) else str(value)
        return str(value)
    return prompt_number(value) if isinstance(value, (int, float)) else str(value)


def _element(template: Template, values: Mapping[str, Any]) -> list[int] | None:
    """The 0-based cell a ``pick`` asks for (in the squeezed result), or None."""
    assert template.answer is not None
    pick = template.answer.transform.pick
    return None if pick is None else [int(i) - 1 for i in resolve(list(pick), values)]


def _part_working(part: Part, args: Mapping[str, Any], element: list[int] | None) -> str:
    try:
        return mistakes.working(part.computation, args, element=element)
    except (ValueError, TypeError, KeyError, IndexError):
        return f"{part.computation}: {_short(plain(mistakes.compute(part.computation, args)))}"


def _working(template: Template, parts: list[Part], args: list[dict], refs: list[Any], answer: Any,
             values: Mapping[str, Any]) -> str:
    """The working of the key, from the same parameters as the prompt; its last clause
    ends with the answer as the question asks for it."""
    assert template.answer is not None
    transform = template.answer.transform
    if template.answer.match is not None:  # the probe image is not shown: explain the filter
        return " ".join(effect_working(args[0], answer).split())
    element = _element(template, values)
    if len(parts) == 1:
        text = _part_working(parts[0], args[0], element)
        if element is not None and parts[0].computation in ELEMENT_WORKINGS:
            element = None  # the working already ends with the cell asked for
    else:
        texts = [_part_working(part, a, None) for part, a in zip(parts, args)]
        sign = " + " if template.answer.combine == "sum" else " - "
        numbers = sign.join(_short(plain(r)) for r in refs)
        text = "; ".join(f"({i + 1}) {t}" for i, t in enumerate(texts))
        if element is None:
            text += f"; {template.answer.combine}: {numbers} = {_short(answer)}"
    if transform.layout == "HWC":
        text += f"; as {template.shape_order or 'H x W x C'}: {_short(answer)}"
    elif element is not None:
        cell = (f"row {element[0] + 1}, column {element[1] + 1}" if len(element) == 2
                else "(" + ", ".join(str(i + 1) for i in element) + ")")
        text += f"; the element at {cell} is {_short(answer)}"
    return " ".join(text.split())


# --- the whole key ------------------------------------------------------------------------

def _format(template: Template, value: Any, values: Mapping[str, Any], x: Any) -> Any:
    """A solver value (reference or mistaken) in the answer's format; ValueError/IndexError if impossible."""
    assert template.answer is not None
    if template.answer.match is not None:
        text = matching_option(value, x, list(template.answer.match))
        if text is None:
            raise ValueError("the filter's result matches none of the options")
        return text
    return normalize(_transform(value, template.answer.transform, values), template.kind)


def _same(a: Any, b: Any, template: Template) -> bool:
    if isinstance(a, str) and isinstance(b, str) and template.kind is AnswerKind.CHOICE:
        return a == b
    tol = template.tolerance
    atol = max(tol.atol, 1e-9)
    if _is_integer(a) and _is_integer(b):  # the common case, without numpy
        return abs(a - b) <= atol + tol.rtol * abs(b)
    return mistakes.values_match(a, b, rtol=tol.rtol, atol=atol)


def evaluate(template: Template, values: Mapping[str, Any]) -> Evaluated:
    """The key of one draw. Raises Rejected (draw again) or TemplateBug (fix the template)."""
    assert template.answer is not None
    parts = template.answer.all_parts()
    try:
        args = [computation_args(p, values) for p in parts]
    except TemplateBug as bug:
        raise TemplateBug("answer.args", str(bug)) from None
    refs = [_reference(p, a, _where(template, i)) for i, (p, a) in enumerate(zip(parts, args))]
    raw = refs[0] if len(parts) == 1 else _combine(refs, template.answer.combine)
    x = args[0].get("x")
    try:
        answer = _format(template, raw, values, x)
    except (ValueError, IndexError) as error:
        raise Rejected(f"answer: {error}") from None
    if template.kind is AnswerKind.INTEGER and not _is_integer(answer):
        raise Rejected(f"answer: {answer!r} is not an integer")
    wrong: list[tuple[str, Any]] = []
    for key, value in _mistake_values(template, parts, args, refs).items():
        try:
            formatted = _format(template, value, values, x)
        except (ValueError, IndexError, TypeError):
            continue
        if _same(formatted, answer, template):
            continue
        # Mistakes giving the same value cannot be told apart: one entry names them all.
        same = next((i for i, (_, w) in enumerate(wrong) if _same(formatted, w, template)), None)
        if same is None:
            wrong.append((key, formatted))
        else:
            wrong[same] = (f"{wrong[same][0]}+{key}", wrong[same][1])
    options = [o.text for o in template.answer.match] if template.answer.match else None
    return Evaluated(answer, wrong, _working(template, parts, args, refs, answer, values), options)


def answer_rejection(template: Template, ev: Evaluated) -> str | None:
    """Why the answer breaks an ``answer_*`` or ``mistakes_distinct`` constraint, or None."""
    for i, c in enumerate(template.constraints):
        rule = c.rule
        if rule == "mistakes_distinct":
            if c.mistakes_distinct and sorted(k for k, _ in ev.wrong) != sorted(template.mistakes):
                return f"constraints.{i}.mistakes_distinct not satisfied"
            continue
        if not rule.startswith("answer_"):
            continue
        try:
            arr = np.asarray(ev.answer, dtype=np.float64)
        except (TypeError, ValueError):
            raise TemplateBug(f"constraints.{i}.{rule}", "needs a numeric answer") from None
        bound = float(getattr(c, rule))
        if rule == "answer_at_least" and not np.all(arr >= bound):
            return f"constraints.{i}.{rule} not satisfied"
        if rule == "answer_at_most" and not np.all(arr <= bound):
            return f"constraints.{i}.{rule} not satisfied"
        if rule == "answer_multiple_of":
            ratio = arr / bound
            if not np.allclose(ratio, np.round(ratio), rtol=0, atol=1e-9):
                return f"constraints.{i}.{rule} not satisfied"
    return None
