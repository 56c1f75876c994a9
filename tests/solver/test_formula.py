"""The one sliding-window formula (window_count) and the lecture's plain formula."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnquiz import solver


def test_lecture_examples() -> None:
    # The lecture's (W - F + 2P) / S + 1: 32x32 with a 5x5 filter, padding 2 -> 32;
    # 7x7 with a 3x3 filter, stride 2 -> 3 (exact); stride 3 does not fit.
    assert solver.formula_output_size(32, 5, padding=2) == 32
    assert solver.formula_output_size(7, 3, stride=2, rounding="exact") == 3
    with pytest.raises(ValueError, match=r"stride 3 does not divide padded_size - effective kernel = 4"):
        solver.formula_output_size(7, 3, stride=3, rounding="exact")
    assert solver.formula_output_size(7, 3, stride=3) == 2
    assert solver.formula_output_size(7, 3, stride=3, rounding=solver.Rounding.CEIL) == 3


def test_pairs_and_dilation() -> None:
    assert solver.formula_output_size((9, 7), (3, 2), stride=2, padding=1) == (5, 4)
    assert solver.formula_output_size(32, 3, dilation=2) == 28


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 200), k=st.integers(1, 9), s=st.integers(1, 5), p=st.integers(0, 4), d=st.integers(1, 3))
def test_floor_is_pytorch_conv_and_ceil_is_one_more_when_it_does_not_divide(n, k, s, p, d) -> None:
    if d * (k - 1) + 1 > n + 2 * p:
        with pytest.raises(ValueError, match="larger than the padded input"):
            solver.formula_output_size(n, k, s, p, d)
        return
    floor = solver.formula_output_size(n, k, s, p, d)
    assert floor == solver.conv2d_output_size(n, k, s, p, d)
    assert floor == solver.window_count(n + 2 * p, k, s, d)
    divides = (n + 2 * p - d * (k - 1) - 1) % s == 0
    assert solver.formula_output_size(n, k, s, p, d, rounding="ceil") == floor + (not divides)
    if divides:
        assert solver.formula_output_size(n, k, s, p, d, rounding="exact") == floor


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: solver.window_count(5, 3, rounding="round"), r"rounding must be 'floor', 'ceil' or 'exact'; got rounding='round'"),
        (lambda: solver.window_count(0, 3), r"padded_size must be >= 1; got padded_size=0"),
        (lambda: solver.window_count(5, 3, stride=0), r"stride must be >= 1; got stride=0"),
        (lambda: solver.window_count(4, 3, dilation=2), r"kernel_size 3 \(effective 5 with dilation 2\) is larger than the padded input \(4\)"),
        (lambda: solver.formula_output_size(5, (3, 2)), r"kernel_size must be an int when size is an int"),
        (lambda: solver.formula_output_size(5, 3, padding=-1), r"padding must be >= 0; got padding=-1"),
        (lambda: solver.formula_output_size(5, 3, padding="same"), r"padding must be an int or a pair \(h, w\); got padding=.same."),
    ],
)
def test_errors(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()
