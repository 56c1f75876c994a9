"""ReLU, sigmoid and softmax, numerically stable for inputs like +-1000.

Speed (see ``bench/bench_ops.py``): each function is a few whole-array ufunc passes
with no data-dependent branches (a ``np.where`` on a random sign mask costs more than
the exponentials), and 1-D float64 input, the common case, skips the generic checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["relu", "sigmoid", "softmax"]

_MAX, _SUM = np.maximum.reduce, np.add.reduce  # skip np.max/np.sum's Python wrappers


def _as_array(x: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be numeric; got a ragged or invalid {type(x).__name__}") from None
    if arr.dtype.kind not in "biuf":  # complex would lose its imaginary part silently
        raise ValueError(f"{name} must be numeric (real); got {name} of dtype {arr.dtype}")
    return arr


def relu(x: Any) -> np.ndarray:
    """``max(x, 0)`` elementwise; keeps the input's dtype.

    >>> relu([-2, 0, 3]).tolist()
    [0, 0, 3]
    """
    arr = _as_array(x, "x")
    return np.maximum(arr, np.zeros((), dtype=arr.dtype))


def sigmoid(x: Any) -> np.ndarray:
    """``1 / (1 + exp(-x))`` elementwise, as float64 (PyTorch's formula).

    Branch-free and stable: ``exp(-x)`` overflows to inf only where ``x < -709``, and
    then ``1 / (1 + inf) = 0`` is the correctly rounded result (the overflow is expected
    and not reported). Elsewhere the relative error is a few ulp for every ``x``; no
    cancellation, as ``1 + exp(-x) >= 1``.

    >>> float(sigmoid(0))
    0.5
    >>> sigmoid([-1000.0, 1000.0]).tolist()
    [0.0, 1.0]
    """
    arr = _as_array(x, "x").astype(np.float64, copy=False)
    out = np.negative(arr, out=np.empty(arr.shape))  # an array even for 0-d input
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    return np.divide(1.0, out, out=out)


def softmax(z: Any, axis: int = -1) -> np.ndarray:
    """``exp(z_i) / sum_j exp(z_j)`` along ``axis``, with the max subtracted first.

    >>> softmax([1000.0, 1000.0]).tolist()
    [0.5, 0.5]
    """
    arr = z if type(z) is np.ndarray and z.dtype == np.float64 else _as_array(z, "z").astype(np.float64, copy=False)
    if arr.ndim == 1 and arr.size and (axis == -1 or axis == 0) and type(axis) is int:
        # A logit vector: skip the generic checks and keepdims wrappers. z - max(z)
        # overflows to -inf only for gaps beyond 1.8e308: exp(-inf) is the right 0.
        with np.errstate(over="ignore"):
            e = arr - _MAX(arr)
            np.exp(e, out=e)
        e /= _SUM(e)
        return e
    if arr.ndim == 0:
        raise ValueError("z must have at least one dimension; got a scalar")
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)) or not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"axis must be an int in [-{arr.ndim}, {arr.ndim}); got axis={axis!r}")
    if arr.shape[axis] == 0:
        raise ValueError("z must not be empty along axis")
    with np.errstate(over="ignore"):
        e = arr - _MAX(arr, axis=axis, keepdims=True)
        np.exp(e, out=e)
    e /= _SUM(e, axis=axis, keepdims=True)
    return e
