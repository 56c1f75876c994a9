"""The computations the misconception catalogue knows, and their mistaken variants.

Each :class:`Computation` pairs a reference (a solver call taking named parameters)
with its known mistakes: the same call with exactly one thing changed. The mistakes'
names and explanations live in :mod:`cnnquiz.mistakes`, keyed the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from cnnquiz import solver

__all__ = ["Computation", "COMPUTATIONS", "int_pair"]


def int_pair(value: Any) -> tuple[int, int]:
    """An int or an ``(h, w)`` sequence as two ints, unvalidated (for values the solver
    has accepted, or that a caller checks itself)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return int(value[0]), int(value[1])
    return int(value), int(value)


# --- mistaken computations -------------------------------------------------------------
# Each takes the same keyword parameters as the reference and returns the wrong value.


def _size_formula(size: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                  *, plus_one: int = 1, pad_factor: int = 2, use_stride: bool = True,
                  use_dilation: bool = True, ceil: bool = False) -> Any:
    """The output-size formula with one term changeable, for the size mistakes.

    The formula itself is the solver's (:func:`cnnquiz.solver.window_count`); a mistake
    only changes what goes in (padding once, stride 1, no dilation) or the final +1.
    """
    scalar = not isinstance(size, (list, tuple, np.ndarray))
    rounding = solver.Rounding.CEIL if ceil else solver.Rounding.FLOOR
    out = []
    for axis in range(2):
        n, k, s = int_pair(size)[axis], int_pair(kernel_size)[axis], int_pair(stride)[axis]
        p, d = int_pair(padding)[axis], int_pair(dilation)[axis] if use_dilation else 1
        value = solver.window_count(n + pad_factor * p, k, s if use_stride else 1, d, rounding) - 1 + plus_one
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
