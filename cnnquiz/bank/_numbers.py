"""Parse what people type, numbers: ``28``, ``28,326``, ``0.73``, ``1/2``, ``2.5e-3``.

The number readers of :mod:`cnnquiz.bank.parse` (which re-exports the public names).

Examples
--------
>>> parse_number("28,326"), parse_number("1/2"), parse_number("2.5e-3")
(28326, 0.5, 0.0025)
"""

from __future__ import annotations

import enum
import math
import re
from fractions import Fraction

__all__ = [
    "AnswerFormatError", "Number", "Comma", "clean_text", "parse_number", "parse_cell", "typed_number",
]

Number = int | float


class Comma(str, enum.Enum):
    """How a single comma inside a number is read (``28,326``, ``0,957``, ``0,5``).

    ``THOUSANDS``: a thousands separator (whole-number answers); ``0,5`` is a format error.
    ``DECIMAL``: a decimal comma (the question asks for decimals).
    ``GUESS``: a decimal comma where that is the only sensible reading -- 1, 2 or 4+
    digits after it, or a leading ``0,`` -- and a format error for ``28,326``, which
    could be either.
    """

    THOUSANDS = "thousands"
    DECIMAL = "decimal"
    GUESS = "guess"


class AnswerFormatError(ValueError):
    """A typed answer that cannot be read; ``str(error)`` says what was expected."""


_MINUS = "\u2212\u2013"  # unicode minus and en dash, as pasted from slides
_THIN_SPACES = "\u00a0\u202f\u2009"
_PLAIN = r"(?:\d+(?:\.\d*)?|\.\d+)"
_EXPONENT = r"(?:[eE][+-]?\d+|\s*[x×*·]\s*10\s*\^\s*[+-]?\d+)"
_NUMBER_RE = re.compile(rf"^(?P<sign>[+-]?)(?P<mantissa>{_PLAIN})(?P<exp>{_EXPONENT})?$")
_GROUPED_RE = re.compile(r"^(?P<sign>[+-]?)(?P<head>\d{1,3})(?P<sep>[,_ '])(?P<rest>\d{3}(?:[,_ ']\d{3})*)(?P<tail>\.\d+)?$")


def clean_text(text: str) -> str:
    """Strip, and read pasted unicode minus signs as ``-`` and thin spaces as plain spaces."""
    text = str(text).strip()
    for char in _MINUS:
        text = text.replace(char, "-")
    for char in _THIN_SPACES:
        text = text.replace(char, " ")
    return text


class _TooLarge(Exception):
    """A number beyond float range (``1e999``, 400 digits): no answer is that large."""


def _checked(value: int) -> int:
    try:
        float(value)
    except OverflowError:
        raise _TooLarge from None
    return value


def _shown(text: str) -> str:
    return repr(text) if len(text) <= 24 else repr(text[:20] + "…")


_SPECIAL_RE = re.compile(r"^([+-]?)(nan|inf|infinity|∞)$", re.IGNORECASE)


def _plain_number(text: str) -> Number | None:
    """A number without thousands separators (int, decimal, scientific), or None.

    ``nan`` and ``inf`` are read too: what naive code prints is a value a student may
    type, and a known mistake may give it (softmax without max-subtraction).
    """
    special = _SPECIAL_RE.match(text)
    if special:
        value = math.nan if special[2].lower() == "nan" else math.inf
        return -value if special[1] == "-" else value
    match = _NUMBER_RE.match(text)
    if not match:
        return None
    mantissa, exp = match["mantissa"], match["exp"]
    negative = match["sign"] == "-"
    if exp is None and "." not in mantissa:
        value: Number = _checked(int(mantissa))
        return -value if negative else value
    power = int(re.sub(r"^(?:[eE]|\s*[x×*·]\s*10\s*\^)\s*", "", exp)) if exp else 0
    try:
        value = float(f"{mantissa}e{power}")
    except OverflowError:  # pragma: no cover - float() returns inf instead
        return None
    if math.isinf(value):
        raise _TooLarge
    if value == 0:
        return 0.0
    return -value if negative else value


def _grouped_integer(text: str) -> Number | None:
    """``28,326`` / ``28 326`` / ``28_326`` / ``1,234.5``: groups of three, one separator."""
    match = _GROUPED_RE.match(text)
    if not match:
        return None
    sep = match["sep"]
    if any(s != sep for s in re.findall(r"[,_ ']", match["rest"])):
        return None
    digits = match["head"] + match["rest"].replace(sep, "")
    if match["tail"]:
        if sep != ",":
            return None
        value: Number = float(digits + match["tail"])
    else:
        value = _checked(int(digits))
    return -value if match["sign"] == "-" else value


