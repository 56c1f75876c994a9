"""The sliding-window formula, once: window positions along an axis, with a rounding mode.

``window_count`` is the count for one axis of an already padded input;
``formula_output_size`` is the lecture's ``(W - F + 2P) / S + 1`` over both axes.
PyTorch's geometry (:mod:`cnnquiz.solver.shapes`) and the question templates' mistake
variants (the formula with one term changed) are built on these.
"""

from __future__ import annotations

import enum
from typing import Any

from cnnquiz.solver._args import as_int, as_pair, check_scalar_call, is_scalar

__all__ = ["Rounding", "window_count", "formula_output_size", "positions"]


class Rounding(enum.Enum):
    """How :func:`window_count` rounds ``(span - effective_kernel) / stride``."""

    FLOOR = "floor"  # PyTorch's convolution and default pooling: drop a partial window
    CEIL = "ceil"  # pooling's ceil_mode before PyTorch's last-window rule
    EXACT = "exact"  # the lecture's formula taken literally: the stride must divide


def window_count(padded_size: Any, kernel_size: Any, stride: Any = 1, dilation: Any = 1,
                 rounding: Rounding | str = Rounding.FLOOR) -> int:
    """Number of window positions along one axis of an already padded input.

    Parameters
    ----------
    padded_size : int
        Input length plus all padding on this axis (``size + 2*padding``).
    kernel_size, stride, dilation : int
    rounding : Rounding or {"floor", "ceil", "exact"}
        ``"exact"`` raises ``ValueError`` when the stride does not divide
        ``padded_size - effective_kernel``.

    Returns
    -------
    int
        ``round((padded_size - dilation*(kernel_size-1) - 1) / stride) + 1``, at least 1.

    Examples
    --------
    >>> window_count(32 + 2 * 2, 5)
    32
    >>> window_count(7, 2, stride=2), window_count(7, 2, stride=2, rounding="ceil")
    (3, 4)
    """
    n = as_int(padded_size, "padded_size", minimum=1)
    k = as_int(kernel_size, "kernel_size", minimum=1)
    s = as_int(stride, "stride", minimum=1)
    d = as_int(dilation, "dilation", minimum=1)
    mode = _rounding(rounding)
    effective = d * (k - 1) + 1
    if effective > n:
        raise ValueError(
            f"kernel_size {k} (effective {effective} with dilation {d}) is larger than "
            f"the padded input ({n})"
        )
    span = n - effective
    if mode is Rounding.EXACT and span % s:
        raise ValueError(
            f"stride {s} does not divide padded_size - effective kernel = {span}; "
            f"got padded_size={n}, kernel_size={k}, dilation={d}"
        )
    return positions(span, s, ceil=mode is Rounding.CEIL)


def positions(span: int, stride: int, *, ceil: bool) -> int:
    """``span // stride + 1`` (or rounded up): window starts in ``span`` + 1 pixels.

    Floor division rounds towards -inf, as PyTorch's div_rtn, so a negative span
    gives a count below 1 that callers reject with their own message.
    """
    return (span + (stride - 1 if ceil else 0)) // stride + 1


def _rounding(value: Any) -> Rounding:
    if isinstance(value, Rounding):
        return value
    try:
        return Rounding(value)
    except ValueError:
        raise ValueError(f"rounding must be 'floor', 'ceil' or 'exact'; got rounding={value!r}") from None


def formula_output_size(size: Any, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
                        rounding: Rounding | str = Rounding.FLOOR) -> int | tuple[int, int]:
    """The lecture's output-size formula ``(W - F + 2P) / S + 1``, per axis, rounded.

    Unlike :func:`pool2d_output_size` with ``ceil_mode``, ``"ceil"`` here applies no
    last-window rule: this is the formula as written on a slide.

    Parameters
    ----------
    size : int or (H, W)
    kernel_size, stride, dilation : int or (h, w)
    padding : int or (h, w)
        Padding on each side.
    rounding : Rounding or {"floor", "ceil", "exact"}

    Returns
    -------
    int or tuple[int, int]
        ``window_count(size + 2*padding, kernel_size, stride, dilation, rounding)``,
        an int when ``size`` is an int.

    Examples
    --------
    >>> formula_output_size(7, 3, stride=2)
    3
    >>> formula_output_size((6, 7), 3, stride=2, rounding="ceil")
    (3, 3)
    """
    scalar = is_scalar(size)
    if scalar:
        check_scalar_call(size, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation)
    in_hw = as_pair(size, "size", minimum=1)
    kernel = as_pair(kernel_size, "kernel_size", minimum=1)
    stride_ = as_pair(stride, "stride", minimum=1)
    pad = as_pair(padding, "padding", minimum=0)
    dilation_ = as_pair(dilation, "dilation", minimum=1)
    out = tuple(
        window_count(in_hw[a] + 2 * pad[a], kernel[a], stride_[a], dilation_[a], rounding) for a in range(2)
    )
    return out[0] if scalar else (out[0], out[1])
