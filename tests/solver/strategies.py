"""Hypothesis building blocks shared by the solver's property tests."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

__all__ = ["size_like", "pairs", "int_array", "dtype_variant"]


def size_like(draw, pair: tuple[int, int]) -> Any:
    """The same pair in one of the forms callers use: int, tuple, list, ndarray."""
    forms = ["tuple", "list", "array"] + (["int"] if pair[0] == pair[1] else [])
    form = draw(st.sampled_from(forms))
    return {"int": pair[0], "tuple": pair, "list": list(pair), "array": np.array(pair)}[form]


def pairs(lo: int, hi: int):
    """Two integers in ``[lo, hi]``."""
    return st.tuples(st.integers(lo, hi), st.integers(lo, hi))


def int_array(draw, shape, floats: bool) -> np.ndarray:
    """Integers in -4..4 (many ties); with ``floats``, nonzero ones moved 0.25 outwards."""
    ints = np.array(draw(st.lists(st.integers(-4, 4), min_size=math.prod(shape), max_size=math.prod(shape))))
    arr = ints.reshape(shape)
    return arr + 0.25 * np.sign(arr) if floats else arr


def dtype_variant(draw, arr: np.ndarray) -> np.ndarray:
    """Integer arrays sometimes as int8 / int32 / uint8 (absolute values) / bool; floats as they are."""
    if arr.dtype.kind == "f":
        return arr
    choice = draw(st.sampled_from(["int64", "int64", "int8", "int32", "uint8", "bool"]))
    if choice == "bool":
        return arr > 0
    return (np.abs(arr) if choice == "uint8" else arr).astype(choice)
