"""Array plumbing shared by the solver's operations: inputs, views, padding, scatter-adds.

Names here are public within the solver (this module is private to it). Each
function is small and hot: the operations call them thousands of times on tiny
arrays while grading, so the common argument types take a fast path and anything
else goes through the full normalization of ``_args``, which also words every error.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from cnnquiz.solver._args import as_flag, as_int, as_pair

__all__ = [
    "REAL_KINDS",
    "F64",
    "real_array",
    "conv_operands",
    "to_array",
    "fast_pair",
    "fast_flag",
    "strided_view",
    "padded_copy",
    "check_exact",
    "add_windows",
]

REAL_KINDS = "biuf"  # dtype kinds accepted: bool, signed, unsigned, float (not complex)
F64 = np.dtype(np.float64)
_EXACT = float(2**52)  # float64 holds every integer up to 2**53 exactly; keep a margin


def real_array(value: Any, name: str, ndim: int, shape_text: str) -> np.ndarray:
    """``value`` as a real, non-empty ndarray of ``ndim`` dimensions, or ValueError."""
    arr = value if type(value) is np.ndarray else to_array(value, name)
    if arr.dtype.kind not in REAL_KINDS:
        raise ValueError(f"{name} must be a real numeric array; got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must have shape {shape_text}; got shape {arr.shape}")
    if not arr.size:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    return arr


def conv_operands(x: Any, weight: Any, groups: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """``(x, weight, groups)`` of a convolution, checked against each other, or ValueError.

    ``x`` is (C, H, W), ``weight`` (K, C/groups, kh, kw): ``groups`` must divide C and K.
    """
    xa = real_array(x, "x", 3, "(C, H, W)")
    wa = real_array(weight, "weight", 4, "(K, C/groups, kh, kw)")
    g = groups if type(groups) is int and groups >= 1 else as_int(groups, "groups", minimum=1)
    c = xa.shape[0]
    k, cg = wa.shape[:2]
    if c % g or k % g:
        raise ValueError(f"groups must divide both input channels ({c}) and filters ({k}); got groups={g}")
    if cg * g != c:
        raise ValueError(
            f"weight has {cg} input channels per group but x has {c} channels "
            f"and groups={g} (expected weight.shape[1] == {c // g})"
        )
    return xa, wa, g


def to_array(value: Any, name: str) -> np.ndarray:
    """``np.asarray(value)``, with a ValueError naming ``name`` for ragged input."""
    try:
        return np.asarray(value)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be a numeric array; got a ragged or invalid {type(value).__name__}") from None


def fast_pair(value: Any, name: str, minimum: int) -> tuple[int, int]:
    """Fast path of ``as_pair`` for ints and int tuples; everything else goes there."""
    if type(value) is int:
        if value >= minimum:
            return value, value
    elif type(value) is tuple and len(value) == 2:
        a, b = value
        if type(a) is int and type(b) is int and a >= minimum and b >= minimum:
            return a, b
    return as_pair(value, name, minimum=minimum)


def fast_flag(value: Any, name: str) -> bool:
    """Fast path of ``as_flag`` for real bools."""
    return value if value is True or value is False else as_flag(value, name)


def strided_view(a: np.ndarray, shape: tuple[int, ...], strides: tuple[int, ...]) -> np.ndarray:
    """Strided view of the C-contiguous ``a``, for reading only (never returned).

    ``np.ndarray(buffer=...)`` costs a fraction of ``as_strided``. Callers pass
    stride 0 for an output axis of length 1, so stride=2**70 cannot overflow.
    """
    return np.ndarray(shape, a.dtype, a, 0, strides)


def padded_copy(x: np.ndarray, dtype: np.dtype, top: int, left: int, bottom: int, right: int,
                fill: Any) -> np.ndarray:
    """A new C-contiguous copy of ``x`` (C, H, W) in ``dtype`` with a border of ``fill``."""
    c, h, w = x.shape
    if fill == 0:
        out = np.zeros((c, h + top + bottom, w + left + right), dtype)
    else:
        out = np.full((c, h + top + bottom, w + left + right), fill, dtype)
    out[:, top : top + h, left : left + w] = x
    return out


def check_exact(a: np.ndarray, b: np.ndarray, bias: np.ndarray | None) -> None:
    """Integer inputs are computed in float64: every partial sum must stay below 2**52.

    Holds for any bilinear map in which each output is a sum of products ``a_i * b_j``
    that uses every ``a_i`` and every ``b_j`` at most once (convolution, transposed
    convolution, and their gradients), plus at most one bias value. ``b`` is 2-D:
    one row per output channel. Cheap sufficient test first (Cauchy-Schwarz:
    ``||a|| * ||b|| + ||bias||``, three dot products), then the tight bound
    ``max|a| * max_row sum|b_row| + max|bias|``.
    """
    b2 = 0.0 if bias is None else float(np.vdot(bias, bias))
    # Python float arithmetic: an overflow gives inf (or nan for inf*0), never a warning.
    loose = math.sqrt(float(np.vdot(a, a)) * float(np.vdot(b, b))) + math.sqrt(b2)
    if loose <= _EXACT:
        return
    with np.errstate(over="ignore", invalid="ignore"):
        tight = float(np.abs(a).max()) * float(np.abs(b).sum(axis=1).max())
        tight += 0.0 if bias is None else float(np.abs(bias).max())
    if not tight <= _EXACT:
        raise ValueError(
            "input values are too large for exact integer arithmetic "
            f"(partial sums up to {tight:.3g} > 2**52); pass float arrays"
        )


def add_windows(out: np.ndarray, cols: np.ndarray, stride: tuple[int, int], dilation: tuple[int, int]) -> None:
    """Scatter-add window columns back onto an image, in place ("col2im").

    ``out[c, i*sh + u*dh, j*sw + v*dw] += cols[c, u, v, i, j]`` for every kernel tap
    ``(u, v)`` and window ``(i, j)``: one strided slice-add per tap, so overlapping
    windows add up. ``out`` (C, Hp, Wp) must hold every window.
    """
    _, kh, kw, n_rows, n_cols = cols.shape
    (sh, sw), (dh, dw) = stride, dilation
    row_span, col_span = (n_rows - 1) * sh + 1, (n_cols - 1) * sw + 1
    for u in range(kh):
        for v in range(kw):
            out[:, u * dh : u * dh + row_span : sh, v * dw : v * dw + col_span : sw] += cols[:, u, v]
