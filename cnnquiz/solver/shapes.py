"""Output sizes of convolution and pooling, and receptive fields of layer stacks.

PyTorch's formulas, for one spatial dimension::

    conv:  out = floor((in + 2*p - d*(k-1) - 1) / s) + 1
    pool:  the same, with ceil instead of floor when ceil_mode=True, and then the
           last window is dropped if it would start in the right padding
           (``(out-1)*s >= in + p``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from cnnquiz.solver._args import (
    Pair,
    Padding,
    as_flag,
    as_int,
    as_pair,
    as_padding,
    check_scalar_call,
    is_default_stride,
    is_scalar,
    same_padding,
)

__all__ = [
    "conv2d_output_size",
    "pool2d_output_size",
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
        out.append((padded - effective) // stride_[axis] + 1)
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
        o = (span + (s - 1 if ceil_mode else 0)) // s + 1
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
class ReceptiveFieldStep:
    """Receptive field after one layer: ``size`` in input pixels, ``jump`` between outputs."""

    kernel_size: int
    stride: int
    dilation: int
    size: int
    jump: int


def receptive_field(layers: Iterable[Mapping[str, Any] | Sequence[int] | int]) -> list[ReceptiveFieldStep]:
    """Receptive field size and jump after each layer of a stack of convs/pools.

    Each layer is an int kernel size, a tuple ``(kernel_size, stride, dilation)``
    (stride and dilation optional) or a mapping with those keys. The recurrence is
    ``size += d*(k-1) * jump`` then ``jump *= stride``, starting from size 1, jump 1.

    Examples
    --------
    >>> [step.size for step in receptive_field([3, 3, 3])]
    [3, 5, 7]
    >>> [step.size for step in receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)])]
    [3, 7, 15]
    """
    try:
        if isinstance(layers, (str, bytes, Mapping)):
            raise TypeError
        items = list(layers)
    except TypeError:
        raise ValueError(f"layers must be a sequence of layers; got layers={layers!r}") from None
    steps: list[ReceptiveFieldStep] = []
    size, jump = 1, 1
    for index, layer in enumerate(items):
        if isinstance(layer, Mapping):
            k, s, d = layer.get("kernel_size"), layer.get("stride", 1), layer.get("dilation", 1)
        elif is_scalar(layer):
            k, s, d = layer, 1, 1
        elif isinstance(layer, (list, tuple)) and 1 <= len(layer) <= 3:
            values = list(layer) + [1, 1]
            k, s, d = values[0], values[1], values[2]
        else:
            raise ValueError(
                f"layers[{index}] must be a kernel size, a tuple (kernel_size, stride, dilation) "
                f"or a mapping; got layers[{index}]={layer!r}"
            )
        k = as_int(k, f"layers[{index}].kernel_size", minimum=1)
        s = as_int(s if s is not None else k, f"layers[{index}].stride", minimum=1)
        d = as_int(d, f"layers[{index}].dilation", minimum=1)
        size += d * (k - 1) * jump
        jump *= s
        steps.append(ReceptiveFieldStep(k, s, d, size, jump))
    if not steps:
        raise ValueError("layers must contain at least one layer; got an empty stack")
    return steps
