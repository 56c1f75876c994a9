"""Putting drawn values into a prompt as plain text (markdown- and LMS-friendly).

Matrices become indented blocks (four spaces, blank lines around them), which
Markdown shows as code blocks; the quiz renders them richly from ``params``.
"""

from __future__ import annotations

import re
import string
from typing import Any, Mapping

import numpy as np

from cnnquiz.bank._checks import placeholders
from cnnquiz.bank._draw import TemplateBug, lookup

__all__ = ["fill_prompt", "format_value", "prompt_number", "matrix_block"]

_INDENT = "    "


def prompt_number(value: Any) -> str:
    """How a number reads in a prompt or a working: 3 -> '3', 2.0 -> '2', 0.25 -> '0.25', -1.5 -> '-1.5'."""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    f = float(value)
    if np.isfinite(f) and f.is_integer():
        return str(int(f))
    return format(f, ".10g")



def _rows(arr: np.ndarray) -> list[str]:
    cells = [[prompt_number(v) for v in row] for row in arr]
    width = max(len(c) for row in cells for c in row)
    return ["  ".join(c.rjust(width) for c in row) for row in cells]


def matrix_block(value: Any) -> str:
    """A (C, H, W) / (K, C, h, w) / (H, W) / (N,) array as indented rows of numbers."""
    arr = np.asarray(value)
    while arr.ndim > 2 and arr.shape[0] == 1:
        arr = arr[0]
    lines: list[str] = []
    if arr.ndim <= 1:
        lines = _rows(arr.reshape(1, -1))
    elif arr.ndim == 2:
        lines = _rows(arr)
    elif arr.ndim == 3:
        for c, channel in enumerate(arr):
            lines.append(f"channel {c + 1}:")
            lines.extend(_rows(channel))
    else:
        for k, filt in enumerate(arr):
            for c, channel in enumerate(filt):
                lines.append(f"filter {k + 1}, channel {c + 1}:")
                lines.extend(_rows(channel))
    return "\n\n" + "\n".join(_INDENT + line for line in lines) + "\n\n"


def _depth(value: Any) -> int:
    depth = 0
    while isinstance(value, list) and value:
        depth += 1
        value = value[0]
    return depth


def format_value(value: Any, spec: str = "") -> str:
    """How one parameter reads in a prompt; ``spec`` is the placeholder's format."""
    if spec == "matrix":
        return matrix_block(value)
    if spec == "int":
        return str(int(value))
    if spec == "yesno" or isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float, np.number)):
        return prompt_number(value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={format_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        if spec == "hxw":
            return "x".join(format_value(v) for v in value)
        if spec == "list":
            return "[" + ", ".join(format_value(v) for v in value) + "]"
        if value and all(isinstance(v, dict) for v in value):
            return "; ".join(format_value(v) for v in value)
        if _depth(value) >= 2:
            return matrix_block(value)
        return "(" + ", ".join(format_value(v) for v in value) + ")"
    return str(value)


def fill_prompt(prompt: str, values: Mapping[str, Any]) -> str:
    """Replace every ``{name[:spec]}``; tidy whitespace; keep matrix blocks."""
    parts = []
    for literal, name, spec, _conv in _parse(prompt):
        parts.append(literal)
        if name is not None:
            try:
                parts.append(format_value(lookup(name, values), spec or ""))
            except TemplateBug as bug:
                raise TemplateBug("prompt", str(bug)) from None
    text = "".join(parts)
    lines = [line.rstrip() for line in text.split("\n")]
    # Text lines (not matrix rows) lose the stray leading space a folded YAML line can leave.
    lines = [line if line.startswith(_INDENT) else line.strip() for line in lines]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _parse(prompt: str) -> list[tuple[str, str | None, str | None, str | None]]:
    placeholders(prompt)  # validates (raises ValueError on malformed ones)
    return list(string.Formatter().parse(prompt))
