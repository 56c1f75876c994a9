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

import math
from typing import Any

import numpy as np

from cnnquiz.solver._args import as_flag, as_int, as_pair, is_default_stride
from cnnquiz.solver.shapes import conv_geometry, pool_geometry

__all__ = ["conv2d", "max_pool2d", "avg_pool2d"]

_REAL = "biuf"  # dtype kinds accepted: bool, signed, unsigned, float (not complex)
_F64 = np.dtype(np.float64)
_MAX, _SUM = np.maximum.reduce, np.add.reduce  # skip ndarray.max/sum's Python wrappers
_EXACT = float(2**52)  # float64 holds every integer up to 2**53 exactly; keep a margin
# Chunked GEMM: at most this many multiply-adds per chunk (K * C*kh*kw * columns), so a
# chunk's columns stay in cache (and OpenBLAS can use its small-matrix kernels), and at
# least _MIN_CHUNK columns so the Python loop stays cheap.
_CHUNK_MACS = 1 << 20
_MIN_CHUNK = 256


# --------------------------------------------------------------------------- arguments


def _array(value: Any, name: str, ndim: int, shape_text: str) -> np.ndarray:
    """``value`` as a real, non-empty ndarray of ``ndim`` dimensions, or ValueError."""
    arr = value if type(value) is np.ndarray else _to_array(value, name)
    if arr.dtype.kind not in _REAL:
        raise ValueError(f"{name} must be a real numeric array; got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must have shape {shape_text}; got shape {arr.shape}")
    if not arr.size:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    return arr


def _to_array(value: Any, name: str) -> np.ndarray:
    try:
        return np.asarray(value)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be a numeric array; got a ragged or invalid {type(value).__name__}") from None


def _pair(value: Any, name: str, minimum: int) -> tuple[int, int]:
    """Fast path of ``as_pair`` for ints and int tuples; everything else goes there."""
    if type(value) is int:
        if value >= minimum:
            return value, value
    elif type(value) is tuple and len(value) == 2:
        a, b = value
        if type(a) is int and type(b) is int and a >= minimum and b >= minimum:
            return a, b
    return as_pair(value, name, minimum=minimum)


def _flag(value: Any, name: str) -> bool:
    return value if value is True or value is False else as_flag(value, name)


def _view(a: np.ndarray, shape: tuple[int, ...], strides: tuple[int, ...]) -> np.ndarray:
    """Strided view of the C-contiguous ``a``, for reading only (never returned).

    ``np.ndarray(buffer=...)`` costs a fraction of ``as_strided``. Callers pass
    stride 0 for an output axis of length 1, so stride=2**70 cannot overflow.
    """
    return np.ndarray(shape, a.dtype, a, 0, strides)


def _padded(x: np.ndarray, dtype: np.dtype, top: int, left: int, bottom: int, right: int,
            fill: Any) -> np.ndarray:
    """A new C-contiguous copy of ``x`` in ``dtype`` with a border of ``fill``."""
    c, h, w = x.shape
    if fill == 0:
        out = np.zeros((c, h + top + bottom, w + left + right), dtype)
    else:
        out = np.full((c, h + top + bottom, w + left + right), fill, dtype)
    out[:, top : top + h, left : left + w] = x
    return out


# --------------------------------------------------------------------------- conv2d


