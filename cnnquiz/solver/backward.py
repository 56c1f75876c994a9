"""Gradients of convolution and pooling for one sample, as PyTorch's autograd gives them.

Given ``grad_output = dL/dy`` for ``y = op(x, ...)``, each function returns what
``y.backward(grad_output)`` leaves in ``x.grad`` (and, for convolution, in the
weight's and bias's ``.grad``):

- ``conv2d``: ``dL/dW[k, c, u, v] = sum_ij dL/dy[k, i, j] * x_pad[c, i*s + u*d, j*s + v*d]``
  (a correlation of the input with the output gradient), ``dL/db[k] = sum_ij dL/dy[k, i, j]``,
  and ``dL/dx`` is the transposed convolution of ``dL/dy`` with the same weight: every
  output gradient flows back to each input pixel of its window, scaled by the tap
  (the "flipped kernel" of the textbook), and the padding's share is dropped.
- ``max_pool2d``: each window's gradient goes to the position of its maximum; ties go
  to the first in row-major order, overlapping windows add up (PyTorch on CPU).
- ``avg_pool2d``: each window's gradient is shared equally by its pixels, divided by
  the same divisor the forward pass used.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cnnquiz.solver._arrays import (
    conv_operands,
    F64,
    add_windows,
    check_exact,
    fast_flag,
    padded_copy,
    real_array,
    strided_view,
)
from cnnquiz.solver._pooling import avg_divisors, pool_geometry_fast
from cnnquiz.solver.shapes import conv_geometry

__all__ = ["conv2d_backward", "max_pool2d_backward", "avg_pool2d_backward"]

_EXACT_SUM = float(2**52)


def _grad_output(value: Any, expected: tuple[int, ...], op: str) -> np.ndarray:
    """``grad_output`` as an array of the forward output's shape, or ValueError."""
    gy = real_array(value, "grad_output", 3, "(C, Ho, Wo)")
    if gy.shape != expected:
        raise ValueError(
            f"grad_output must have the shape of {op}'s output, {expected}; got shape {gy.shape}"
        )
    return gy


