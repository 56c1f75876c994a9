"""Convolution and pooling on one sample ``(C, H, W)``, vectorized with numpy.

Semantics are PyTorch's (cross-correlation, zero padding, groups, dilation,
ceil_mode, count_include_pad). Integer inputs give integer outputs for conv2d and
max_pool2d (computed exactly in float64, as long as values stay below 2**53).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cnnquiz.solver._args import as_int, as_pair
from cnnquiz.solver.shapes import conv_geometry, pool_geometry

__all__ = ["conv2d", "max_pool2d", "avg_pool2d"]


def _as_chw(x: Any, name: str = "x") -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name} must be a numeric array; got dtype {arr.dtype}")
    if arr.ndim != 3:
        raise ValueError(f"{name} must have shape (C, H, W); got shape {arr.shape}")
    if 0 in arr.shape:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    return arr


def _is_integer(*arrays: np.ndarray | None) -> bool:
    return all(
        a is None or np.issubdtype(a.dtype, np.integer) or a.dtype == bool for a in arrays
    )


def _pad(x: np.ndarray, before: tuple[int, int], after: tuple[int, int], fill: float) -> np.ndarray:
    """Pad H and W; cheaper than np.pad for the small arrays grading uses."""
    if before == (0, 0) and after == (0, 0):
        return x
    c, h, w = x.shape
    out = np.full((c, h + before[0] + after[0], w + before[1] + after[1]), fill, dtype=x.dtype)
    out[:, before[0] : before[0] + h, before[1] : before[1] + w] = x
    return out


def _windows(
    xp: np.ndarray, out: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
    dilation: tuple[int, int],
) -> np.ndarray:
    """View of shape (C, kh, kw, Ho, Wo): xp[c, i*d + oh*s, j*d + ow*s]. No copy."""
    sc, sh, sw = xp.strides
    return np.lib.stride_tricks.as_strided(
        xp,
        shape=(xp.shape[0], kernel[0], kernel[1], out[0], out[1]),
        strides=(sc, sh * dilation[0], sw * dilation[1], sh * stride[0], sw * stride[1]),
        writeable=False,
    )


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
        ``Ho = floor((H + 2*ph - dh*(kh-1) - 1) / sh) + 1``, likewise ``Wo``.

    Examples
    --------
    >>> image = [[[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]]
    >>> kernel = [[[[1, 0, 1], [0, 1, 0], [1, 0, 1]]]]
    >>> conv2d(image, kernel)[0].tolist()
    [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    """
    xa = _as_chw(x)
    w = np.asarray(weight)
    if w.dtype == object or not (np.issubdtype(w.dtype, np.number) or w.dtype == bool):
        raise ValueError(f"weight must be a numeric array; got dtype {w.dtype}")
    if w.ndim != 4 or 0 in w.shape:
        raise ValueError(f"weight must have shape (K, C/groups, kh, kw); got shape {w.shape}")
    g = as_int(groups, "groups", minimum=1)
    c, k = xa.shape[0], w.shape[0]
    if c % g or k % g:
        raise ValueError(
            f"groups must divide both input channels ({c}) and filters ({k}); got groups={g}"
        )
    if w.shape[1] * g != c:
        raise ValueError(
            f"weight has {w.shape[1]} input channels per group but x has {c} channels "
            f"and groups={g} (expected weight.shape[1] == {c // g})"
        )
    b = None
    if bias is not None:
        b = np.asarray(bias)
        if b.dtype == object or not (np.issubdtype(b.dtype, np.number) or b.dtype == bool):
            raise ValueError(f"bias must be a numeric array; got dtype {b.dtype}")
        if b.shape != (k,):
            raise ValueError(f"bias must have shape ({k},) (one per filter); got shape {b.shape}")
    geo = conv_geometry(xa.shape[1:], w.shape[2:], stride, padding, dilation)

    integer = _is_integer(xa, w, b)
    xf = xa.astype(np.float64, copy=False)
    wf = w.astype(np.float64, copy=False)
    xp = _pad(xf, geo.pad_before, geo.pad_after, 0.0)
    cols = _windows(xp, geo.out, geo.kernel, geo.stride, geo.dilation)  # (C, kh, kw, Ho, Wo)
    ho, wo = geo.out
    kh, kw = geo.kernel
    cg, kg = c // g, k // g
    if g == 1:
        # One GEMM: (K, C*kh*kw) @ (C*kh*kw, Ho*Wo). The reshape copies the windows once.
        out = wf.reshape(k, -1) @ cols.reshape(c * kh * kw, ho * wo)
        out = out.reshape(k, ho, wo)
    else:
        cols_g = cols.reshape(g, cg * kh * kw, ho * wo)
        out = np.matmul(wf.reshape(g, kg, cg * kh * kw), cols_g).reshape(k, ho, wo)
    if b is not None:
        out += b.astype(np.float64, copy=False)[:, None, None]
    if integer:
        return np.rint(out).astype(np.int64)
    return out


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
    ndarray (C, Ho, Wo), same dtype as ``x``

    Examples
    --------
    >>> max_pool2d([[[1, 2, 5, 6], [3, 4, 7, 8], [0, 0, 1, 1], [0, 9, 1, 1]]], 2)[0].tolist()
    [[4, 8], [9, 1]]
    """
    xa = _as_chw(x)
    geo = pool_geometry(xa.shape[1:], kernel_size, stride, padding, dilation, bool(ceil_mode))
    if np.issubdtype(xa.dtype, np.integer):
        fill: float = np.iinfo(xa.dtype).min
    elif xa.dtype == bool:
        xa, fill = xa.astype(np.int8), 0
    else:
        fill = -np.inf
    xp = _pad(xa, geo.pad_before, geo.pad_after, fill)
    cols = _windows(xp, geo.out, geo.kernel, geo.stride, geo.dilation)
    return cols.max(axis=(1, 2))


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
    xa = _as_chw(x)
    geo = pool_geometry(xa.shape[1:], kernel_size, stride, padding, 1, bool(ceil_mode))
    xp = _pad(xa.astype(np.float64, copy=False), geo.pad_before, geo.pad_after, 0.0)
    sums = _windows(xp, geo.out, geo.kernel, geo.stride, (1, 1)).sum(axis=(1, 2))
    counts = []
    for axis in range(2):
        n, k, s, p = xa.shape[1 + axis], geo.kernel[axis], geo.stride[axis], geo.pad_before[axis]
        start = np.arange(geo.out[axis]) * s - p
        end = np.minimum(start + k, n + p)
        if count_include_pad:
            counts.append(end - start)
        else:
            counts.append(np.minimum(end, n) - np.maximum(start, 0))
    return sums / np.multiply.outer(counts[0], counts[1])
