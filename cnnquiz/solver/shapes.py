"""Output sizes of convolution, pooling and transposed convolution; receptive fields.

PyTorch's formulas, for one spatial dimension::

    conv:       out = floor((in + 2*p - d*(k-1) - 1) / s) + 1
    pool:       the same, with ceil instead of floor when ceil_mode=True, and then the
                last window is dropped if it would start in the right padding
                (``(out-1)*s >= in + p``).
    transposed: out = (in - 1)*s - 2*p + d*(k-1) + output_padding + 1

The sliding-window count itself lives once, in :mod:`cnnquiz.solver.formula`
(``window_count``, and the lecture's plain formula); the PyTorch geometry here uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cnnquiz.solver._args import (
    Pair,
    Padding,
    as_flag,
    as_pair,
    as_padding,
    check_scalar_call,
    is_default_stride,
    is_scalar,
    same_padding,
)
from cnnquiz.solver.formula import positions as _positions
# Receptive fields live in their own module; re-exported here, where they always were.
from cnnquiz.solver.receptive import ReceptiveFieldStep, receptive_field

__all__ = [
    "conv2d_output_size",
    "pool2d_output_size",
    "conv_transpose2d_output_size",
    "receptive_field",
    "ReceptiveFieldStep",
]


@dataclass(frozen=True)
class ConvGeometry:
    """Normalized convolution geometry: output size and the padding on each side."""

    out: Pair
    pad_before: Pair
    pad_after: Pair
    kernel: Pair
    stride: Pair
    dilation: Pair


def conv_geometry(
    in_hw: Pair, kernel_size: Any, stride: Any, padding: Any, dilation: Any
) -> ConvGeometry:
    """Normalize and validate convolution arguments for an input of spatial size ``in_hw``."""
    kernel = as_pair(kernel_size, "kernel_size", minimum=1)
    stride_ = as_pair(stride, "stride", minimum=1)
    dilation_ = as_pair(dilation, "dilation", minimum=1)
    pad = as_padding(padding, allow_strings=True)
    if pad is Padding.SAME:
        if stride_ != (1, 1):
            raise ValueError(f"padding='same' needs stride 1 (as in PyTorch); got stride={stride}")
        before, after = same_padding(kernel, dilation_)
    elif pad is Padding.VALID:
        before = after = (0, 0)
    else:
        before = after = pad
    out = []
    for axis in range(2):
        padded = in_hw[axis] + before[axis] + after[axis]
        effective = dilation_[axis] * (kernel[axis] - 1) + 1
        if effective > padded:
            raise ValueError(
                f"kernel_size {kernel_size!r} (effective {effective} with dilation "
                f"{dilation_[axis]}) is larger than the padded input ({padded}) "
                f"along {'height' if axis == 0 else 'width'}"
            )
        out.append(_positions(padded - effective, stride_[axis], ceil=False))
    return ConvGeometry((out[0], out[1]), before, after, kernel, stride_, dilation_)


def conv2d_output_size(
    size: Any, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1
) -> int | tuple[int, int]:
    """Spatial output size of a 2-D convolution, as ``torch.nn.Conv2d`` computes it.

    Parameters
    ----------
    size : int or (H, W)
        Input height/width. With an int, every other argument must be an int too.
    kernel_size, stride, dilation : int or (h, w)
    padding : int, (h, w), "same" or "valid"

    Returns
    -------
    int or tuple[int, int]
        ``floor((size + 2*padding - dilation*(kernel_size-1) - 1) / stride) + 1``,
        an int when ``size`` is an int.

    Examples
    --------
    >>> conv2d_output_size(32, 5, stride=1, padding=2)
    32
    >>> conv2d_output_size((150, 150), 3)
    (148, 148)
    """
    scalar = is_scalar(size)
    if scalar:
        check_scalar_call(size, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation)
    in_hw = as_pair(size, "size", minimum=1)
    out = conv_geometry(in_hw, kernel_size, stride, padding, dilation).out
    return out[0] if scalar else out


@dataclass(frozen=True)
class PoolGeometry:
    """Normalized pooling geometry; ``pad_after`` covers ceil_mode's overhang."""

    out: Pair
    pad_before: Pair
    pad_after: Pair
    kernel: Pair
    stride: Pair
    dilation: Pair


def pool_geometry(
    in_hw: Pair,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
) -> PoolGeometry:
    """Normalize and validate pooling arguments for an input of spatial size ``in_hw``."""
    kernel = as_pair(kernel_size, "kernel_size", minimum=1)
    # PyTorch: stride=None (or an empty list) means stride = kernel_size.
    stride_ = kernel if is_default_stride(stride) else as_pair(stride, "stride", minimum=1)
    pad = as_padding(padding, allow_strings=False)
    assert isinstance(pad, tuple)
    dilation_ = as_pair(dilation, "dilation", minimum=1)
    out: list[int] = []
    after: list[int] = []
    for axis in range(2):
        k, s, p, d, n = kernel[axis], stride_[axis], pad[axis], dilation_[axis], in_hw[axis]
        if p > k // 2:
            raise ValueError(
                f"padding must be at most half of kernel_size (as in PyTorch); got "
                f"padding={padding!r} with kernel_size={kernel_size!r}"
            )
        span = n + 2 * p - d * (k - 1) - 1
        # Floor division rounds towards -inf, as PyTorch's div_rtn: with ceil_mode a
        # window may overhang a padded input smaller than the kernel (e.g. size 2,
        # kernel 3 gives 1), so only an output below 1 is an error.
        o = _positions(span, s, ceil=ceil_mode)
        if ceil_mode and (o - 1) * s >= n + p:
            o -= 1  # the last window would start in the right padding
        if o < 1:
            raise ValueError(
                f"kernel_size {kernel_size!r} (effective {d * (k - 1) + 1} with dilation {d}) "
                f"is larger than the padded input ({n + 2 * p}) along "
                f"{'height' if axis == 0 else 'width'}"
                + (f" (output size would be {o} with stride {s} and ceil_mode)" if ceil_mode else "")
            )
        out.append(o)
        # Extra right/bottom room so every window (including ceil overhang) is in bounds.
        after.append(max(p, (o - 1) * s + d * (k - 1) + 1 - n - p))
    return PoolGeometry((out[0], out[1]), pad, (after[0], after[1]), kernel, stride_, dilation_)