def _conv_geometry(in_hw: tuple[int, int], kernel: tuple[int, int], stride: Any, padding: Any,
                   dilation: Any) -> tuple[int, ...]:
    """(ho, wo, top, left, bottom, right, sh, sw, dh, dw); shapes.conv_geometry words errors."""
    if type(padding) is not str:
        sh, sw = _pair(stride, "stride", 1)
        dh, dw = _pair(dilation, "dilation", 1)
        ph, pw = _pair(padding, "padding", 0)
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
    xa = _array(x, "x", 3, "(C, H, W)")
    wa = _array(weight, "weight", 4, "(K, C/groups, kh, kw)")
    g = groups if type(groups) is int and groups >= 1 else as_int(groups, "groups", minimum=1)
    c, h, w = xa.shape
    k, cg, kh, kw = wa.shape
    if c % g or k % g:
        raise ValueError(f"groups must divide both input channels ({c}) and filters ({k}); got groups={g}")
    if cg * g != c:
        raise ValueError(
            f"weight has {cg} input channels per group but x has {c} channels "
            f"and groups={g} (expected weight.shape[1] == {c // g})"
        )
    integer = xa.dtype.kind in "biu" and wa.dtype.kind in "biu"
    if bias is not None:
        bias = _to_array(bias, "bias") if type(bias) is not np.ndarray else bias
        if bias.dtype.kind not in _REAL:
            raise ValueError(f"bias must be a real numeric array; got dtype {bias.dtype}")
        if bias.shape != (k,):
            raise ValueError(f"bias must have shape ({k},) (one per filter); got shape {bias.shape}")
        integer = integer and bias.dtype.kind in "biu"
    ho, wo, top, left, bottom, right, sh, sw, dh, dw = _conv_geometry((h, w), (kh, kw), stride, padding, dilation)

    if top or left or bottom or right or xa.dtype != _F64 or not xa.flags.c_contiguous:
        xp = _padded(xa, _F64, top, left, bottom, right, 0)
    else:
        xp = xa  # only read, through strided views
    s0, s1, s2 = xp.strides
    step_h, step_w = (s1 * sh if ho > 1 else 0), (s2 * sw if wo > 1 else 0)
    ck = cg * kh * kw
    wm = wa.reshape(k, ck)
    if wm.dtype != _F64:
        wm = wm.astype(_F64)
    fbias = None if bias is None else bias.astype(_F64, copy=False)[:, None]
    if g == 1:
        out = _gemm_conv(xp, wm, fbias, (c, kh, kw, ho, wo), (s0, s1 * dh, s2 * dw, step_h, step_w))
    else:
        kg = k // g
        cols = _view(xp, (g, cg, kh, kw, ho, wo), (cg * s0, s0, s1 * dh, s2 * dw, step_h, step_w))
        out = np.matmul(wm.reshape(g, kg, ck), cols.reshape(g, ck, ho * wo)).reshape(k, ho * wo)
        if fbias is not None:
            out += fbias
    out = out.reshape(k, ho, wo)
    if integer:
        _check_exact(xp, wm, fbias)
        return np.rint(out, out=out).astype(np.int64)
    return out


def _check_exact(xp: np.ndarray, wm: np.ndarray, bias: np.ndarray | None) -> None:
    """Integer inputs are computed in float64: every partial sum must stay below 2**52.

    Cheap sufficient test first (Cauchy-Schwarz: ||x|| * ||w|| + ||b||, three dot
    products), then the tight bound max|x| * max_k sum|w_k| + max|b|.
    """
    b2 = 0.0 if bias is None else float(np.vdot(bias, bias))
    # Python float arithmetic: an overflow gives inf (or nan for inf*0), never a warning.
    loose = math.sqrt(float(np.vdot(xp, xp)) * float(np.vdot(wm, wm))) + math.sqrt(b2)
    if loose <= _EXACT:
        return
    with np.errstate(over="ignore", invalid="ignore"):
        tight = float(np.abs(xp).max()) * float(np.abs(wm).sum(axis=1).max())
        tight += 0.0 if bias is None else float(np.abs(bias).max())
    if not tight <= _EXACT:
        raise ValueError(
            "x, weight and bias values are too large for exact integer arithmetic "
            f"(partial sums up to {tight:.3g} > 2**52); pass float arrays"
        )


