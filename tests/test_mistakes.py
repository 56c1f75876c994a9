"""The misconception catalogue: each mistake is the solver with one thing changed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnquiz import mistakes, solver
from cnnquiz.mistakes import CATALOGUE, COMPUTATIONS, compute, diagnose, mistaken_values, values_match

LECTURE_IMAGE = [[[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]]
LECTURE_KERNEL = [[[[1, 0, 1], [0, 1, 0], [1, 0, 1]]]]

# One parameter set per (computation, mistake) where that mistake is visible, and the
# value the mistake must give, worked by hand from its one-thing-changed formula.
CASES = [
    ("conv2d_output_size", dict(size=32, kernel_size=5, stride=1, padding=2), "forgot_plus_one", 31),
    ("conv2d_output_size", dict(size=32, kernel_size=5, stride=1, padding=2), "padding_once", 30),
    ("conv2d_output_size", dict(size=33, kernel_size=3, stride=2, padding=0), "stride_ignored", 31),
    ("conv2d_output_size", dict(size=32, kernel_size=3, stride=1, padding=0, dilation=2), "dilation_ignored", 30),
    ("conv2d_output_size", dict(size=(20, 30), kernel_size=3), "height_width_swapped", (28, 18)),
    ("pool2d_output_size", dict(size=150, kernel_size=2), "pool_stride_one", 149),
    ("pool2d_output_size", dict(size=150, kernel_size=2), "forgot_plus_one", 74),
    ("pool2d_output_size", dict(size=6, kernel_size=2, ceil_mode=False), "pool_stride_one", 5),
    ("pool2d_output_size", dict(size=8, kernel_size=5, stride=1, padding=2), "padding_once", 6),
    ("conv2d_output_shape", dict(input_shape=[3, 32, 32], out_channels=10, kernel_size=5, padding=2), "channels_kept", [3, 32, 32]),
    ("conv2d_output_shape", dict(input_shape=[3, 32, 32], out_channels=10, kernel_size=5, padding=2), "forgot_plus_one", [10, 31, 31]),
    ("conv2d_params", dict(in_channels=3, out_channels=10, kernel_size=5), "bias_forgotten", 750),
    ("conv2d_params", dict(in_channels=3, out_channels=10, kernel_size=5), "input_channels_forgotten", 260),
    ("conv2d_params", dict(in_channels=32, out_channels=32, kernel_size=3, groups=32), "groups_ignored", 9248),
    ("linear_params", dict(in_features=256, out_features=100), "bias_forgotten", 25600),
    ("sigmoid_relu", dict(z=-2.0), "relu_forgotten", 1 / (1 + np.exp(2.0))),
    ("sigmoid", dict(x=-2.0), "relu_before_sigmoid", 0.5),
    ("softmax", dict(z=[1000.0, 999.0]), "softmax_overflow", [np.nan, np.nan]),
    ("receptive_field", dict(layers=[(3, 2, 1), 3]), "jump_ignored", 5),
    ("receptive_field", dict(layers=[(3, 1, 1), (3, 1, 2)]), "dilation_ignored", 5),
]


@pytest.mark.parametrize("computation,params,mistake,value", CASES)
def test_mistake_value_and_diagnosis(computation: str, params: dict, mistake: str, value) -> None:
    values = mistaken_values(computation, params)
    assert values_match(values[mistake], value)
    found = diagnose(computation, params, value)
    assert found is not None and found.key == mistake
    assert diagnose(computation, params, compute(computation, params)) is None


def test_indistinguishable_mistakes_are_named_together() -> None:
    # 7 + 2 - 3 = 6: (6 // 2) + 0 = 3 and (7 + 1 - 3) // 2 + 1 = 3 -> both give 3.
    params = dict(size=7, kernel_size=3, stride=2, padding=1)
    found = diagnose("pool2d_output_size", params, 3)
    assert found is not None
    assert found.key == "forgot_plus_one+padding_once"
    assert found.name == "you forgot the +1, or padding counts on both sides"
    # With ceil_mode, rounding down instead of up always equals forgetting the +1
    # (ceil(a/s) == floor(a/s) + 1 when s does not divide a).
    found = diagnose("pool2d_output_size", dict(size=5, kernel_size=2, ceil_mode=True), 2)
    assert found is not None and found.key == "forgot_plus_one+ceil_floor_swapped"


def test_flipped_kernel_is_true_convolution() -> None:
    kernel = [[[[1, 2, 0], [0, 1, 0], [1, 0, 3]]]]
    params = dict(x=LECTURE_IMAGE, weight=kernel)
    flipped = mistaken_values("conv2d", params)["kernel_flipped"]
    # True convolution = cross-correlation with the kernel rotated by 180 degrees.
    x = np.asarray(LECTURE_IMAGE[0])
    k = np.asarray(kernel[0][0])
    by_hand = np.array([[sum(x[i + a, j + b] * k[2 - a, 2 - b] for a in range(3) for b in range(3))
                         for j in range(3)] for i in range(3)])
    assert np.array_equal(flipped[0], by_hand)
    assert diagnose("conv2d", params, by_hand[None]).key == "kernel_flipped"


def test_symmetric_kernel_cannot_be_flipped_wrongly() -> None:
    # The lecture's X-shaped kernel is symmetric: flipping changes nothing, so it is no mistake.
    assert "kernel_flipped" not in mistaken_values("conv2d", dict(x=LECTURE_IMAGE, weight=LECTURE_KERNEL))


def test_bias_stride_padding_and_square_only_variants_of_conv() -> None:
    x = np.arange(30).reshape(1, 5, 6) % 7 - 3
    w = np.array([[[[1, -1], [2, 0]]]])
    params = dict(x=x, weight=w, bias=[5], stride=2, padding=1)
    values = mistaken_values("conv2d", params)
    assert np.array_equal(values["bias_forgotten"], solver.conv2d(x, w, stride=2, padding=1))
    assert np.array_equal(values["stride_ignored"], solver.conv2d(x, w, [5], stride=1, padding=1))
    assert np.array_equal(values["padding_ignored"], solver.conv2d(x, w, [5], stride=2))
    ref = solver.conv2d(x, w, [5], stride=2, padding=1)  # (1, 3, 4): width taken from height -> 3 columns
    assert np.array_equal(values["square_only"], ref[:, :, :3])


def test_pooling_variants() -> None:
    x = np.arange(16).reshape(1, 4, 4)
    values = mistaken_values("max_pool2d", dict(x=x, kernel_size=2))
    assert np.array_equal(values["pool_stride_one"], solver.max_pool2d(x, 2, stride=1))
    assert np.allclose(values["avg_instead_of_max"], solver.avg_pool2d(x, 2))
    assert diagnose("avg_pool2d", dict(x=x, kernel_size=2), solver.max_pool2d(x, 2)).key == "max_instead_of_avg"


def test_inapplicable_mistakes_are_left_out() -> None:
    # 'same' padding has no size arithmetic to get wrong; stride 1 cannot be ignored.
    assert mistaken_values("conv2d_output_size", dict(size=32, kernel_size=3, padding="same")) == {}
    assert "stride_ignored" not in mistaken_values("conv2d_output_size", dict(size=32, kernel_size=3))


def test_catalogue_is_consistent() -> None:
    for computation in COMPUTATIONS.values():
        for key in computation.mistakes:
            assert key in CATALOGUE, (computation.key, key)
    for mistake in CATALOGUE.values():
        assert mistake.name and mistake.explanation.endswith(".")


@pytest.mark.parametrize(
    "computation,params,expected",
    [
        ("conv2d_output_size", dict(size=32, kernel_size=5, stride=1, padding=2), "floor((32 + 2x2 - 5) / 1) + 1 = 32"),
        ("conv2d_params", dict(in_channels=3, out_channels=10, kernel_size=5), "10 filters x (3 x 5 x 5 weights + 1 bias) = 760"),
        ("linear_params", dict(in_features=256, out_features=100), "256 x 100 weights + 100 biases = 25700"),
        ("conv2d", dict(x=LECTURE_IMAGE, weight=LECTURE_KERNEL), "(1x1) + (1x0) + (1x1) + (0x0) + (1x1) + (1x0) + (0x1) + (0x0) + (1x1) = 4"),
        ("sigmoid_relu", dict(z=-3), "ReLU(-3) = max(-3, 0) = 0; sigmoid(0)"),
        ("receptive_field", dict(layers=[3, 3, 3]), "= 7"),
        ("pool2d_output_size", dict(size=55, kernel_size=2), "floor((55 + 2x0 - 2) / 2) + 1 = 27"),
        ("conv2d_output_size", dict(size=44, kernel_size=3, padding=4, dilation=4), "floor((44 + 2x4 - (4x(3-1)+1)) / 1) + 1 = 44"),
        ("pool2d_output_size", dict(size=5, kernel_size=2, ceil_mode=True), "ceil((5 + 2x0 - 2) / 2) + 1 = 3"),
    ],
)
def test_working_puts_the_numbers_in(computation: str, params: dict, expected: str) -> None:
    assert expected in mistakes.working(computation, params)


def _size_steps(text: str) -> list[tuple[int, int]]:
    """``(what the shown formula gives, the value the line ends with)`` per axis in a size working."""
    import math
    import re

    steps = []
    for m in re.finditer(r"(floor|ceil)\(\((\d+) \+ 2x(\d+) - (\d+)\) / (\d+)\) \+ 1 = (\d+)(?:, [^:;]*: (\d+))?", text):
        how, n, p, k, s, shown, final = m.groups()
        exact = (int(n) + 2 * int(p) - int(k)) / int(s)
        assert int(shown) == (math.ceil(exact) if how == "ceil" else math.floor(exact)) + 1, text
        steps.append((int(shown), int(final or shown)))
    return steps


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool_size_working_arithmetic_is_right_and_ends_with_the_answer(ceil_mode: bool) -> None:
    # ceil_mode drops a last window that would start in the right padding (size 5, k 2, s 2, p 1 gives 3, not 4)
    for size in range(2, 12):
        for k in (2, 3):
            for s in (1, 2, 3):
                for pad in range(k // 2 + 1):
                    params = dict(size=size, kernel_size=k, stride=s, padding=pad, ceil_mode=ceil_mode)
                    try:
                        answer = compute("pool2d_output_size", params)
                    except ValueError:
                        continue
                    steps = _size_steps(mistakes.working("pool2d_output_size", params))
                    assert steps and steps[0][1] == answer, params


def test_values_match_shapes_and_nan() -> None:
    assert values_match([1, 2], (1.0, 2.0))
    assert not values_match([1, 2], [1, 2, 3])
    assert not values_match([[1, 2]], [1, 2])
    assert values_match([np.nan], [np.nan])
    assert not values_match("abc", 1)


_FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)
_SCALARS = st.one_of(
    _FLOATS, st.integers(-(2**70), 2**70), st.booleans(),
    _FLOATS.map(np.float64), st.integers(-(2**31), 2**31 - 1).map(np.int32),
    st.floats(allow_nan=True, width=32).map(np.float32),
)


@settings(max_examples=600, deadline=None)
@given(got=_SCALARS, expected=_SCALARS, rtol=st.sampled_from([0.0, 1e-6, 0.01]),
       atol=st.sampled_from([0.0, 1e-9, 0.0005, 1.0]))
def test_values_match_scalar_fast_path_agrees_with_allclose(got, expected, rtol, atol) -> None:
    try:
        a, b = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    except OverflowError:
        assert values_match(got, expected, rtol=rtol, atol=atol) is False
        return
    with np.errstate(all="ignore"):
        want = bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))
    assert values_match(got, expected, rtol=rtol, atol=atol) is want


@settings(max_examples=300, deadline=None)
@given(got=st.lists(_SCALARS, min_size=1, max_size=4), expected=st.lists(_SCALARS, min_size=1, max_size=4),
       rtol=st.sampled_from([0.0, 1e-6, 0.01]), atol=st.sampled_from([0.0, 1e-9, 1.0]), as_tuple=st.booleans())
def test_values_match_short_lists_agree_with_allclose(got, expected, rtol, atol, as_tuple) -> None:
    if as_tuple:
        got = tuple(got)
    if len(got) == len(expected) and all(isinstance(x, float) for x in got):
        expected = [x if i % 2 else got[i] for i, x in enumerate(expected)]  # some ties
    try:
        a, b = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    except OverflowError:
        assert values_match(got, expected, rtol=rtol, atol=atol) is False
        return
    with np.errstate(all="ignore"):
        want = a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))
    assert values_match(got, expected, rtol=rtol, atol=atol) is want


@pytest.mark.parametrize("got,expected,rtol,atol,want", [
    (27, 28, 0.0, 0.0, False), (28, 28.0, 0.0, 0.0, True), (0.957, 0.9574, 0.0, 0.0005, True),
    (0.957, 0.9576, 0.0, 0.0005, False), (101, 100, 0.01, 0.0, True), (100, 101, 0.01, 0.0, True),
    (99, 100, 0.005, 0.0, False), (float("inf"), float("inf"), 0, 0, True),
    (float("-inf"), float("inf"), 0, 0, False), (float("inf"), 1e308, 0.5, 0, False),
])
def test_values_match_scalar_edges(got, expected, rtol, atol, want) -> None:
    with np.errstate(all="ignore"):
        assert bool(np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)) is want
    assert values_match(got, expected, rtol=rtol, atol=atol) is want
