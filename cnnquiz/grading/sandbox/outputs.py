"""Raw returned values, checked as bytes before they are decoded in the parent.

The harness sends each returned value on a line of its own that may hold only
JSON numbers, brackets, commas and spaces (``NaN``, ``Infinity`` included). The
parent checks that line's size, its element count and its nesting depth *before*
``json.loads`` builds Python objects from it, so a student who returns huge
nested lists from every call costs the grader at most the caps, never the
decoded size. The checks are exact for such lines: no strings can hide brackets
or commas.

Examples
--------
>>> decode_value(b"[[1.0, 2], [NaN]]", max_elements=10, max_depth=4)
([[1.0, 2], [nan]], 6, '')
>>> decode_value(b"[[[0]]]", max_elements=10, max_depth=2)[2]
'output too large: lists nested 3 deep (the limit is 2)'
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

__all__ = ["decode_value", "value_shape_counts"]

_ALLOWED = b"0123456789+-.eE[], NaInfity"
_OPEN, _CLOSE = ord("["), ord("]")


def value_shape_counts(raw: bytes) -> tuple[int, int]:
    """``(elements, depth)`` of a value line: numbers plus lists, and deepest nesting.

    Elements are counted as ``commas + opening brackets + 1``: exact for a value
    of numbers and lists (an empty list ``[]`` counts one more, never fewer).
    """
    elements = raw.count(b",") + raw.count(b"[") + 1
    codes = np.frombuffer(raw, dtype=np.uint8)
    steps = (codes == _OPEN).astype(np.int32) - (codes == _CLOSE)
    depth = int(np.cumsum(steps).max(initial=0)) if steps.size else 0
    return elements, depth


def decode_value(raw: bytes, *, max_elements: int, max_depth: int) -> tuple[Any, int, str]:
    """``(value, elements, problem)`` of one value line; ``problem`` is ``""`` when it is fine.

    A problem starting with ``"output too large"`` means a cap was hit;
    anything else means the line is not a value at all (a forged result channel).
    """
    if raw.translate(None, _ALLOWED):
        return None, 0, "sent a value line that is not numbers and lists"
    elements, depth = value_shape_counts(raw)
    if elements > max_elements:
        return None, elements, f"output too large: about {elements} numbers and lists (the limit is {max_elements})"
    if depth > max_depth:
        return None, elements, f"output too large: lists nested {depth} deep (the limit is {max_depth})"
    try:
        return json.loads(raw), elements, ""
    except (ValueError, RecursionError):
        return None, elements, "sent a malformed value line"
