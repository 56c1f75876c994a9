"""Argument normalization shared by the solver: int or (h, w) -> validated pair.

Every function of the solver first normalizes its arguments here, then validates,
then computes (numpy's habit). Error messages name the argument and the value.

This module does not import numpy: a numpy value (array, ``np.bool_``) can only
exist once something has imported numpy, so the checks look numpy up in
``sys.modules``. The size and parameter arithmetic (``cnnquiz summary``) then starts
without paying numpy's import.
"""

from __future__ import annotations

import enum
import numbers
import sys
from typing import Any

Pair = tuple[int, int]


def _numpy() -> Any:
    """numpy if it is imported (then values may be numpy types), else None."""
    return sys.modules.get("numpy")


def _is_bool(value: Any) -> bool:
    np = _numpy()
    return isinstance(value, bool) or (np is not None and isinstance(value, np.bool_))


def _is_array(value: Any) -> bool:
    np = _numpy()
    return np is not None and isinstance(value, np.ndarray)


class Padding(enum.Enum):
    """PyTorch's string paddings for convolution."""

    SAME = "same"
    VALID = "valid"


def as_int(value: Any, name: str, *, minimum: int) -> int:
    """Return ``value`` as an int >= ``minimum`` or raise ``ValueError`` naming ``name``."""
    # bool is an Integral, but True as a kernel size is always a bug.
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name} must be an integer; got {name}={value!r}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {name}={value}")
    return value


def as_flag(value: Any, name: str) -> bool:
    """``True``/``False`` (or numpy bools, or the ints 0 and 1), else ``ValueError``.

    ``bool("no")`` is True: a truthiness test would turn junk into a wrong answer.
    """
    if _is_bool(value):
        return bool(value)
    if isinstance(value, numbers.Integral) and value in (0, 1):
        return bool(value)
    raise ValueError(f"{name} must be True or False; got {name}={value!r}")


def is_default_stride(stride: Any) -> bool:
    """PyTorch's pooling: ``stride=None`` or an empty sequence means ``kernel_size``."""
    if _is_array(stride):
        return stride.size == 0
    return stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0)


def is_scalar(value: Any) -> bool:
    return isinstance(value, (numbers.Integral, numbers.Real)) and not _is_bool(value)


def as_pair(value: Any, name: str, *, minimum: int) -> Pair:
    """Normalize an int or a 2-sequence ``(h, w)`` into a validated pair."""
    if is_scalar(value):
        v = as_int(value, name, minimum=minimum)
        return (v, v)
    array = _is_array(value)
    if not (array or isinstance(value, (list, tuple))):
        raise ValueError(f"{name} must be an int or a pair (h, w); got {name}={value!r}")
    seq = list(value.ravel()) if array else list(value)
    if len(seq) != 2:
        raise ValueError(f"{name} must be an int or a pair (h, w); got {name}={value!r}")
    return (as_int(seq[0], name, minimum=minimum), as_int(seq[1], name, minimum=minimum))


def as_padding(value: Any, *, allow_strings: bool) -> Pair | Padding:
    """Padding is size-like, or (for convolution) the string ``"same"`` / ``"valid"``."""
    if isinstance(value, str):
        if not allow_strings:
            raise ValueError(f"padding must be an int or a pair (h, w); got padding={value!r}")
        try:
            return Padding(value)  # case-sensitive, as PyTorch
        except ValueError:
            raise ValueError(
                f"padding must be an int, a pair (h, w), 'same' or 'valid'; got padding={value!r}"
            ) from None
    return as_pair(value, "padding", minimum=0)


def check_scalar_call(size: Any, **others: Any) -> None:
    """With a scalar ``size`` every other size-like argument must be scalar too.

    Otherwise the caller asked for one int back but gave a rectangular kernel,
    and any single answer would be wrong for one of the two dimensions.
    """
    for name, value in others.items():
        if value is None or isinstance(value, str):
            continue
        if not is_scalar(value):
            raise ValueError(
                f"{name} must be an int when size is an int (pass size=(h, w) for "
                f"rectangular shapes); got {name}={value!r}"
            )


def same_padding(kernel: Pair, dilation: Pair) -> tuple[Pair, Pair]:
    """PyTorch's 'same' padding: total d*(k-1), the odd extra pixel on the bottom/right."""
    total = tuple(d * (k - 1) for k, d in zip(kernel, dilation))
    before = (total[0] // 2, total[1] // 2)
    after = (total[0] - before[0], total[1] - before[1])
    return before, after
