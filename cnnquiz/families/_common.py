"""Small helpers the family modules share: number text, kernel flips, 1-based cells."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from cnnquiz.computations import int_pair

__all__ = ["num", "flip", "cell", "as_image", "int_pair", "param"]


def num(value: Any) -> str:
    """A number as a student would write it: ``3``, ``-0.5``, ``0.1667``."""
    f = float(value)
    return str(int(f)) if f.is_integer() else f"{f:.4g}"


def flip(kernel: Any) -> np.ndarray:
    """The kernel rotated by 180 degrees (the last two axes reversed)."""
    return np.asarray(kernel)[..., ::-1, ::-1]


def as_image(x: Any) -> np.ndarray:
    """A 2-D matrix or a (C, H, W) array as a float (C, H, W) array."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise ValueError(f"x must be a matrix or a (C, H, W) array; got shape {arr.shape}")
    return arr


def cell(p: Mapping[str, Any], shape: tuple[int, ...]) -> tuple[int, int]:
    """The 0-based (row, col) of the 1-based ``row`` / ``col`` parameters, checked against ``shape``."""
    row, col = int(p["row"]) - 1, int(p["col"]) - 1
    if not (0 <= row < shape[-2] and 0 <= col < shape[-1]):
        raise ValueError(f"row={row + 1}, col={col + 1} is outside the {shape[-2]}x{shape[-1]} output")
    return row, col


def param(p: Mapping[str, Any], name: str, default: Any) -> Any:
    """``p[name]``, or ``default`` when it is absent or None."""
    value = p.get(name)
    return default if value is None else value