def _gemm_conv(xp: np.ndarray, wm: np.ndarray, bias: np.ndarray | None, shape: tuple[int, ...],
               strides: tuple[int, ...]) -> np.ndarray:
    """``wm @ im2col(xp)`` as (K, Ho*Wo), in row chunks when the image is large."""
    c, kh, kw, ho, wo = shape
    k, ck = wm.shape
    windows = _view(xp, shape, strides)  # (C, kh, kw, Ho, Wo), no copy
    rows = max(_MIN_CHUNK // wo, _CHUNK_MACS // (k * ck * wo), 1)
    if rows >= ho:
        out = wm @ windows.reshape(ck, ho * wo)  # the reshape copies the windows once
        if bias is not None:
            out += bias
        return out
    out = np.empty((k, ho * wo), _F64)
    buf = np.empty((c, kh, kw, rows, wo), _F64)
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


def _pool_geometry(in_hw: tuple[int, int], kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                   ceil_mode: bool) -> tuple[int, ...]:
    """(ho, wo, kh, kw, sh, sw, ph, pw, bottom, right, dh, dw); shapes.pool_geometry words errors."""
    kh, kw = _pair(kernel_size, "kernel_size", 1)
    sh, sw = (kh, kw) if stride is None or is_default_stride(stride) else _pair(stride, "stride", 1)
    ph, pw = (0, 0) if type(padding) is int and padding == 0 else _pair(padding, "padding", 0)
    dh, dw = (1, 1) if type(dilation) is int and dilation == 1 else _pair(dilation, "dilation", 1)
    h, w = in_hw
    if ceil_mode:
        ho = (h + 2 * ph - dh * (kh - 1) + sh - 2) // sh + 1
        wo = (w + 2 * pw - dw * (kw - 1) + sw - 2) // sw + 1
        ho -= (ho - 1) * sh >= h + ph  # the last window may not start in the right padding
        wo -= (wo - 1) * sw >= w + pw
    else:
        ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
        wo = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    if ho < 1 or wo < 1 or 2 * ph > kh or 2 * pw > kw:
        pool_geometry(in_hw, kernel_size, stride, padding, dilation, ceil_mode)  # raises
        raise AssertionError("pool_geometry accepted what ops rejected")  # pragma: no cover
    # Room below/right so every window (with the ceil_mode overhang) is in bounds.
    bottom = max(ph, (ho - 1) * sh + dh * (kh - 1) + 1 - h - ph)
    right = max(pw, (wo - 1) * sw + dw * (kw - 1) + 1 - w - pw)
    return ho, wo, kh, kw, sh, sw, ph, pw, bottom, right, dh, dw


def _pool_windows(xa: np.ndarray, geo: tuple[int, ...], fill: Any) -> np.ndarray:
    """View (C, kh, Ho, kw, Wo) of the (padded) input: x[c, i*s + u*d - p, j*s + v*d - p]."""
    ho, wo, kh, kw, sh, sw, ph, pw, bottom, right, dh, dw = geo
    if ph or pw or bottom or right or not xa.flags.c_contiguous:
        xa = _padded(xa, xa.dtype, ph, pw, bottom, right, fill)
    s0, s1, s2 = xa.strides
    return _view(xa, (xa.shape[0], kh, ho, kw, wo),
                 (s0, s1 * dh, s1 * sh if ho > 1 else 0, s2 * dw, s2 * sw if wo > 1 else 0))


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
    xa = _array(x, "x", 3, "(C, H, W)")
    geo = _pool_geometry(xa.shape[1:], kernel_size, stride, padding, dilation, _flag(ceil_mode, "ceil_mode"))
    kind = xa.dtype.kind
    if kind == "f":
        fill: Any = -np.inf
    elif kind == "b":
        xa, fill = xa.astype(np.int8), 0
    else:
        fill = np.iinfo(xa.dtype).min
    return _MAX(_pool_windows(xa, geo, fill), (1, 3))


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
    xa = _array(x, "x", 3, "(C, H, W)")
    include = _flag(count_include_pad, "count_include_pad")
    geo = _pool_geometry(xa.shape[1:], kernel_size, stride, padding, 1, _flag(ceil_mode, "ceil_mode"))
    ho, wo, kh, kw, sh, sw, ph, pw, bottom, right, _, _ = geo
    if xa.dtype != _F64:
        xa = xa.astype(_F64)
    sums = _SUM(_pool_windows(xa, geo, 0.0), (1, 3))
    if not (ph or pw or bottom or right):
        sums /= kh * kw  # every window lies inside the input
        return sums
    counts = []
    for n, o, k, s, p in ((xa.shape[1], ho, kh, sh, ph), (xa.shape[2], wo, kw, sw, pw)):
        start = np.arange(o) * (s if o > 1 else 0) - p  # stride=2**70 with one window
        end = np.minimum(start + k, n + p)
        counts.append(end - start if include else np.minimum(end, n) - np.maximum(start, 0))
    sums /= np.multiply.outer(counts[0], counts[1])
    return sums
