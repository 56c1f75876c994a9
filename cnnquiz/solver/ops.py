"""Convolution and pooling on one sample ``(C, H, W)``, vectorized with numpy.

Semantics are PyTorch's (cross-correlation, zero padding, groups, dilation,
ceil_mode, count_include_pad). Integer inputs give integer outputs for conv2d and
max_pool2d (computed exactly in float64, as long as values stay below 2**53).

Speed (see ``bench/bench_solver.py``): grading calls these thousands of times on tiny
arrays, so the common arguments (ints, int pairs, bools, ndarrays) take a fast path
and anything else goes through the full normalization of ``_args`` / ``shapes``,
which also words every error. Windows are zero-copy strided views built with
``np.ndarray(buffer=...)``; convolution is one GEMM ``(K, C*kh*kw) @ (C*kh*kw, Ho*Wo)``
writing the output once in its final layout, in row chunks small enough for the
chunk's columns to stay in cache when the image is large.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cnnquiz.solver._arrays import (
    conv_operands,
    F64,
    REAL_KINDS,
    check_exact,
    fast_flag,
    fast_pair,
    padded_copy,
    real_array,
    strided_view,
    to_array,
)
from cnnquiz.solver._pooling import avg_divisors, pool_geometry_fast, pool_windows, separable_reduce
from cnnquiz.solver.shapes import conv_geometry

__all__ = ["conv2d", "max_pool2d", "avg_pool2d"]

_MAX, _SUM = np.maximum.reduce, np.add.reduce  # skip ndarray.max/sum's Python wrappers
# Pooling: from this many input elements on, the separable passes (kh + kw ufunc calls
# with long inner loops) beat one reduction over a 5-D window view (whose inner loop
# is kh*kw elements long but costs a single call); measured in bench/bench_ops.py.
_SEPARABLE_MIN = 512
# Chunked GEMM: at most this many multiply-adds per chunk (K * C*kh*kw * columns), so a
# chunk's columns stay in cache (and OpenBLAS can use its small-matrix kernels), and at
# least _MIN_CHUNK columns so the Python loop stays cheap.
_CHUNK_MACS = 1 << 20
_MIN_CHUNK = 256


# --------------------------------------------------------------------------- conv2d


def _conv_geometry(in_hw: tuple[int, int], kernel: tuple[int, int], stride: Any, padding: Any,
                   dilation: Any) -> tuple[int, ...]:
    """(ho, wo, top, left, bottom, right, sh, sw, dh, dw); shapes.conv_geometry words errors."""
    if type(padding) is not str:
        sh, sw = fast_pair(stride, "stride", 1)
        dh, dw = fast_pair(dilation, "dilation", 1)
        ph, pw = fast_pair(padding, "padding", 0)
        ho = (in_hw[0] + 2 * ph - dh * (kernel[0] - 1) - 1) // sh + 1
        wo = (in_hw[1] + 2 * pw - dw * (kernel[1] - 1) - 1) // sw + 1
        if ho >= 1 and wo >= 1:
            return ho, wo, ph, pw, ph, pw, sh, sw, dh, dw
    geo = conv_geometry(in_hw, kernel, stride, padding, dilation)  # strings, or raises
    return (*geo.out, *geo.pad_before, *geo.pad_after, *geo.stride, *geo.dilation)


def conv2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: Any = 1,
) -> np.ndarray:
    """2-D cross-correlation of one sample, as ``torch.nn.functional.conv2d``.

    Parameters
    ----------
    x : array (C, H, W)
    weight : array (K, C // groups, kh, kw)
    bias : array (K,) or None
    stride, dilation : int or (h, w)
    padding : int, (h, w), "same" or "valid"
    groups : int

    Returns
    -------
    ndarray (K, Ho, Wo)
        ``Ho = floor((H + 2*ph - dh*(kh-1) - 1) / sh) + 1``, likewise ``Wo``; int64
        when ``x``, ``weight`` and ``bias`` are integer (or bool), else float64.

    Examples
    --------
    >>> image = [[[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]]
    >>> kernel = [[[[1, 0, 1], [0, 1, 0], [1, 0, 1]]]]
    >>> conv2d(image, kernel)[0].tolist()
    [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    """
    xa, wa, g = conv_operands(x, weight, groups)
    c, h, w = xa.shape
    k, cg, kh, kw = wa.shape
    integer = xa.dtype.kind in "biu" and wa.dtype.kind in "biu"
    if bias is not None:
        bias = to_array(bias, "bias") if type(bias) is not np.ndarray else bias
        if bias.dtype.kind not in REAL_KINDS:
            raise ValueError(f"bias must be a real numeric array; got dtype {bias.dtype}")
        if bias.shape != (k,):
            raise ValueError(f"bias must have shape ({k},) (one per filter); got shape {bias.shape}")
        integer = integer and bias.dtype.kind in "biu"
    ho, wo, top, left, bottom, right, sh, sw, dh, dw = _conv_geometry((h, w), (kh, kw), stride, padding, dilation)

    ck = cg * kh * kw
    wm = wa.reshape(k, ck)
    if wm.dtype != F64:
        wm = wm.astype(F64)
    fbias = None if bias is None else bias.astype(F64, copy=False)[:, None]
    if g > 1 and cg == 1 and sh == sw == 1:
        out, xp = _depthwise_conv(xa, wm, (kh, kw), (ho, wo), (top, left, bottom, right), (dh, dw))
        if fbias is not None:
            out += fbias
        return _finish(out.reshape(k, ho, wo), integer, xp, wm, fbias)

    if top or left or bottom or right or xa.dtype != F64 or not xa.flags.c_contiguous:
        xp = padded_copy(xa, F64, top, left, bottom, right, 0)
    else:
        xp = xa  # only read, through strided views
    s0, s1, s2 = xp.strides
    step_h, step_w = (s1 * sh if ho > 1 else 0), (s2 * sw if wo > 1 else 0)
    if g == 1 and kh == kw == 1 and sh == sw == 1:
        out = wm @ xp.reshape(c, ho * wo)  # a 1x1 convolution is one GEMM on x itself
        if fbias is not None:
            out += fbias
    elif g == 1:
        out = _gemm_conv(xp, wm, fbias, (c, kh, kw, ho, wo), (s0, s1 * dh, s2 * dw, step_h, step_w))
    else:
        kg = k // g
        cols = strided_view(xp, (g, cg, kh, kw, ho, wo), (cg * s0, s0, s1 * dh, s2 * dw, step_h, step_w))
        out = np.matmul(wm.reshape(g, kg, ck), cols.reshape(g, ck, ho * wo)).reshape(k, ho * wo)
        if fbias is not None:
            out += fbias
    return _finish(out.reshape(k, ho, wo), integer, xp, wm, fbias)


def _finish(out: np.ndarray, integer: bool, xp: np.ndarray, wm: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """Integer inputs give exact int64 (checked to be within float64's exact range)."""
    if integer:
        check_exact(xp, wm, bias)
        return np.rint(out, out=out).astype(np.int64)
    return out


def _depthwise_conv(xa: np.ndarray, wm: np.ndarray, kernel: tuple[int, int], out_hw: tuple[int, int],
                    pads: tuple[int, int, int, int], dilation: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Stride-1 convolution with one input channel per filter (depthwise, any multiplier).

    A batched matmul of (1 x kh*kw) rows runs at a fraction of BLAS speed, so instead
    each kernel tap is one multiply-add of a per-channel weight over a shifted copy of
    the image. On the flattened padded image a tap's window is one contiguous run:
    output row i starts at ``i * Wp``, so rows are computed ``Wp`` wide and the extra
    ``Wp - Wo`` columns are cropped at the end. Returns (K, Ho*Wo) and the padded input.
    """
    (kh, kw), (ho, wo), (top, left, bottom, right), (dh, dw) = kernel, out_hw, pads, dilation
    c, h, w = xa.shape
    k = wm.shape[0]
    hp, wp = h + top + bottom, w + left + right
    flat = np.zeros((c, hp * wp + (kw - 1) * dw), F64)  # tail room for the last row's taps
    flat[:, : hp * wp].reshape(c, hp, wp)[:, top : top + h, left : left + w] = xa
    length = ho * wp
    multiplier = k // c
    out = np.empty((k, length), F64)
    tmp = np.empty((c, length), F64)
    for m in range(multiplier):  # filters m, m + multiplier, ... read channels 0, 1, ...
        acc = out[m::multiplier]
        for tap in range(kh * kw):
            u, v = divmod(tap, kw)
            window = flat[:, u * dh * wp + v * dw : u * dh * wp + v * dw + length]
            weight = wm[m::multiplier, tap : tap + 1]
            if tap == 0:
                np.multiply(window, weight, out=acc)
            else:
                np.multiply(window, weight, out=tmp)
                acc += tmp
    cropped = np.ascontiguousarray(out.reshape(k, ho, wp)[:, :, :wo]).reshape(k, ho * wo)
    return cropped, flat


def _gemm_conv(xp: np.ndarray, wm: np.ndarray, bias: np.ndarray | None, shape: tuple[int, ...],
               strides: tuple[int, ...]) -> np.ndarray:
    """``wm @ im2col(xp)`` as (K, Ho*Wo), in row chunks when the image is large."""
    c, kh, kw, ho, wo = shape
    k, ck = wm.shape
    windows = strided_view(xp, shape, strides)  # (C, kh, kw, Ho, Wo), no copy
    rows = max(_MIN_CHUNK // wo, _CHUNK_MACS // (k * ck * wo), 1)
    if rows >= ho:
        out = wm @ windows.reshape(ck, ho * wo)  # the reshape copies the windows once
        if bias is not None:
            out += bias
        return out
    out = np.empty((k, ho * wo), F64)
    buf = np.empty((c, kh, kw, rows, wo), F64)
    for r0 in range(0, ho, rows):
        n = min(rows, ho - r0)
        cols = buf if n == rows else buf[:, :, :, :n]
        np.copyto(cols, windows[:, :, :, r0 : r0 + n])
        block = out[:, r0 * wo : (r0 + n) * wo]
        np.matmul(wm, cols.reshape(ck, n * wo), out=block)
        if bias is not None:
            block += bias
    return out


# --------------------------------------------------------------------------- pooling


def max_pool2d(
    x: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> np.ndarray:
    """2-D max pooling of one sample, as ``torch.nn.functional.max_pool2d``.

    Padding never wins the max (PyTorch pads with -inf). ``stride=None`` means
    ``kernel_size``.

    Returns
    -------
    ndarray (C, Ho, Wo), same dtype as ``x`` (bool becomes int8)

    Examples
    --------
    >>> max_pool2d([[[1, 2, 5, 6], [3, 4, 7, 8], [0, 0, 1, 1], [0, 9, 1, 1]]], 2)[0].tolist()
    [[4, 8], [9, 1]]
    """
    xa = real_array(x, "x", 3, "(C, H, W)")
    geo = pool_geometry_fast(xa.shape[1:], kernel_size, stride, padding, dilation, fast_flag(ceil_mode, "ceil_mode"))
    kind = xa.dtype.kind
    if kind == "f":
        fill: Any = -np.inf
    elif kind == "b":
        xa, fill = xa.astype(np.int8), 0
    else:
        fill = np.iinfo(xa.dtype).min
    if xa.size >= _SEPARABLE_MIN:
        return separable_reduce(xa, geo, np.maximum, fill)
    return _MAX(pool_windows(xa, geo, fill), (1, 3))


def avg_pool2d(
    x: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> np.ndarray:
    """2-D average pooling of one sample, as ``torch.nn.functional.avg_pool2d``.

    The divisor follows PyTorch: with ``count_include_pad`` the window is counted
    up to the end of the padding (not the ceil_mode overhang beyond it); without,
    only input pixels are counted.

    Returns
    -------
    ndarray (C, Ho, Wo) of float64

    Examples
    --------
    >>> avg_pool2d([[[1, 2], [3, 4]]], 2)[0].tolist()
    [[2.5]]
    """
    xa = real_array(x, "x", 3, "(C, H, W)")
    include = fast_flag(count_include_pad, "count_include_pad")
    geo = pool_geometry_fast(xa.shape[1:], kernel_size, stride, padding, 1, fast_flag(ceil_mode, "ceil_mode"))
    ho, wo, kh, kw, sh, sw, ph, pw, bottom, right, _, _ = geo
    if xa.dtype != F64:
        xa = xa.astype(F64)
    if xa.size >= _SEPARABLE_MIN:
        sums = separable_reduce(xa, geo, np.add, 0.0)
    else:
        sums = _SUM(pool_windows(xa, geo, 0.0), (1, 3))
    if not (ph or pw or bottom or right):
        sums /= kh * kw  # every window lies inside the input
        return sums
    sums /= avg_divisors(xa.shape[1:], geo, include)
    return sums
