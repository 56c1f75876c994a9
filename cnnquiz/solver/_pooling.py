"""Pooling geometry and windows shared by the pooling operations and their gradients.

Names here are public within the solver (this module is private to it).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from cnnquiz.solver._args import is_default_stride
from cnnquiz.solver._arrays import fast_pair, padded_copy, strided_view
from cnnquiz.solver.shapes import pool_geometry

__all__ = ["pool_geometry_fast", "pool_windows", "separable_reduce", "avg_divisors"]


def pool_geometry_fast(in_hw: tuple[int, int], kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                       ceil_mode: bool) -> tuple[int, ...]:
    """(ho, wo, kh, kw, sh, sw, ph, pw, bottom, right, dh, dw); shapes.pool_geometry words errors."""
    kh, kw = fast_pair(kernel_size, "kernel_size", 1)
    sh, sw = (kh, kw) if stride is None or is_default_stride(stride) else fast_pair(stride, "stride", 1)
    ph, pw = (0, 0) if type(padding) is int and padding == 0 else fast_pair(padding, "padding", 0)
    dh, dw = (1, 1) if type(dilation) is int and dilation == 1 else fast_pair(dilation, "dilation", 1)
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


def pool_windows(xa: np.ndarray, geo: tuple[int, ...], fill: Any) -> np.ndarray:
    """View (C, kh, Ho, kw, Wo) of the (padded) input: x[c, i*s + u*d - p, j*s + v*d - p]."""
    ho, wo, kh, kw, sh, sw, ph, pw, bottom, right, dh, dw = geo
    if ph or pw or bottom or right or not xa.flags.c_contiguous:
        xa = padded_copy(xa, xa.dtype, ph, pw, bottom, right, fill)
    s0, s1, s2 = xa.strides
    return strided_view(xa, (xa.shape[0], kh, ho, kw, wo),
                        (s0, s1 * dh, s1 * sh if ho > 1 else 0, s2 * dw, s2 * sw if wo > 1 else 0))


def separable_reduce(xa: np.ndarray, geo: tuple[int, ...], combine: np.ufunc, fill: Any) -> np.ndarray:
    """Pool ``xa`` (C, H, W) with ``combine`` (np.maximum or np.add): columns, then rows.

    A window's max (or sum) is the max of its rows' maxima, so the 2-D window splits
    into kw strided 1-D passes along the width and kh along the height, each a long
    inner loop (a single reduction over a (C, kh, Ho, kw, Wo) view loops over only
    kh*kw elements at a time). Taps that fall in the padding or the ceil_mode overhang
    are skipped, not read from a padded copy; an output no tap reaches keeps ``fill``
    (-inf for max: PyTorch's padding value; 0 for sums).
    """
    ho, wo, kh, kw, sh, sw, ph, pw, _, _, dh, dw = geo
    c, h, w = xa.shape
    column_taps, row_taps = _taps(w, wo, kw, sw, pw, dw), _taps(h, ho, kh, sh, ph, dh)
    if not column_taps or not row_taps:  # dilation skips every input pixel
        return np.full((c, ho, wo), fill, xa.dtype)
    columns = _reduce_axis(xa, (c, h, wo), 2, column_taps, sw, combine, fill)
    return _reduce_axis(columns, (c, ho, wo), 1, row_taps, sh, combine, fill)


def _taps(n: int, o: int, k: int, s: int, p: int, d: int) -> list[tuple[int, int, int]]:
    """Per kernel tap v: outputs ``[lo, hi)`` whose input index ``j*s + v*d - p`` lies in
    ``[0, n)``, and the input index of output ``lo``. Taps that reach no input are left out."""
    taps = []
    for v in range(k):
        offset = v * d - p
        lo = max(0, -(offset // s)) if offset < 0 else 0  # first j with j*s + offset >= 0
        hi = min(o, (n - 1 - offset) // s + 1) if n - 1 - offset >= 0 else 0
        if hi > lo:
            taps.append((lo, hi, lo * s + offset))
    return taps


def _reduce_axis(src: np.ndarray, shape: tuple[int, int, int], axis: int, taps: list[tuple[int, int, int]],
                 stride: int, combine: np.ufunc, fill: Any) -> np.ndarray:
    """``out[..., j] = combine over taps of src[..., j*stride + offset]`` along ``axis``."""
    out = np.empty(shape, src.dtype)
    index: list[Any] = [slice(None)] * 3

    def part(lo: int, hi: int, start: int | None = None) -> tuple[Any, ...]:
        if start is None:
            index[axis] = slice(lo, hi)
        else:  # stride**70 with one output: the slice's step never multiplies out
            index[axis] = slice(start, start + (hi - lo - 1) * stride + 1, stride)
        return tuple(index)

    first_lo, first_hi, first_start = taps[0]
    out[part(first_lo, first_hi)] = src[part(first_lo, first_hi, first_start)]
    if first_lo > 0:
        out[part(0, first_lo)] = fill
    if first_hi < shape[axis]:
        out[part(first_hi, shape[axis])] = fill
    for lo, hi, start in taps[1:]:
        target = out[part(lo, hi)]
        combine(target, src[part(lo, hi, start)], out=target)
    return out


@functools.lru_cache(maxsize=256)
def avg_divisors(in_hw: tuple[int, int], geo: tuple[int, ...], include: bool) -> np.ndarray:
    """PyTorch's avg-pool divisor per output (Ho, Wo), read-only (cached: grading pools
    the same shapes thousands of times).

    With ``count_include_pad`` the window is counted up to the end of the padding
    (not the ceil_mode overhang beyond it); without, only input pixels are counted.
    """
    ho, wo, kh, kw, sh, sw, ph, pw = geo[:8]
    counts = []
    for n, o, k, s, p in ((in_hw[0], ho, kh, sh, ph), (in_hw[1], wo, kw, sw, pw)):
        start = np.arange(o) * (s if o > 1 else 0) - p  # stride=2**70 with one window
        end = np.minimum(start + k, n + p)
        counts.append(end - start if include else np.minimum(end, n) - np.maximum(start, 0))
    divisors = np.multiply.outer(counts[0], counts[1]).astype(np.float64)
    divisors.flags.writeable = False
    return divisors
