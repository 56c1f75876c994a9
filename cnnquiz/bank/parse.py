"""Parse what people type: numbers (:mod:`cnnquiz.bank._numbers`), shapes, matrices and choices.

Pure functions, no I/O. Each parser returns a plain Python value or raises
:class:`AnswerFormatError`, whose message is a hint of the expected format (an
unparsable answer costs nothing: PrairieLearn's ``format_errors``). The ``format_*``
functions write values the way the parsers read them back.

Examples
--------
>>> parse_number("28,326"), parse_number("1/2"), parse_number("2.5e-3")
(28326, 0.5, 0.0025)
>>> parse_shape("(10, 32, 32)").dims, parse_shape("32×32×10").dims
((10, 32, 32), (32, 32, 10))
>>> parse_matrix("4 3 4; 2 4 3")
[[4, 3, 4], [2, 4, 3]]
>>> parse_choice("B", ["relu", "sigmoid", "tanh"])
1
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

from cnnquiz.bank._numbers import AnswerFormatError, Comma, clean_text, parse_cell, parse_number, typed_number

__all__ = [
    "AnswerFormatError",
    "Comma",
    "ParsedShape",
    "parse_number",
    "parse_shape",
    "parse_matrix",
    "parse_choice",
    "typed_number",
    "format_shape",
    "format_matrix",
    "normalize_text",
]


# --- shapes --------------------------------------------------------------------------

@dataclass(frozen=True)
class ParsedShape:
    """The typed dimensions, and whether they were written as a tuple/list."""

    dims: tuple[int, ...]
    bracketed: bool = False


_BRACKETS = {"(": ")", "[": "]", "{": "}"}
_SHAPE_SPLIT = re.compile(r"\s*[x×X*,;]\s*|\s+")


def _strip_brackets(text: str) -> tuple[str, bool]:
    text = re.sub(r"^torch\.Size\s*\((.*)\)$", r"\1", text.strip(), flags=re.DOTALL).strip()
    if text[:1] in _BRACKETS and text.endswith(_BRACKETS[text[0]]):
        return text[1:-1].strip(), True
    return text, False


def parse_shape(text: str, *, hint: str = "the dimensions, e.g. 32 x 32 x 10", min_dims: int = 2) -> ParsedShape:
    """Read a shape: ``32x32x10``, ``32 x 32 x 10``, ``32×32×10``, ``(10, 32, 32)``,
    ``[10,32,32]``, ``10 32 32`` or ``torch.Size([10, 32, 32])``.

    Raises
    ------
    AnswerFormatError
        When a part is not a whole number >= 0, or fewer than ``min_dims`` numbers were typed.

    Examples
    --------
    >>> parse_shape("torch.Size([10, 32, 32])")
    ParsedShape(dims=(10, 32, 32), bracketed=True)
    """
    cleaned = clean_text(text)
    if not cleaned:
        raise AnswerFormatError(f"no answer; type {hint}")
    inner, bracketed = _strip_brackets(cleaned)
    parts = _SHAPE_SPLIT.split(inner)
    if bracketed and len(parts) > 1 and parts[-1] == "":
        parts = parts[:-1]  # a Python tuple's trailing comma: (10, 32, 32,)
    dims = []
    for part in parts:
        if not re.fullmatch(r"\d+", part):
            raise AnswerFormatError(
                f"{part!r} is not a dimension (dimensions are whole numbers); type {hint}"
                if part else f"a dimension is missing; type {hint}"
            )
        dims.append(int(part))
    if len(dims) < min_dims:  # one number is a shape only where a 1-D one is asked for (after flatten)
        raise AnswerFormatError(f"a shape has several dimensions; type {hint}")
    return ParsedShape(tuple(dims), bracketed)


def format_shape(dims: Sequence[int], *, sep: str = " x ") -> str:
    """``[32, 32, 10]`` -> ``"32 x 32 x 10"``."""
    return sep.join(str(int(d)) for d in dims)


# --- matrices ------------------------------------------------------------------------

_ROW_SPLIT = re.compile(r"[;\n|]")
_CELL_SPLIT = re.compile(r"[,\s]+")
_MATRIX_HINT = "the rows, numbers separated by spaces and rows by ';' (e.g. 4 3 4; 2 4 3) or one row per line"


def _nested(text: str, hint: str) -> list[Any]:
    """Recursive descent over ``[[4, 3], [2, 4]]`` (commas optional, numpy style)."""
    tokens = re.findall(r"\[|\]|[^\[\]\s,]+", text)
    pos = 0

    def node() -> Any:
        nonlocal pos
        if pos >= len(tokens):
            raise AnswerFormatError(f"a ']' is missing; type {hint}")
        token = tokens[pos]
        pos += 1
        if token == "]":
            raise AnswerFormatError(f"unexpected ']'; type {hint}")
        if token != "[":
            return parse_cell(token, hint)
        items = []
        while pos < len(tokens) and tokens[pos] != "]":
            items.append(node())
        if pos >= len(tokens):
            raise AnswerFormatError(f"a ']' is missing; type {hint}")
        pos += 1
        return items

    value = node()
    if pos != len(tokens):
        raise AnswerFormatError(f"unexpected text after the last ']'; type {hint}")
    return value if isinstance(value, list) else [value]


def _rectangular(value: Any, hint: str) -> tuple[int, ...]:
    if not isinstance(value, list):
        return ()
    if not value:
        raise AnswerFormatError(f"an empty row or matrix; type {hint}")
    shapes = {_rectangular(item, hint) for item in value}
    if len(shapes) != 1:
        lengths = ", ".join(str(len(v)) if isinstance(v, list) else "1" for v in value)
        raise AnswerFormatError(f"the rows have different lengths ({lengths}); type {hint}")
    return (len(value),) + shapes.pop()


def parse_matrix(text: str, *, hint: str = _MATRIX_HINT) -> list[Any]:
    """Read a matrix typed row by row, or as nested lists.

    Rows are separated by ``;``, ``|`` or newlines, numbers within a row by spaces
    or commas: ``4 3 4; 2 4 3``. Nested lists may go deeper than two levels:
    ``[[4,3,4],[2,4,3]]``. Every row must have the same length.

    Examples
    --------
    >>> parse_matrix("1/2 0.25\\n-1 2e1")
    [[0.5, 0.25], [-1, 20.0]]
    >>> parse_matrix("[[4 3] [2 4]]")
    [[4, 3], [2, 4]]
    """
    cleaned = clean_text(text)
    if not cleaned:
        raise AnswerFormatError(f"no answer; type {hint}")
    if cleaned.startswith("[["):
        value = _nested(cleaned, hint)
    else:
        value = []
        for line in _ROW_SPLIT.split(cleaned):
            line = line.strip().strip("[]").strip().strip(",").strip()
            if line:
                value.append([parse_cell(token, hint) for token in _CELL_SPLIT.split(line)])
    if not value:
        raise AnswerFormatError(f"no numbers found; type {hint}")
    if not isinstance(value[0], list):
        value = [value]  # a single row typed as [1, 2, 3]
    _rectangular(value, hint)
    return value


def format_matrix(rows: Any) -> str:
    """2-D rows as ``"4 3 4; 2 4 3"`` (deeper values as nested lists)."""
    if rows and isinstance(rows[0], list) and rows[0] and isinstance(rows[0][0], list):
        return "[" + ", ".join(format_matrix(block).join("[]") for block in rows) + "]"
    if rows and not isinstance(rows[0], list):
        rows = [rows]
    return "; ".join(" ".join(typed_number(v) for v in row) for row in rows)


# --- choices -------------------------------------------------------------------------

def normalize_text(text: str) -> str:
    """Casefold, unify arrows and dashes, collapse spaces, drop end punctuation."""
    text = clean_text(text).casefold()
    text = text.replace("→", "->").replace("⟶", "->").replace("–", "-")
    text = re.sub(r"\s*->\s*", " -> ", text)
    text = re.sub(r"\s+", " ", text)
    return text.strip(" .;:!")


def parse_choice(text: str, choices: Sequence[str]) -> int:
    """The index of the chosen option: by its text, its letter (``b``, ``(b)``, ``b)``)
    or its number (``2``, counted from 1). The text wins when an option's text is itself
    a letter or a number.

    Examples
    --------
    >>> options = ["Convolution -> max pooling", "Max pooling -> convolution"]
    >>> parse_choice("(a)", options), parse_choice("2", options), parse_choice("convolution→max pooling", options)
    (0, 1, 0)
    """
    n = len(choices)
    last = chr(ord("a") + n - 1)
    hint = f"a letter a-{last}, a number 1-{n}, or the option's text"
    typed = normalize_text(text)
    if not typed:
        raise AnswerFormatError(f"no answer; type {hint}")
    for index, option in enumerate(choices):
        if normalize_text(option) == typed:
            return index
    labelled = re.fullmatch(r"\(?([a-z])[).]\s*(.+)", typed)
    if labelled and ord(labelled[1]) - ord("a") < n:
        index = ord(labelled[1]) - ord("a")
        if normalize_text(choices[index]) == normalize_text(labelled[2]):
            return index  # "(b) text", as the options are shown
    letter = re.fullmatch(r"\(?([a-z])\)?\.?", typed)
    if letter:
        index = ord(letter[1]) - ord("a")
        if index < n:
            return index
        raise AnswerFormatError(f"there is no option {letter[1]}; type {hint}")
    if re.fullmatch(r"\d+", typed):
        index = int(typed) - 1
        if 0 <= index < n:
            return index
        raise AnswerFormatError(f"there is no option {typed}; type {hint}")
    raise AnswerFormatError(f"{text.strip()!r} is not one of the options; type {hint}")