def _fraction(text: str) -> Number | None:
    if text.count("/") != 1:
        return None
    top, bottom = (part.strip() for part in text.split("/"))
    numerator, denominator = _plain_number(top), _plain_number(bottom)
    if numerator is None or denominator is None:
        return None
    if denominator == 0:
        raise AnswerFormatError("the denominator of a fraction cannot be 0")
    if isinstance(numerator, int) and isinstance(denominator, int):
        exact = Fraction(numerator, denominator)
        try:
            return int(exact) if exact.denominator == 1 else float(exact)
        except OverflowError:
            raise _TooLarge from None
    value = numerator / denominator
    if math.isinf(value) and math.isfinite(numerator) and math.isfinite(denominator):
        raise _TooLarge  # 1e308/1e-10
    return value


_NUMBER_HINT = "a number, e.g. 28, 28,326, 0.73, 1/2 or 2.5e-3"


_ONE_COMMA_RE = re.compile(r"^(?P<sign>[+-]?)(?P<head>\d+),(?P<tail>\d+)$")


def _decimal_comma(text: str, comma: Comma, hint: str) -> Number | None:
    """``0,957`` -> 0.957 where ``comma`` says a comma is (or can only be) a decimal one;
    None when the text is no ``digits,digits`` number or the comma separates thousands."""
    match = _ONE_COMMA_RE.match(text)
    if match is None or comma is Comma.THOUSANDS:
        return None
    head, tail = match["head"], match["tail"]
    thousands_possible = len(tail) == 3 and not head.startswith("0") and len(head) <= 3
    if comma is Comma.GUESS and thousands_possible:
        raise AnswerFormatError(
            f"{_shown(text)} could be {head}{tail} or {head}.{tail}: write it without the comma, or "
            f"with a point for decimals; type {hint}")
    value = float(f"{head}.{tail}")
    return -value if match["sign"] == "-" and value else value


def parse_number(text: str, *, hint: str = _NUMBER_HINT, comma: Comma = Comma.THOUSANDS) -> Number:
    """Read one number as people type it.

    Accepts integers with thousands separators (``28,326``, ``28 326``, ``28_326``),
    decimals (``0.73``, ``.5``), fractions (``1/2``) and scientific notation
    (``2.5e-3``, ``2.5 x 10^-3``). Integers come back as ``int``, the rest as ``float``.
    A decimal comma (``0,957``) is read as :class:`Comma` ``comma`` says.

    Raises
    ------
    AnswerFormatError
        With ``hint`` (what to type) when the text is not one number.

    Examples
    --------
    >>> parse_number("28 326"), parse_number("-3/4"), parse_number("1.5 x 10^3")
    (28326, -0.75, 1500.0)
    >>> parse_number("0,957", comma=Comma.GUESS), parse_number("28,326", comma=Comma.DECIMAL)
    (0.957, 28.326)
    """
    cleaned = clean_text(text)
    if not cleaned:
        raise AnswerFormatError(f"no answer; type {hint}")
    decimal = _decimal_comma(cleaned, comma, hint)
    if decimal is not None:
        return decimal
    if _ONE_COMMA_RE.match(cleaned) and cleaned.lstrip("+-").startswith("0"):
        # "0,500" is no thousands group: a decimal comma on a whole-number question
        raise AnswerFormatError(f"use a point for decimals ({cleaned.replace(',', '.')}); type {hint}")
    for reader in (_plain_number, _grouped_integer, _fraction):
        try:
            value = reader(cleaned)
        except _TooLarge:
            raise AnswerFormatError(f"{_shown(cleaned)} is too large a number; type {hint}") from None
        if value is not None:
            return value
    if re.fullmatch(r"[+-]?\d+,\d{1,2}", cleaned):
        raise AnswerFormatError(f"use a point for decimals ({cleaned.replace(',', '.')}); type {hint}")
    if re.fullmatch(r"[\[(]?\s*\d+(\s*[x×X*,]\s*\d+|\s+\d+)+\s*[\])]?", cleaned):
        raise AnswerFormatError(f"one number is expected, not several; type {hint}")
    raise AnswerFormatError(f"could not read {cleaned!r} as a number; type {hint}")


def typed_number(value: Number, *, thousands: str = "") -> str:
    """Write a number so that :func:`parse_number` reads it back exactly.

    >>> typed_number(28326, thousands=","), typed_number(0.5)
    ('28,326', '0.5')
    """
    if isinstance(value, bool):
        raise TypeError("a bool is not a number answer")
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}".replace(",", thousands)
    return repr(float(value))


def parse_cell(token: str, hint: str) -> Number:
    """One number of a matrix row: plain, scientific or a fraction (no thousands separators)."""
    try:
        value = _plain_number(token)
        if value is None:
            value = _fraction(token)
    except AnswerFormatError as error:
        raise AnswerFormatError(f"{error}; type {hint}") from None
    except _TooLarge:
        raise AnswerFormatError(f"{_shown(token)} is too large a number; type {hint}") from None
    if value is None:
        raise AnswerFormatError(f"could not read {_shown(token)} as a number; type {hint}")
    return value
