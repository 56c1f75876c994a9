"""The misconception catalogue: named wrong variants of solver computations.

Each :class:`Computation` pairs the reference (a solver call) with its known
mistakes, each a solver call with exactly one thing changed ("forgot the +1",
"kernel flipped", ...). The question bank uses it to explain wrong answers and
the code grader uses it to explain wrong outputs: when a wrong value equals a
mistake's value (and not the reference), the mistake is named.

Parameters are passed by name, exactly as the solver functions take them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from cnnquiz.computations import COMPUTATIONS, Computation
from cnnquiz.workings import ELEMENT_WORKINGS, WORKINGS

__all__ = [
    "Mistake",
    "Computation",
    "CATALOGUE",
    "COMPUTATIONS",
    "compute",
    "mistaken_values",
    "diagnose",
    "matching_mistakes",
    "combine",
    "working",
    "values_match",
]


@dataclass(frozen=True)
class Mistake:
    """A named misconception, explained in plain words."""

    key: str
    name: str
    explanation: str


CATALOGUE: dict[str, Mistake] = {
    m.key: m
    for m in [
        Mistake("forgot_plus_one", "you forgot the +1",
                "The number of positions is (span / stride) + 1: the first window counts too."),
        Mistake("padding_once", "padding counts on both sides",
                "Padding p is added on each side (top and bottom, left and right), so it enters the formula as 2 x p."),
        Mistake("stride_ignored", "the stride was ignored",
                "With stride s the window jumps s pixels at a time, so only every s-th position is used."),
        Mistake("dilation_ignored", "the dilation was ignored",
                "A dilated kernel covers d x (k - 1) + 1 pixels, not k."),
        Mistake("height_width_swapped", "height and width are swapped",
                "Shapes are (height, width): the first number is rows, the second columns."),
        Mistake("square_only", "the height was used for the width",
                "The code assumes a square input or kernel; compute the width from the width."),
        Mistake("bias_forgotten", "the bias was forgotten",
                "Each filter (or neuron) has one bias parameter that is added to its sum."),
        Mistake("input_channels_forgotten", "the input channels were forgotten",
                "A filter has one kh x kw slice for every input channel it sees (all of them, or in_channels / groups "
                "with groups), so it has that many x kh x kw weights."),
        Mistake("groups_ignored", "the groups were ignored",
                "With groups=g the channels are split into g groups and each filter only sees the in_channels / g "
                "channels of its group."),
        Mistake("kernel_flipped", "that is a flipped kernel: PyTorch computes cross-correlation",
                "Textbook convolution flips the kernel; PyTorch (and CNNs in general) slide it unflipped."),
        Mistake("padding_ignored", "the zero padding was ignored",
                "Padding adds a border of zeros before the kernel slides, which changes every edge value."),
        Mistake("pool_stride_one", "the pooling stride was taken as 1",
                "Pooling windows move by the pooling stride, not 1 pixel at a time; the stride is the kernel size "
                "when none is given."),
        Mistake("ceil_floor_swapped", "floor and ceil are mixed up",
                "ceil_mode=False rounds the number of windows down; ceil_mode=True rounds it up."),
        Mistake("max_instead_of_avg", "that is max pooling, not average pooling",
                "Average pooling takes the mean of each window, not its largest value."),
        Mistake("avg_instead_of_max", "that is average pooling, not max pooling",
                "Max pooling keeps the largest value of each window, not the mean."),
        Mistake("relu_before_sigmoid", "ReLU was applied before the sigmoid",
                "0.5 is sigmoid(0): negative inputs were set to 0 first, as a ReLU does; sigmoid(x) = "
                "1 / (1 + e^-x) is below 0.5 for every negative x."),
        Mistake("relu_forgotten", "the ReLU was forgotten",
                "ReLU comes first: a negative z becomes 0 before the sigmoid, and sigmoid(0) = 0.5."),
        Mistake("softmax_overflow", "softmax without max-subtraction overflows",
                "exp(1000) is inf in floating point; subtract max(z) from every logit first (the result is unchanged)."),
        Mistake("softmax_not_normalized", "the exponentials were not normalized",
                "Softmax divides each exp(z_i) by the sum of all exp(z_j) so that the outputs sum to 1."),
        Mistake("channels_kept", "the output depth is the number of filters",
                "Each filter gives one feature map, so the output has as many channels as there are filters."),
        Mistake("jump_ignored", "the stride of earlier layers was ignored",
                "After a stride-s layer, neighbouring outputs are s input pixels apart, so later kernels grow the field s times faster."),
    ]
}


def _get(computation: str) -> Computation:
    try:
        return COMPUTATIONS[computation]
    except KeyError:
        known = ", ".join(sorted(COMPUTATIONS))
        raise KeyError(f"unknown computation {computation!r} (known: {known})") from None


def compute(computation: str, params: Mapping[str, Any]) -> Any:
    """The reference value of ``computation`` for ``params`` (the solver's result)."""
    return _get(computation).reference(params)


def _to_float_array(value: Any) -> np.ndarray | None:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return None
    return arr


_SCALAR_TYPES = (int, float, np.integer, np.floating)  # bool is an int, np.bool_ is not


def _scalar_close(a: float, b: float, rtol: float, atol: float) -> bool:
    """``np.isclose(a, b, rtol, atol, equal_nan=True)`` for two floats, without numpy."""
    if a == b:  # also inf == inf of the same sign
        return True
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return False
    return abs(a - b) <= atol + rtol * abs(b)


def _flat_scalars(value: Any) -> bool:
    """A short list or tuple of plain numbers (a shape, an (h, w) pair)."""
    return isinstance(value, (list, tuple)) and 0 < len(value) <= 8 and all(
        isinstance(v, _SCALAR_TYPES) for v in value)


def values_match(got: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Same shape and every element within tolerance (NaN matches NaN, inf matches inf).

    The test is numpy's: ``|got - expected| <= atol + rtol * |expected|`` elementwise.
    Two scalars, or two short flat lists of them (the common cases when a paper is
    generated or graded), are compared in plain Python, about a hundred times faster
    than ``np.allclose``, with the same result.
    """
    if isinstance(got, _SCALAR_TYPES) and isinstance(expected, _SCALAR_TYPES):
        try:
            return _scalar_close(float(got), float(expected), rtol, atol)
        except OverflowError:  # an int beyond float range matches nothing (as below)
            return False
    if _flat_scalars(got) and _flat_scalars(expected):  # shapes and (h, w) pairs
        if len(got) != len(expected):
            return False
        try:
            return all(_scalar_close(float(a), float(b), rtol, atol) for a, b in zip(got, expected))
        except OverflowError:
            return False
    if isinstance(expected, (tuple, list)) and isinstance(got, (tuple, list)) and (
        len(expected) != len(got)
    ):
        return False
    a, b = _to_float_array(got), _to_float_array(expected)
    if a is None or b is None or a.shape != b.shape:
        return False
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def mistaken_values(
    computation: str, params: Mapping[str, Any], only: Iterable[str] | None = None
) -> dict[str, Any]:
    """Values the known mistakes give for ``params``, keyed by mistake.

    A mistake is left out when it does not apply (its computation raises) or when it
    gives the same value as the reference (then it cannot be told apart).
    """
    comp = _get(computation)
    return _mistaken_values(comp, params, comp.reference(params), only)


def _mistaken_values(
    comp: Computation, params: Mapping[str, Any], reference: Any, only: Iterable[str] | None
) -> dict[str, Any]:
    keys = list(comp.mistakes) if only is None else [k for k in only if k in comp.mistakes]
    values: dict[str, Any] = {}
    for key in keys:
        try:
            with np.errstate(all="ignore"):
                value = comp.mistakes[key](params)
        except (ValueError, ZeroDivisionError, IndexError, TypeError):
            continue
        if not values_match(value, reference):
            values[key] = value
    return values


def matching_mistakes(
    computation: str,
    params: Mapping[str, Any],
    got: Any,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    only: Iterable[str] | None = None,
) -> list[Mistake]:
    """Every known mistake whose value equals ``got`` (none when ``got`` is right)."""
    comp = _get(computation)
    reference = comp.reference(params)  # computed once, for the check and the variants
    if values_match(got, reference, rtol=rtol, atol=atol):
        return []
    return [
        CATALOGUE[key]
        for key, value in _mistaken_values(comp, params, reference, only).items()
        if values_match(got, value, rtol=rtol, atol=atol)
    ]


def combine(found: Iterable[Mistake]) -> Mistake | None:
    """One mistake, or several that give the same value named together ("a, or b")."""
    found = list(found)
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    return Mistake(
        key="+".join(m.key for m in found),
        name=", or ".join(m.name for m in found),
        explanation=" ".join(m.explanation for m in found),
    )


def diagnose(
    computation: str,
    params: Mapping[str, Any],
    got: Any,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    only: Iterable[str] | None = None,
) -> Mistake | None:
    """The mistake whose value equals ``got`` (and the reference does not), or None.

    When several mistakes give that same value they cannot be told apart: the result
    names them together, its ``key`` joining theirs with ``+``.
    """
    return combine(matching_mistakes(computation, params, got, rtol=rtol, atol=atol, only=only))


def working(computation: str, params: Mapping[str, Any], *, element: Sequence[int] | None = None) -> str:
    """The correct working, with the numbers put in (e.g. the size formula).

    ``element`` (0-based indices into the result, leading axes of size 1 left out) asks
    for the working of that one cell, where the computation has such a writer.
    """
    answer = compute(computation, params)
    if element is not None and computation in ELEMENT_WORKINGS:
        return ELEMENT_WORKINGS[computation](params, answer, element)
    writer = WORKINGS.get(computation)
    if writer is None:
        return f"answer: {_short(answer)}"
    return writer(params, answer)


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, separator=", ")
    if isinstance(value, float) and not math.isnan(value):
        return f"{value:.6g}"
    return str(value)


# The question families (cnnquiz.families) add their computations, mistakes and workings to
# these tables; imported last because the families build on Mistake and Computation.
from cnnquiz.families._registry import merge_into as _merge_families  # noqa: E402

_merge_families(COMPUTATIONS, CATALOGUE, WORKINGS)