def pool2d_output_size(
    size: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> int | tuple[int, int]:
    """Spatial output size of 2-D max/avg pooling, as ``torch.nn.MaxPool2d`` computes it.

    Parameters
    ----------
    size : int or (H, W)
    kernel_size, dilation : int or (h, w)
    stride : int, (h, w) or None
        None means ``kernel_size`` (PyTorch's default).
    padding : int or (h, w)
        At most half of ``kernel_size``.
    ceil_mode : bool
        Round up instead of down; the last window must start inside the input or
        the left padding.

    Returns
    -------
    int or tuple[int, int]

    Examples
    --------
    >>> pool2d_output_size(150, 2)
    75
    >>> pool2d_output_size(5, 2, ceil_mode=True)
    3
    """
    scalar = is_scalar(size)
    if scalar:
        check_scalar_call(size, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation)
    in_hw = as_pair(size, "size", minimum=1)
    out = pool_geometry(in_hw, kernel_size, stride, padding, dilation, as_flag(ceil_mode, "ceil_mode")).out
    return out[0] if scalar else out


@dataclass(frozen=True)
class TransposeGeometry:
    """Normalized transposed-convolution geometry."""

    out: Pair
    kernel: Pair
    stride: Pair
    padding: Pair
    output_padding: Pair
    dilation: Pair


def transpose_geometry(in_hw: Pair, kernel_size: Any, stride: Any, padding: Any, output_padding: Any,
                       dilation: Any) -> TransposeGeometry:
    """Normalize and validate transposed-convolution arguments for an input ``in_hw``."""
    kernel = as_pair(kernel_size, "kernel_size", minimum=1)
    stride_ = as_pair(stride, "stride", minimum=1)
    pad = as_padding(padding, allow_strings=False)
    assert isinstance(pad, tuple)
    extra = as_pair(output_padding, "output_padding", minimum=0)
    dilation_ = as_pair(dilation, "dilation", minimum=1)
    out = []
    for axis in range(2):
        k, s, p, op, d, n = kernel[axis], stride_[axis], pad[axis], extra[axis], dilation_[axis], in_hw[axis]
        if op >= s and op >= d:
            raise ValueError(
                f"output_padding must be smaller than stride or dilation (as in PyTorch); got "
                f"output_padding={output_padding!r} with stride={stride!r}, dilation={dilation!r}"
            )
        o = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        if o < 1:
            raise ValueError(
                f"padding={padding!r} crops the whole output along {'height' if axis == 0 else 'width'} "
                f"(output size would be {o})"
            )
        out.append(o)
    return TransposeGeometry((out[0], out[1]), kernel, stride_, pad, extra, dilation_)


def conv_transpose2d_output_size(
    size: Any, kernel_size: Any, stride: Any = 1, padding: Any = 0, output_padding: Any = 0, dilation: Any = 1
) -> int | tuple[int, int]:
    """Spatial output size of a transposed convolution, as ``torch.nn.ConvTranspose2d``.

    Parameters
    ----------
    size : int or (H, W)
    kernel_size, stride, dilation : int or (h, w)
    padding : int or (h, w)
        Cropped from each side of the full output.
    output_padding : int or (h, w)
        Extra rows/columns added on the bottom/right only; must be smaller than
        ``stride`` or ``dilation`` (it picks one of the input sizes a strided
        convolution maps onto the same output size).

    Returns
    -------
    int or tuple[int, int]
        ``(size - 1)*stride - 2*padding + dilation*(kernel_size - 1) + output_padding + 1``,
        an int when ``size`` is an int.

    Examples
    --------
    >>> conv_transpose2d_output_size(2, 2, stride=2)
    4
    >>> conv_transpose2d_output_size(16, 3, stride=2, padding=1, output_padding=1)
    32
    >>> conv_transpose2d_output_size((7, 5), (4, 3), stride=(2, 1), padding=(1, 0))
    (14, 7)
    """
    scalar = is_scalar(size)
    if scalar:
        check_scalar_call(size, kernel_size=kernel_size, stride=stride, padding=padding,
                          output_padding=output_padding, dilation=dilation)
    in_hw = as_pair(size, "size", minimum=1)
    out = transpose_geometry(in_hw, kernel_size, stride, padding, output_padding, dilation).out
    return out[0] if scalar else out
