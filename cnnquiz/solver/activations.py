"""ReLU, sigmoid and softmax, numerically stable for inputs like +-1000."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["relu", "sigmoid", "softmax"]


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
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)) or not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"axis must be an int in [-{arr.ndim}, {arr.ndim}); got axis={axis!r}")
    if arr.shape[axis] == 0:
        raise ValueError("z must not be empty along axis")
    # z - max(z) overflows to -inf only for gaps beyond 1.8e308: exp(-inf) is the right 0.
    with np.errstate(over="ignore"):
        shifted = arr - np.max(arr, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)
