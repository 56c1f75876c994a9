"""Every ValueError of the solver names the argument; junk never escapes as another error.

One ``pytest.raises(match=...)`` per message (numpy's habit). The hypothesis tests at
the bottom throw junk at every public function: the only exception allowed out is
ValueError (never IndexError, TypeError, OverflowError or a numpy broadcasting
error), and no RuntimeWarning either (pytest turns those into errors).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnquiz import solver

X = np.arange(2 * 5 * 6).reshape(2, 5, 6)
W = np.ones((3, 2, 3, 3))


# --------------------------------------------------------------------------- sizes and ints


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: solver.conv2d_output_size(5, 2.5), r"kernel_size must be an integer; got kernel_size=2\.5"),
        (lambda: solver.conv2d_output_size((5, 5), [2.5, 2]), r"kernel_size must be an integer; got kernel_size=2\.5"),
        (lambda: solver.conv2d_output_size(5, 3, stride=math.nan), r"stride must be an integer; got stride=nan"),
        (lambda: solver.conv2d_output_size(5, 3, stride=math.inf), r"stride must be an integer; got stride=inf"),
        (lambda: solver.conv2d_output_size((5, "5"), 3), r"size must be an integer; got size='5'"),
        (lambda: solver.conv2d(X, W, groups=1.5), r"groups must be an integer; got groups=1\.5"),
        (lambda: solver.conv2d(X, W, groups=True), r"groups must be an integer; got groups=True"),
        (lambda: solver.conv2d_params(3.5, 10, 5), r"in_channels must be an integer; got in_channels=3\.5"),
        (lambda: solver.linear_params(10, complex(1, 1)), r"out_features must be an integer"),
        (lambda: solver.receptive_field([(3, 1.5)]), r"layers\[0\]\.stride must be an integer"),
    ],
)
def test_non_integer_sizes(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_integral_floats_and_fractions_are_accepted() -> None:
    assert solver.conv2d_output_size(5.0, 3.0) == 3
    assert solver.conv2d_output_size(np.int64(5), np.float32(3)) == 3
    assert solver.conv2d_params(Fraction(4, 2), 1, 1) == 3


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: solver.conv2d_output_size(0, 3), r"size must be >= 1; got size=0"),
        (lambda: solver.conv2d_output_size(5, 0), r"kernel_size must be >= 1; got kernel_size=0"),
        (lambda: solver.conv2d_output_size(5, 3, stride=0), r"stride must be >= 1; got stride=0"),
        (lambda: solver.conv2d_output_size(5, 3, padding=-1), r"padding must be >= 0; got padding=-1"),
        (lambda: solver.conv2d(X, W, padding=(1, -1)), r"padding must be >= 0; got padding=-1"),
        (lambda: solver.conv2d(X, W, dilation=0), r"dilation must be >= 1; got dilation=0"),
        (lambda: solver.conv2d(X, W, groups=0), r"groups must be >= 1; got groups=0"),
        (lambda: solver.max_pool2d(X, 2, padding=-1), r"padding must be >= 0; got padding=-1"),
        (lambda: solver.max_pool2d(X, 2, stride=0), r"stride must be >= 1; got stride=0"),
        (lambda: solver.avg_pool2d(X, 0), r"kernel_size must be >= 1; got kernel_size=0"),
        (lambda: solver.conv2d_params(3, 0, 5), r"out_channels must be >= 1; got out_channels=0"),
        (lambda: solver.linear_params(0, 5), r"in_features must be >= 1; got in_features=0"),
        (lambda: solver.receptive_field([0]), r"layers\[0\]\.kernel_size must be >= 1"),
    ],
)
def test_sizes_below_minimum(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: solver.conv2d_output_size((5, 5), True), r"kernel_size must be an int or a pair \(h, w\); got kernel_size=True"),
        (lambda: solver.conv2d_output_size(True, 3), r"size must be an int or a pair \(h, w\); got size=True"),
        (lambda: solver.conv2d(X, W, stride=np.True_), r"stride must be an int or a pair \(h, w\)"),
        (lambda: solver.conv2d_output_size((5, 5), (3, 3, 3)), r"kernel_size must be an int or a pair \(h, w\)"),
        (lambda: solver.conv2d_output_size((5, 5), "3"), r"kernel_size must be an int or a pair \(h, w\); got kernel_size='3'"),
        (lambda: solver.conv2d_output_size((5, 5), {3, 4}), r"kernel_size must be an int or a pair \(h, w\)"),
        (lambda: solver.conv2d(X, W, stride=None), r"stride must be an int or a pair \(h, w\); got stride=None"),
        (lambda: solver.max_pool2d(X, [2]), r"kernel_size must be an int or a pair \(h, w\); got kernel_size=\[2\]"),
    ],
)
def test_bools_and_bad_pairs(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_scalar_size_needs_scalar_arguments() -> None:
    with pytest.raises(ValueError, match=r"kernel_size must be an int when size is an int"):
        solver.conv2d_output_size(5, (3, 2))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: solver.max_pool2d(X, 2, ceil_mode="yes"), r"ceil_mode must be True or False; got ceil_mode='yes'"),
        (lambda: solver.pool2d_output_size(5, 2, ceil_mode=2), r"ceil_mode must be True or False; got ceil_mode=2"),
        (lambda: solver.avg_pool2d(X, 2, count_include_pad=None), r"count_include_pad must be True or False"),
        (lambda: solver.conv2d_params(3, 10, 5, bias="False"), r"bias must be True or False; got bias='False'"),
        (lambda: solver.linear_params(3, 10, bias=[1]), r"bias must be True or False"),
    ],
)
def test_flags_must_be_bools(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------- padding and geometry


def test_unknown_padding_string() -> None:
    with pytest.raises(ValueError, match=r"padding must be an int, a pair \(h, w\), 'same' or 'valid'; got padding='full'"):
        solver.conv2d(X, W, padding="full")
    # PyTorch's padding strings are case-sensitive: 'SAME' is an error there too.
    with pytest.raises(ValueError, match=r"got padding='SAME'"):
        solver.conv2d_output_size(8, 3, padding="SAME")


def test_pooling_rejects_padding_strings() -> None:
    with pytest.raises(ValueError, match=r"padding must be an int or a pair \(h, w\); got padding='same'"):
        solver.max_pool2d(X, 2, padding="same")


def test_same_padding_needs_stride_1() -> None:
    with pytest.raises(ValueError, match=r"padding='same' needs stride 1 .*; got stride=2"):
        solver.conv2d(X, W, padding="same", stride=2)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: solver.conv2d(X, np.ones((3, 2, 6, 3))), r"kernel_size \(6, 3\) .* larger than the padded input \(5\) along height"),
        (lambda: solver.conv2d(X, np.ones((3, 2, 3, 3)), dilation=(1, 4)), r"kernel_size \(3, 3\) \(effective 9 with dilation 4\) .* along width"),
        (lambda: solver.conv2d_output_size(3, 5, padding=0), r"kernel_size 5 .* larger than the padded input \(3\)"),
        (lambda: solver.max_pool2d(X, 7), r"kernel_size 7 .* larger than the padded input \(5\) along height"),
        (lambda: solver.pool2d_output_size(1, 3, stride=2, ceil_mode=True), r"kernel_size 3 .* \(output size would be 0 with stride 2 and ceil_mode\)"),
    ],
)
def test_kernel_larger_than_padded_input(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_pool_padding_at_most_half_the_kernel() -> None:
    with pytest.raises(ValueError, match=r"padding must be at most half of kernel_size .*got padding=2 with kernel_size=3"):
        solver.avg_pool2d(X, 3, padding=2)


# --------------------------------------------------------------------------- arrays


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: solver.conv2d("abc", W), r"x must be a real numeric array; got dtype <U3"),
        (lambda: solver.conv2d(X + 1j, W), r"x must be a real numeric array; got dtype complex128"),
        (lambda: solver.max_pool2d(np.array([[[1, None]]]), 1), r"x must be a real numeric array; got dtype object"),
        (lambda: solver.conv2d([[[1, 2], [3]]], W), r"x must be a numeric array; got a ragged or invalid list"),
        (lambda: solver.conv2d(X[0], W), r"x must have shape \(C, H, W\); got shape \(5, 6\)"),
        (lambda: solver.avg_pool2d(np.ones((1, 0, 3)), 1), r"x must not be empty; got shape \(1, 0, 3\)"),
        (lambda: solver.conv2d(X, W.astype(str)), r"weight must be a real numeric array"),
        (lambda: solver.conv2d(X, W[0]), r"weight must have shape \(K, C/groups, kh, kw\); got shape \(2, 3, 3\)"),
        (lambda: solver.conv2d(X, np.ones((3, 2, 0, 3))), r"weight must not be empty"),
        (lambda: solver.conv2d(X, [[[[1]], [[1, 2]]]]), r"weight must be a numeric array; got a ragged"),
        (lambda: solver.conv2d(X, W, bias=["a", "b", "c"]), r"bias must be a real numeric array"),
        (lambda: solver.conv2d(X, W, bias=[[1], [2, 3]]), r"bias must be a numeric array; got a ragged"),
        (lambda: solver.conv2d(X, W, bias=np.ones(4)), r"bias must have shape \(3,\) \(one per filter\); got shape \(4,\)"),
        (lambda: solver.conv2d(X, W, bias=1.0), r"bias must have shape \(3,\) .*got shape \(\)"),
    ],
)
def test_bad_arrays(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_groups_must_divide_channels_and_filters() -> None:
    with pytest.raises(ValueError, match=r"groups must divide both input channels \(2\) and filters \(3\); got groups=2"):
        solver.conv2d(X, np.ones((3, 1, 3, 3)), groups=2)


def test_weight_channels_must_match_x_and_groups() -> None:
    with pytest.raises(ValueError, match=r"weight has 1 input channels per group but x has 2 channels and groups=1"):
        solver.conv2d(X, np.ones((3, 1, 3, 3)))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: solver.conv2d_params(4, 6, 3, groups=3), r"in_channels must be divisible by groups; got in_channels=4, groups=3"),
        (lambda: solver.conv2d_params(6, 4, 3, groups=3), r"out_channels must be divisible by groups; got out_channels=4, groups=3"),
    ],
)
def test_params_groups(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------- activations and receptive field


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: solver.relu("1"), r"x must be numeric \(real\); got x of dtype <U1"),
        (lambda: solver.sigmoid([1j]), r"x must be numeric \(real\); got x of dtype complex128"),
        (lambda: solver.sigmoid([[1], [1, 2]]), r"x must be numeric; got a ragged or invalid list"),
        (lambda: solver.softmax(3.0), r"z must have at least one dimension; got a scalar"),
        (lambda: solver.softmax([1.0, 2.0], axis=1), r"axis must be an int in \[-1, 1\); got axis=1"),
        (lambda: solver.softmax([[1.0, 2.0]], axis=0.5), r"axis must be an int in \[-2, 2\); got axis=0\.5"),
        (lambda: solver.softmax(np.ones((2, 0)), axis=1), r"z must not be empty along axis"),
    ],
)
def test_activation_errors(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    ("layers", "match"),
    [
        ([], r"layers must contain at least one layer; got an empty stack"),
        (None, r"layers must be a sequence of layers; got layers=None"),
        ("333", r"layers must be a sequence of layers"),
        ([[]], r"layers\[0\] must be a kernel size, a tuple \(kernel_size, stride, dilation\) or a mapping"),
        ([3, (3, 1, 1, 1)], r"layers\[1\] must be a kernel size"),
        ([{"stride": 2}], r"layers\[0\]\.kernel_size must be an integer; got layers\[0\]\.kernel_size=None"),
        ([(3, 1, 0)], r"layers\[0\]\.dilation must be >= 1"),
    ],
)
def test_receptive_field_errors(layers, match) -> None:
    with pytest.raises(ValueError, match=match):
        solver.receptive_field(layers)


# --------------------------------------------------------------------------- junk


JUNK_SCALARS = [
    None, True, False, np.True_, -3, -1, 0, 1, 2, 3, 2**70, -(2**70), 1.0, 2.5, -0.5, math.nan, math.inf,
    np.int64(2), np.float64(2.0), np.array(2), complex(2, 0), Fraction(3, 2), "", "same", "valid", "full",
    "2", b"22", [], [1], [1, 2], [2, 2], [1, 2, 3], [[1, 2]], [None, 1], [1.5, 1], (0, 1), (2, 2**70),
    np.array([2, 1]), np.array([[2, 2]]), np.array([]), {}, {"a": 1}, {2, 3}, object(), range(2),
]


def _junk_arrays():
    arrays = st.sampled_from([
        np.ones((2, 4, 5)), np.arange(20).reshape(1, 4, 5), np.ones((1, 1, 1), dtype=bool),
        np.ones((2, 3, 3), dtype=np.uint8), np.full((1, 3, 3), np.nan), np.ones((1, 3, 3), dtype=np.float32),
        np.ones((3, 4)), np.ones((1, 0, 2)), np.ones((1, 2, 2)) + 1j, np.array([[[1, None]]], dtype=object),
        np.ones((2, 6, 5))[:, ::2, ::-1], np.asfortranarray(np.ones((2, 3, 4))),
        np.broadcast_to(np.ones((1, 1, 1)), (2, 3, 3)),
    ])
    nested = st.sampled_from([
        [[[1, 2], [3, 4]]], [[[1, 2], [3]]], [[[1.5]]], "abc", 5, None, [], [[["a"]]], [[[2**70]]],
    ])
    return st.one_of(arrays, nested)


def _weights():
    return st.sampled_from([
        np.ones((3, 2, 3, 3)), np.ones((2, 1, 2, 2)), np.ones((4, 1, 1, 3), dtype=int), np.ones((1, 2, 9, 9)),
        np.ones((2, 2, 2)), np.ones((0, 2, 1, 1)), [[[[1]]]], [[[[1]], [[1, 2]]]], "w", np.ones((2, 1, 2, 2)) * 1j,
    ])


junk = st.sampled_from(JUNK_SCALARS)
JUNK_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _mostly(*valid):
    """Usually a valid value (so the call gets deep into the function), sometimes junk."""
    return st.one_of(st.sampled_from(valid), st.sampled_from(valid), junk)


sizes = _mostly(1, 2, 3, (1, 2), [2, 1], np.array([2, 3]))
pads = _mostly(0, 1, (0, 1), [1, 0])
flags = _mostly(True, False, np.False_)


def _only_value_error(call) -> None:
    try:
        call()
    except ValueError:
        pass


@JUNK_SETTINGS
@given(_junk_arrays(), _weights(), st.one_of(st.none(), st.just(np.ones(3)), junk), sizes, _mostly(0, 1, "same", "valid"),
       sizes, _mostly(1, 2))
def test_conv2d_junk_raises_only_value_error(x, weight, bias, stride, padding, dilation, groups) -> None:
    _only_value_error(lambda: solver.conv2d(x, weight, bias, stride, padding, dilation, groups))


@JUNK_SETTINGS
@given(_junk_arrays(), sizes, st.one_of(st.none(), sizes), pads, sizes, flags, flags)
def test_pooling_junk_raises_only_value_error(x, kernel_size, stride, padding, dilation, ceil_mode, flag) -> None:
    _only_value_error(lambda: solver.max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode))
    _only_value_error(lambda: solver.avg_pool2d(x, kernel_size, stride, padding, ceil_mode, flag))


@JUNK_SETTINGS
@given(_mostly(1, 5, (5, 7), [9, 4]), sizes, st.one_of(st.none(), sizes), _mostly(0, 1, "same", (1, 0)), sizes, flags)
def test_sizes_and_params_junk_raise_only_value_error(size, kernel_size, stride, padding, dilation, flag) -> None:
    _only_value_error(lambda: solver.conv2d_output_size(size, kernel_size, stride, padding, dilation))
    _only_value_error(lambda: solver.pool2d_output_size(size, kernel_size, stride, padding, dilation, flag))
    _only_value_error(lambda: solver.conv2d_params(size, kernel_size, stride, flag, dilation))
    _only_value_error(lambda: solver.linear_params(size, kernel_size, flag))
    _only_value_error(lambda: solver.receptive_field([size, (kernel_size, stride, dilation)]))
    _only_value_error(lambda: solver.receptive_field([{"kernel_size": kernel_size, "stride": stride}]))
    _only_value_error(lambda: solver.receptive_field(size))


@JUNK_SETTINGS
@given(st.one_of(_junk_arrays(), junk), _mostly(0, -1, 1))
def test_activations_junk_raise_only_value_error(x, axis) -> None:
    _only_value_error(lambda: solver.relu(x))
    _only_value_error(lambda: solver.sigmoid(x))
    _only_value_error(lambda: solver.softmax(x, axis))


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 6), st.integers(1, 6), st.integers(1, 4), st.integers(1, 4),
    st.one_of(st.integers(-2, 10**6), st.just(2**64)), st.integers(-1, 3), st.integers(0, 5),
)
def test_results_have_sane_types_or_raise(h, w, kh, kw, stride, padding, dilation) -> None:
    """Valid results are ndarrays of the promised shape; huge strides give a 1-pixel output."""
    x = np.arange(h * w).reshape(1, h, w)
    try:
        size = solver.conv2d_output_size((h, w), (kh, kw), stride, padding, dilation)
    except ValueError:
        with pytest.raises(ValueError):
            solver.conv2d(x, np.ones((1, 1, kh, kw), dtype=int), None, stride, padding, dilation)
        return
    out = solver.conv2d(x, np.ones((1, 1, kh, kw), dtype=int), None, stride, padding, dilation)
    assert out.shape == (1, *size) and out.dtype == np.int64