def conv2d_backward(
    x: Any,
    weight: Any,
    grad_output: Any,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: Any = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`cnnquiz.solver.conv2d` with respect to x, weight and bias.

    Parameters
    ----------
    x : array (C, H, W)
    weight : array (K, C // groups, kh, kw)
    grad_output : array (K, Ho, Wo)
        ``dL/dy``, the shape of ``conv2d(x, weight, ...)``.
    stride, padding, dilation, groups
        As for :func:`cnnquiz.solver.conv2d` (``padding`` may be "same" / "valid").

    Returns
    -------
    grad_x : ndarray (C, H, W)
    grad_weight : ndarray (K, C // groups, kh, kw)
    grad_bias : ndarray (K,)
        The bias's gradient, whether or not the forward pass had a bias. All int64
        when ``x``, ``weight`` and ``grad_output`` are integer, else float64.

    Examples
    --------
    A 3x3 input, a 2x2 kernel, and dL/dy = 1 everywhere: dL/dW sums each tap's input
    window, dL/dx counts how many windows reach each pixel, weighted by the taps.

    >>> x = [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]
    >>> gx, gw, gb = conv2d_backward(x, [[[[1, 0], [0, 2]]]], [[[1, 1], [1, 1]]])
    >>> gw[0, 0].tolist(), gb.tolist()
    ([[12, 16], [24, 28]], [4])
    >>> gx[0].tolist()
    [[1, 1, 0], [1, 3, 2], [0, 2, 2]]
    """
    xa, wa, g = conv_operands(x, weight, groups)
    c, h, w = xa.shape
    k, cg, kh, kw = wa.shape
    geo = conv_geometry((h, w), (kh, kw), stride, padding, dilation)
    (ho, wo), (top, left), (bottom, right) = geo.out, geo.pad_before, geo.pad_after
    gy = _grad_output(grad_output, (k, ho, wo), "conv2d")
    integer = xa.dtype.kind in "biu" and wa.dtype.kind in "biu" and gy.dtype.kind in "biu"

    xp = padded_copy(xa, F64, top, left, bottom, right, 0)
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    s0, s1, s2 = xp.strides
    windows = strided_view(xp, (g, cg, kh, kw, ho, wo),
                           (cg * s0, s0, s1 * dh, s2 * dw, s1 * sh if ho > 1 else 0, s2 * sw if wo > 1 else 0))
    ck, kg = cg * kh * kw, k // g
    cols = windows.reshape(g, ck, ho * wo)  # copies the windows once
    gyf = gy.astype(F64, copy=False).reshape(g, kg, ho * wo)
    wf = wa.astype(F64, copy=False).reshape(g, kg, ck)
    grad_weight = np.matmul(gyf, cols.transpose(0, 2, 1)).reshape(k, cg, kh, kw)
    grad_cols = np.matmul(wf.transpose(0, 2, 1), gyf).reshape(c, kh, kw, ho, wo)
    grad_xp = np.zeros_like(xp)
    add_windows(grad_xp, grad_cols, geo.stride, geo.dilation)
    grad_x = np.ascontiguousarray(grad_xp[:, top : top + h, left : left + w])
    if not integer:
        return grad_x, grad_weight, gyf.reshape(k, ho * wo).sum(axis=1)
    # Each gradient entry sums products that use every factor at most once.
    check_exact(xp, gy.reshape(k, -1).astype(F64), None)
    check_exact(gy.astype(F64), wa.transpose(1, 0, 2, 3).reshape(cg, -1).astype(F64), None)
    grad_bias = gy.reshape(k, -1).sum(axis=1, dtype=np.int64)
    return (np.rint(grad_x).astype(np.int64), np.rint(grad_weight).astype(np.int64), grad_bias)


def max_pool2d_backward(
    x: Any,
    grad_output: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> np.ndarray:
    """Gradient of :func:`cnnquiz.solver.max_pool2d` with respect to ``x``.

    Each window routes its ``grad_output`` value to the input position of its
    maximum: ties go to the first maximum in row-major order within the window, a
    window holding NaN routes to its last NaN (PyTorch's CPU kernel), and where
    windows overlap their gradients add up. Padding never receives gradient, so a
    window that lies entirely in the padding (possible with dilation) passes none.

    Parameters
    ----------
    x : array (C, H, W)
    grad_output : array (C, Ho, Wo)
        ``dL/dy``, the shape of ``max_pool2d(x, ...)``.
    kernel_size, stride, padding, dilation, ceil_mode
        As for :func:`cnnquiz.solver.max_pool2d`.

    Returns
    -------
    ndarray (C, H, W)
        int64 when ``grad_output`` is integer, else float64.

    Examples
    --------
    Two overlapping 2x2 windows (stride 1) share their maximum 5, which gets both
    gradients; the tie between the two 4s goes to the first.

    >>> max_pool2d_backward([[[1, 5, 2], [4, 4, 0]]], [[[10, 20]]], 2, stride=1)[0].tolist()
    [[0, 30, 0], [0, 0, 0]]
    >>> max_pool2d_backward([[[4, 4], [1, 2]]], [[[7]]], 2)[0].tolist()
    [[7, 0], [0, 0]]
    """
    xa = real_array(x, "x", 3, "(C, H, W)")
    geo = pool_geometry_fast(xa.shape[1:], kernel_size, stride, padding, dilation, fast_flag(ceil_mode, "ceil_mode"))
    ho, wo, kh, kw, sh, sw, ph, pw, bottom, right, dh, dw = geo
    c, h, w = xa.shape
    gy = _grad_output(grad_output, (c, ho, wo), "max_pool2d")
    if xa.dtype.kind == "b":
        xa = xa.astype(np.int8)
    fill = -np.inf if xa.dtype.kind == "f" else np.iinfo(xa.dtype).min
    xp = padded_copy(xa, xa.dtype, ph, pw, bottom, right, fill)
    hp, wp = xp.shape[1:]
    s0, s1, s2 = xp.strides
    taps = kh * kw
    windows = strided_view(xp, (c, ho, wo, kh, kw),
                           (s0, s1 * sh if ho > 1 else 0, s2 * sw if wo > 1 else 0, s1 * dh, s2 * dw))
    windows = windows.reshape(c, ho, wo, taps)  # copies
    # Window taps that fall on input pixels; padding may equal the maximum only when
    # every input value of the window is the dtype's lowest (-inf), and never wins. A
    # window entirely in the padding (dilation) outputs a constant: its gradient lands
    # on a padding pixel and is cropped (PyTorch writes out of bounds there).
    sh, sw = (sh if ho > 1 else 0), (sw if wo > 1 else 0)  # one window: any stride (2**70) is 0
    rows = np.arange(ho)[:, None] * sh + np.arange(kh)[None, :] * dh - ph  # (Ho, kh)
    cols = np.arange(wo)[:, None] * sw + np.arange(kw)[None, :] * dw - pw  # (Wo, kw)
    inside = (((rows >= 0) & (rows < h))[:, None, :, None] & ((cols >= 0) & (cols < w))[None, :, None, :])
    inside = inside.reshape(ho, wo, taps)
    best = windows.max(axis=-1, keepdims=True)
    tap = np.argmax((windows == best) & inside, axis=-1)  # first maximum in row-major order
    if xa.dtype.kind == "f":
        nans = np.isnan(windows) & inside
        if nans.any():
            last_nan = taps - 1 - np.argmax(nans[..., ::-1], axis=-1)
            tap = np.where(nans.any(axis=-1), last_nan, tap)
    u, v = np.divmod(tap, kw)
    target_rows = np.arange(ho)[None, :, None] * sh + u * dh  # in padded coordinates
    target_cols = np.arange(wo)[None, None, :] * sw + v * dw
    flat = (np.arange(c)[:, None, None] * hp + target_rows) * wp + target_cols
    grad_xp = np.bincount(flat.ravel(), weights=gy.astype(F64, copy=False).ravel(), minlength=c * hp * wp)
    grad_x = np.ascontiguousarray(grad_xp.reshape(c, hp, wp)[:, ph : ph + h, pw : pw + w])
    if gy.dtype.kind in "biu":
        if float(np.abs(gy).astype(F64).sum()) > _EXACT_SUM:
            raise ValueError("grad_output values are too large for exact integer sums; pass a float array")
        return np.rint(grad_x).astype(np.int64)
    return grad_x


def avg_pool2d_backward(
    x: Any,
    grad_output: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> np.ndarray:
    """Gradient of :func:`cnnquiz.solver.avg_pool2d` with respect to ``x``.

    Every pixel of a window receives ``grad_output / divisor``, with the forward
    pass's divisor (``count_include_pad`` counts the padding, not the ceil_mode
    overhang); overlapping windows add up; the padding's share is dropped.

    Parameters
    ----------
    x : array (C, H, W)
        Only its shape matters (average pooling is linear).
    grad_output : array (C, Ho, Wo)
    kernel_size, stride, padding, ceil_mode, count_include_pad
        As for :func:`cnnquiz.solver.avg_pool2d`.

    Returns
    -------
    ndarray (C, H, W) of float64

    Examples
    --------
    >>> avg_pool2d_backward([[[1, 2, 3, 4]]], [[[4, 8]]], (1, 2))[0].tolist()
    [[2.0, 2.0, 4.0, 4.0]]
    >>> avg_pool2d_backward([[[1, 2], [3, 4]]], [[[9]]], 3, stride=2, padding=1, count_include_pad=False)[0]
    array([[2.25, 2.25],
           [2.25, 2.25]])
    """
    xa = real_array(x, "x", 3, "(C, H, W)")
    include = fast_flag(count_include_pad, "count_include_pad")
    geo = pool_geometry_fast(xa.shape[1:], kernel_size, stride, padding, 1, fast_flag(ceil_mode, "ceil_mode"))
    ho, wo, kh, kw, sh, sw, ph, pw, bottom, right, _, _ = geo
    c, h, w = xa.shape
    gy = _grad_output(grad_output, (c, ho, wo), "avg_pool2d")
    share = gy.astype(F64) / avg_divisors((h, w), geo, include)
    grad_xp = np.zeros((c, h + ph + bottom, w + pw + right), F64)
    add_windows(grad_xp, np.broadcast_to(share[:, None, None], (c, kh, kw, ho, wo)), (sh, sw), (1, 1))
    return np.ascontiguousarray(grad_xp[:, ph : ph + h, pw : pw + w])
