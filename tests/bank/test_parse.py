"""Parsing typed answers: the formats people use, format errors with hints, round trips."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnquiz.bank.parse import (
    Comma,
    AnswerFormatError,
    format_matrix,
    typed_number,
    format_shape,
    parse_choice,
    parse_matrix,
    parse_number,
    parse_shape,
)

FAST = settings(max_examples=150, deadline=None)


@pytest.mark.parametrize(
    "text, value",
    [
        ("28326", 28326), ("28,326", 28326), ("28 326", 28326), ("28_326", 28326),
        ("1,234,567", 1234567), ("-12", -12), ("+7", 7), ("\u22123", -3), (" 42 ", 42),
        ("0.73", 0.73), (".5", 0.5), ("2.", 2.0), ("1,234.5", 1234.5),
        ("1/2", 0.5), ("-3/4", -0.75), ("6/3", 2), ("1.5/3", 0.5),
        ("2.5e-3", 0.0025), ("1E3", 1000.0), ("1.5 x 10^3", 1500.0), ("2×10^-2", 0.02),
        ("inf", math.inf), ("-Infinity", -math.inf), ("∞", math.inf),
    ],
)
def test_numbers_as_people_type_them(text: str, value: float) -> None:
    got = parse_number(text)
    assert got == pytest.approx(value)
    assert isinstance(got, int) == isinstance(value, int)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "no answer"),
        ("twenty", "could not read 'twenty'"),
        ("1,5", "use a point for decimals"),
        ("28,32", "use a point for decimals"),
        ("28,3266", "one number is expected"),
        ("28, 326", "one number is expected"),
        ("32x32", "one number is expected"),
        ("(10, 32, 32)", "one number is expected"),
        ("1/0", "denominator"),
        ("1e999", "too large"),
        ("9" * 400, "too large"),
        ("1,000," + ",".join(["000"] * 110), "too large"),
        ("1e308/1e-10", "too large"),
        ("9" * 400 + "/7", "too large"),
        ("28 326_000", "could not read"),  # mixed thousands separators
    ],
)
def test_unreadable_numbers_give_a_hint(text: str, message: str) -> None:
    with pytest.raises(AnswerFormatError, match=message) as info:
        parse_number(text)
    if text != "1/0":
        assert "e.g." in str(info.value)


@pytest.mark.parametrize("text", ["9" * 400, "1 2; 3 " + "9" * 400, "[[1, 1e999]]", "1e308/1e-10 1"])
def test_matrix_cells_too_large_for_a_float_are_format_errors(text: str) -> None:
    with pytest.raises(AnswerFormatError, match="too large a number; type"):
        parse_matrix(text)


def test_nan_is_read() -> None:
    assert math.isnan(parse_number("NaN")) and math.isnan(parse_matrix("nan 1")[0][0])


@given(st.integers(min_value=-(10**12), max_value=10**12), st.sampled_from(["", ",", " ", "_"]))
@FAST
def test_integers_round_trip_with_any_thousands_separator(n: int, sep: str) -> None:
    assert parse_number(typed_number(n, thousands=sep)) == n


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
@FAST
def test_floats_round_trip(x: float) -> None:
    got = parse_number(typed_number(x))
    assert got == x or (x == 0 and got == 0)


@given(st.integers(-999, 999), st.integers(1, 999))
@FAST
def test_fractions_are_exact(p: int, q: int) -> None:
    assert parse_number(f"{p}/{q}") == pytest.approx(p / q, rel=1e-15)


@pytest.mark.parametrize(
    "text, dims, bracketed",
    [
        ("32x32x10", (32, 32, 10), False), ("32 x 32 x 10", (32, 32, 10), False),
        ("32×32×10", (32, 32, 10), False), ("32X32X10", (32, 32, 10), False),
        ("(10, 32, 32)", (10, 32, 32), True), ("[10,32,32]", (10, 32, 32), True),
        ("10 32 32", (10, 32, 32), False), ("(10, 32, 32,)", (10, 32, 32), True),
        ("torch.Size([10, 32, 32])", (10, 32, 32), True), ("148x148", (148, 148), False),
        ("32*32", (32, 32), False),
    ],
)
def test_shapes(text: str, dims: tuple[int, ...], bracketed: bool) -> None:
    parsed = parse_shape(text)
    assert parsed.dims == dims and parsed.bracketed == bracketed


@pytest.mark.parametrize(
    "text, message",
    [("32", "several dimensions"), ("32 x 3.5", "'3.5' is not a dimension"), ("32 x x 3", "missing"),
     ("", "no answer"), ("32 x -3", "is not a dimension")],
)
def test_bad_shapes(text: str, message: str) -> None:
    with pytest.raises(AnswerFormatError, match=message):
        parse_shape(text, hint="H x W x C")


@given(st.lists(st.integers(0, 4096), min_size=2, max_size=4),
       st.sampled_from([" x ", "x", "×", ", ", " "]), st.sampled_from(["{}", "({})", "[{}]"]))
@FAST
def test_shapes_round_trip(dims: list[int], sep: str, wrap: str) -> None:
    assert parse_shape(wrap.format(format_shape(dims, sep=sep))).dims == tuple(dims)


LECTURE = [[4, 3, 4], [2, 4, 3], [2, 3, 4]]


@pytest.mark.parametrize(
    "text",
    [
        "4 3 4; 2 4 3; 2 3 4", "4 3 4\n2 4 3\n2 3 4", "4,3,4 | 2,4,3 | 2,3,4", "| 4 3 4 | 2 4 3 | 2 3 4 |",
        "[[4,3,4],[2,4,3],[2,3,4]]", "[[4 3 4]\n [2 4 3]\n [2 3 4]]", "[4, 3, 4]; [2, 4, 3]; [2, 3, 4]",
        "4\t3\t4\n2\t4\t3\n2\t3\t4\n",
    ],
)
def test_matrices_typed_in_many_ways(text: str) -> None:
    assert parse_matrix(text) == LECTURE


def test_matrix_cells_may_be_decimals_fractions_and_negative() -> None:
    assert parse_matrix("1/2 -0.25; 1e1 \u22123") == [[0.5, -0.25], [10.0, -3]]


def test_nested_lists_may_be_three_deep() -> None:
    assert parse_matrix("[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]") == [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]


@pytest.mark.parametrize(
    "text, message",
    [("4 3 4; 2 4", r"different lengths \(3, 2\)"), ("4 x 3", "could not read 'x'"), ("", "no answer"),
     ("[[1, 2], [3, 4]", "']' is missing"), ("[[1, 2]] 3", "after the last"), ("1/0 2", "denominator"),
     ("[[1, 2], [3]]", "different lengths")],
)
def test_bad_matrices(text: str, message: str) -> None:
    with pytest.raises(AnswerFormatError, match=message):
        parse_matrix(text)


@given(st.integers(1, 5), st.integers(1, 5), st.data())
@FAST
def test_matrices_round_trip(rows: int, cols: int, data: st.DataObject) -> None:
    cell = st.one_of(st.integers(-999, 999), st.floats(-1e6, 1e6, allow_nan=False).filter(lambda v: v == v))
    matrix = [[data.draw(cell) for _ in range(cols)] for _ in range(rows)]
    got = parse_matrix(format_matrix(matrix))
    assert [[float(v) for v in row] for row in got] == [[float(v) for v in row] for row in matrix]
    assert all(not math.isnan(float(v)) for row in got for v in row)


OPTIONS = ["Convolution -> max pooling -> flattening -> full connection",
           "Max pooling -> convolution -> flattening -> full connection", "None"]


@pytest.mark.parametrize(
    "text, index",
    [("a", 0), ("B", 1), ("(c)", 2), ("b)", 1), ("c.", 2), ("1", 0), ("3", 2), ("none", 2),
     ("  convolution→max pooling→flattening→full connection ", 0), ("NONE.", 2), ("(c) None", 2),
     ("b) max pooling -> convolution -> flattening -> full connection", 1)],
)
def test_choices_by_letter_number_or_text(text: str, index: int) -> None:
    assert parse_choice(text, OPTIONS) == index


def test_option_text_wins_over_letters_and_numbers() -> None:
    assert parse_choice("2", ["1", "2", "4"]) == 1
    assert parse_choice("4", ["1", "2", "4"]) == 2


@pytest.mark.parametrize("text, message", [("d", "there is no option d"), ("7", "there is no option 7"),
                                           ("pooling", "is not one of the options"), ("", "no answer"),
                                           ("(a) None", "is not one of the options")])
def test_bad_choices(text: str, message: str) -> None:
    with pytest.raises(AnswerFormatError, match=message) as info:
        parse_choice(text, OPTIONS)
    assert "a letter a-c" in str(info.value)


@pytest.mark.parametrize("text,comma,expected", [
    ("0,957", Comma.GUESS, 0.957), ("0,500", Comma.GUESS, 0.5), ("0,5", Comma.GUESS, 0.5),
    ("12,75", Comma.GUESS, 12.75), ("-0,25", Comma.GUESS, -0.25), ("3,1416", Comma.GUESS, 3.1416),
    ("28,326", Comma.DECIMAL, 28.326), ("0,957", Comma.DECIMAL, 0.957),
    ("28,326", Comma.THOUSANDS, 28326), ("1,234,567", Comma.GUESS, 1234567), ("0.957", Comma.GUESS, 0.957),
])
def test_a_decimal_comma_is_read_where_it_is_the_only_sensible_reading(text, comma, expected) -> None:
    assert parse_number(text, comma=comma) == expected


@pytest.mark.parametrize("text,comma,message", [
    ("28,326", Comma.GUESS, r"'28,326' could be 28326 or 28\.326: write it without the comma, or with a point"),
    ("0,500", Comma.THOUSANDS, r"use a point for decimals \(0\.500\)"),
    ("0,957", Comma.THOUSANDS, r"use a point for decimals \(0\.957\)"),
])
def test_an_ambiguous_comma_is_a_format_error_with_a_hint(text, comma, message) -> None:
    with pytest.raises(AnswerFormatError, match=message):
        parse_number(text, comma=comma)
