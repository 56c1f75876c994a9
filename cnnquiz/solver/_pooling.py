"""Pooling geometry and windows shared by the pooling operations and their gradients.

Names here are public within the solver (this module is private to it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cnnquiz.solver._args import is_default_stride
from cnnquiz.solver._arrays import fast_pair, padded_copy, strided_view
from cnnquiz.solver.shapes import pool_geometry

__all__ = ["pool_geometry_fast", "pool_windows", "avg_divisors"]


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


def avg_divisors(in_hw: tuple[int, int], geo: tuple[int, ...], include: bool) -> np.ndarray:
    """PyTorch's avg-pool divisor per output (Ho, Wo).

    With ``count_include_pad`` the window is counted up to the end of the padding
    (not the ceil_mode overhang beyond it); without, only input pixels are counted.
    """
    ho, wo, kh, kw, sh, sw, ph, pw = geo[:8]
    counts = []
    for n, o, k, s, p in ((in_hw[0], ho, kh, sh, ph), (in_hw[1], wo, kw, sw, pw)):
        start = np.arange(o) * (s if o > 1 else 0) - p  # stride=2**70 with one window
        end = np.minimum(start + k, n + p)
        counts.append(end - start if include else np.minimum(end, n) - np.maximum(start, 0))
    return np.multiply.outer(counts[0], counts[1])
