"""ReLU, sigmoid and softmax, numerically stable for inputs like +-1000."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["relu", "sigmoid", "softmax"]


def _as_array(x: Any, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name} must be numeric; got {name} of dtype {arr.dtype}")
    return arr


def relu(x: Any) -> np.ndarray:
    """``max(x, 0)`` elementwise; keeps the input's dtype.

    >>> relu([-2, 0, 3]).tolist()
    [0, 0, 3]
    """
    arr = _as_array(x, "x")
    return np.maximum(arr, np.zeros((), dtype=arr.dtype))


def sigmoid(x: Any) -> np.ndarray:
    """``1 / (1 + exp(-x))`` without overflow: exp is only taken of ``-|x|``.

    >>> float(sigmoid(0))
    0.5
    >>> sigmoid([-1000.0, 1000.0]).tolist()
    [0.0, 1.0]
    """
    arr = _as_array(x, "x").astype(np.float64, copy=False)
    e = np.exp(-np.abs(arr))
    return np.where(arr >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(z: Any, axis: int = -1) -> np.ndarray:
    """``exp(z_i) / sum_j exp(z_j)`` along ``axis``, with the max subtracted first.

    >>> softmax([1000.0, 1000.0]).tolist()
    [0.5, 0.5]
    """
    arr = _as_array(z, "z").astype(np.float64, copy=False)
    if arr.ndim == 0:
        raise ValueError("z must have at least one dimension; got a scalar")
    if not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"axis must be in [-{arr.ndim}, {arr.ndim}); got axis={axis}")
    if arr.shape[axis] == 0:
        raise ValueError("z must not be empty along axis")
    # z - max(z) overflows to -inf only for gaps beyond 1.8e308: exp(-inf) is the right 0.
    with np.errstate(over="ignore"):
        shifted = arr - np.max(arr, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)
