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
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from cnnquiz import solver
from cnnquiz.workings import WORKINGS

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
                "Padding is added on the top and the bottom (left and right), so it enters the formula as 2 x padding."),
        Mistake("stride_ignored", "the stride was ignored",
                "With stride s the window jumps s pixels at a time, so the span is divided by the stride."),
        Mistake("dilation_ignored", "the dilation was ignored",
                "A dilated kernel covers d x (k - 1) + 1 pixels, not k."),
        Mistake("height_width_swapped", "height and width are swapped",
                "Shapes are (height, width): the first number is rows, the second columns."),
        Mistake("square_only", "the height was used for the width",
                "The code assumes a square input or kernel; compute the width from the width."),
        Mistake("bias_forgotten", "the bias was forgotten",
                "Each filter (or neuron) has one bias parameter that is added to its sum."),
        Mistake("input_channels_forgotten", "the input channels were forgotten",
                "A filter spans all input channels: each one has in_channels x kh x kw weights."),
        Mistake("groups_ignored", "the groups were ignored",
                "With groups=g each filter only sees in_channels / g channels."),
        Mistake("kernel_flipped", "that is a flipped kernel: PyTorch computes cross-correlation",
                "Textbook convolution flips the kernel; PyTorch (and CNNs in general) slide it unflipped."),
        Mistake("padding_ignored", "the zero padding was ignored",
                "Padding adds a border of zeros before the kernel slides, which changes every edge value."),
        Mistake("pool_stride_one", "the pooling stride was taken as 1",
                "Unless stated, pooling uses stride = kernel size, so windows do not overlap."),
        Mistake("ceil_floor_swapped", "floor and ceil are mixed up",
                "ceil_mode=False rounds the number of windows down; ceil_mode=True rounds it up."),
        Mistake("max_instead_of_avg", "that is max pooling, not average pooling",
                "Average pooling takes the mean of each window, not its largest value."),
        Mistake("avg_instead_of_max", "that is average pooling, not max pooling",
                "Max pooling keeps the largest value of each window, not the mean."),
        Mistake("relu_before_sigmoid", "ReLU was applied before the sigmoid",
                "sigmoid(ReLU(z)) is never below 0.5, because ReLU maps every negative z to 0 and sigmoid(0) = 0.5."),
        Mistake("relu_forgotten", "the ReLU was forgotten",
                "ReLU comes first: negative z becomes 0 before the sigmoid, so the result is 0.5."),
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


# --- mistaken computations -------------------------------------------------------------
# Each takes the same keyword parameters as the reference and returns the wrong value.

def _pair(value: Any) -> tuple[int, int]:
    if isinstance(value, (list, tuple, np.ndarray)):
        return int(value[0]), int(value[1])
    return int(value), int(value)


def _size_formula(size: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                  *, plus_one: int = 1, pad_factor: int = 2, use_stride: bool = True,
                  use_dilation: bool = True, ceil: bool = False) -> Any:
    """The output-size formula with one term changeable, for the size mistakes."""
    scalar = not isinstance(size, (list, tuple, np.ndarray))
    out = []
    for axis in range(2):
        n, k, s = _pair(size)[axis], _pair(kernel_size)[axis], _pair(stride)[axis]
        p, d = _pair(padding)[axis], _pair(dilation)[axis] if use_dilation else 1
        span = n + pad_factor * p - d * (k - 1) - 1
        step = s if use_stride else 1
        value = (-(-span // step) if ceil else span // step) + plus_one
        if value < 1:
            raise ValueError("the mistake gives no valid size")
        out.append(value)
    return out[0] if scalar else tuple(out)


def _conv_size_args(p: Mapping[str, Any]) -> tuple[Any, Any, Any, Any, Any]:
    if isinstance(p.get("padding", 0), str):
        raise ValueError("string padding has no arithmetic mistake variants")
    return p["size"], p["kernel_size"], p.get("stride", 1), p.get("padding", 0), p.get("dilation", 1)


def _swap(value: Any) -> Any:
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return (value[1], value[0])
    raise ValueError("only pairs can be swapped")


def _pool_stride(p: Mapping[str, Any]) -> Any:
    return p["kernel_size"] if p.get("stride") is None else p["stride"]


def _flip(weight: Any) -> np.ndarray:
    return np.asarray(weight)[..., ::-1, ::-1]


def _conv_kwargs(p: Mapping[str, Any], **change: Any) -> dict[str, Any]:
    kwargs = {k: p[k] for k in ("x", "weight", "bias", "stride", "padding", "dilation", "groups") if k in p}
    kwargs.update(change)
    return kwargs


def _square_only(result: np.ndarray) -> np.ndarray:
    """What code that takes the output width from the height returns (when it runs)."""
    ho, wo = result.shape[-2:]
    if ho == wo:
        raise ValueError("square output: the mistake is invisible")
    if ho < wo:
        return result[..., :ho]
    return result[..., :wo, :]


def _naive_softmax(z: Any) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(np.asarray(z, dtype=np.float64))
        return e / e.sum(axis=-1, keepdims=True)


def _receptive(layers: Any, *, use_jump: bool = True, use_dilation: bool = True) -> int:
    size, jump = 1, 1
    for step in solver.receptive_field(layers):
        d = step.dilation if use_dilation else 1
        size += d * (step.kernel_size - 1) * (jump if use_jump else 1)
        jump *= step.stride
    return size


def _conv_shape(p: Mapping[str, Any], **size_change: Any) -> list[int]:
    c, h, w = p["input_shape"]
    args = dict(size=(h, w), kernel_size=p["kernel_size"], stride=p.get("stride", 1),
                padding=p.get("padding", 0), dilation=p.get("dilation", 1))
    hw = _size_formula(**args, **size_change) if size_change else solver.conv2d_output_size(**args)
    return [int(p["out_channels"]), int(hw[0]), int(hw[1])]


# --- the computations -------------------------------------------------------------------

@dataclass(frozen=True)
class Computation:
    """A reference computation and its known mistakes, all taking the same parameters."""

    key: str
    reference: Callable[[Mapping[str, Any]], Any]
    mistakes: Mapping[str, Callable[[Mapping[str, Any]], Any]] = field(default_factory=dict)


def _conv_output_size(p: Mapping[str, Any]) -> Any:
    return solver.conv2d_output_size(**p)


def _pool_output_size(p: Mapping[str, Any]) -> Any:
    return solver.pool2d_output_size(**p)


def _pool_size_mistake(p: Mapping[str, Any], **change: Any) -> Any:
    q = dict(p)
    q.update(change)
    return solver.pool2d_output_size(**q)


_COMPUTATIONS = [
    Computation(
        "conv2d_output_size",
        _conv_output_size,
        {
            "forgot_plus_one": lambda p: _size_formula(*_conv_size_args(p), plus_one=0),
            "padding_once": lambda p: _size_formula(*_conv_size_args(p), pad_factor=1),
            "stride_ignored": lambda p: _size_formula(*_conv_size_args(p), use_stride=False),
            "dilation_ignored": lambda p: _size_formula(*_conv_size_args(p), use_dilation=False),
            "height_width_swapped": lambda p: _swap(solver.conv2d_output_size(**p)),
        },
    ),
    Computation(
        "pool2d_output_size",
        _pool_output_size,
        {
            "forgot_plus_one": lambda p: _size_formula(
                p["size"], p["kernel_size"], _pool_stride(p), p.get("padding", 0), p.get("dilation", 1),
                plus_one=0, ceil=bool(p.get("ceil_mode", False))),
            "pool_stride_one": lambda p: _pool_size_mistake(p, stride=1),
            "padding_once": lambda p: _size_formula(
                p["size"], p["kernel_size"], _pool_stride(p), p.get("padding", 0), p.get("dilation", 1),
                pad_factor=1, ceil=bool(p.get("ceil_mode", False))),
            "ceil_floor_swapped": lambda p: _pool_size_mistake(p, ceil_mode=not p.get("ceil_mode", False)),
            "height_width_swapped": lambda p: _swap(solver.pool2d_output_size(**p)),
        },
    ),
    Computation(
        "conv2d_output_shape",
        lambda p: _conv_shape(p),
        {
            "forgot_plus_one": lambda p: _conv_shape(p, plus_one=0),
            "padding_once": lambda p: _conv_shape(p, pad_factor=1),
            "stride_ignored": lambda p: _conv_shape(p, use_stride=False),
            "channels_kept": lambda p: [int(p["input_shape"][0])] + _conv_shape(p)[1:],
        },
    ),
    Computation(
        "conv2d_params",
        lambda p: solver.conv2d_params(**p),
        {
            "bias_forgotten": lambda p: solver.conv2d_params(**{**p, "bias": False}),
            "input_channels_forgotten": lambda p: solver.conv2d_params(
                **{**p, "in_channels": p.get("groups", 1)}),
            "groups_ignored": lambda p: solver.conv2d_params(**{**p, "groups": 1}),
        },
    ),
    Computation(
        "linear_params",
        lambda p: solver.linear_params(**p),
        {"bias_forgotten": lambda p: solver.linear_params(**{**p, "bias": False})},
    ),
    Computation(
        "conv2d",
        lambda p: solver.conv2d(**_conv_kwargs(p)),
        {
            "kernel_flipped": lambda p: solver.conv2d(**_conv_kwargs(p, weight=_flip(p["weight"]))),
            "bias_forgotten": lambda p: solver.conv2d(**_conv_kwargs(p, bias=None)),
            "stride_ignored": lambda p: solver.conv2d(**_conv_kwargs(p, stride=1)),
            "padding_ignored": lambda p: solver.conv2d(**_conv_kwargs(p, padding=0)),
            "square_only": lambda p: _square_only(solver.conv2d(**_conv_kwargs(p))),
        },
    ),
    Computation(
        "max_pool2d",
        lambda p: solver.max_pool2d(**p),
        {
            "pool_stride_one": lambda p: solver.max_pool2d(**{**p, "stride": 1}),
            "avg_instead_of_max": lambda p: solver.avg_pool2d(
                **{k: v for k, v in p.items() if k not in ("dilation",)}),
            "square_only": lambda p: _square_only(solver.max_pool2d(**p)),
        },
    ),
    Computation(
        "avg_pool2d",
        lambda p: solver.avg_pool2d(**p),
        {
            "pool_stride_one": lambda p: solver.avg_pool2d(**{**p, "stride": 1}),
            "max_instead_of_avg": lambda p: solver.max_pool2d(
                **{k: v for k, v in p.items() if k not in ("count_include_pad",)}),
            "square_only": lambda p: _square_only(solver.avg_pool2d(**p)),
        },
    ),
    Computation("relu", lambda p: solver.relu(p["x"])),
    Computation(
        "sigmoid",
        lambda p: solver.sigmoid(p["x"]),
        {"relu_before_sigmoid": lambda p: solver.sigmoid(solver.relu(p["x"]))},
    ),
    Computation(
        "sigmoid_relu",
        lambda p: solver.sigmoid(solver.relu(p["z"])),
        {"relu_forgotten": lambda p: solver.sigmoid(p["z"])},
    ),
    Computation(
        "softmax",
        lambda p: solver.softmax(p["z"]),
        {
            "softmax_overflow": lambda p: _naive_softmax(p["z"]),
            "softmax_not_normalized": lambda p: np.exp(np.asarray(p["z"], dtype=np.float64)),
        },
    ),
    Computation(
        "receptive_field",
        lambda p: solver.receptive_field(p["layers"])[-1].size,
        {
            "jump_ignored": lambda p: _receptive(p["layers"], use_jump=False),
            "dilation_ignored": lambda p: _receptive(p["layers"], use_dilation=False),
        },
    ),
]

COMPUTATIONS: dict[str, Computation] = {c.key: c for c in _COMPUTATIONS}


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


def values_match(got: Any, expected: Any, *, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Same shape and every element within tolerance (NaN matches NaN, inf matches inf)."""
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
    reference = comp.reference(params)
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
    if values_match(got, compute(computation, params), rtol=rtol, atol=atol):
        return []
    return [
        CATALOGUE[key]
        for key, value in mistaken_values(computation, params, only).items()
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


def working(computation: str, params: Mapping[str, Any]) -> str:
    """The correct working, with the numbers put in (e.g. the size formula)."""
    writer = WORKINGS.get(computation)
    answer = compute(computation, params)
    if writer is None:
        return f"answer: {_short(answer)}"
    return writer(params, answer)


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, separator=", ")
    if isinstance(value, float) and not math.isnan(value):
        return f"{value:.6g}"
    return str(value)
