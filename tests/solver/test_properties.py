"""Property tests: the vectorized solver equals plain loops written from PyTorch's definitions.

The reference functions below loop over every output pixel and every kernel tap,
exactly as the PyTorch docs define conv2d / max_pool2d / avg_pool2d, and apply
PyTorch's argument checks. Where the reference says "invalid" the solver must raise
ValueError; otherwise the results must be equal (exactly for integer inputs).
"""

from __future__ import annotations

import warnings
from typing import Any
from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnquiz import solver
from cnnquiz.solver import ops

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


from .loops import Invalid, ref_conv2d, ref_conv_out, ref_pool2d, ref_pool_out
from .strategies import dtype_variant
from .strategies import int_array as _array
from .strategies import pairs as _pairs
from .strategies import size_like as _size_like


# --------------------------------------------------------------------------- strategies


@st.composite
def conv_args(draw):
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    c = groups * draw(st.integers(1, 2))
    k = groups * draw(st.integers(1, 2))
    kernel, dilation = draw(_pairs(1, 3)), draw(_pairs(1, 2))
    if draw(st.booleans()):
        padding: Any = draw(st.sampled_from(["same", "valid"]))
        stride = draw(st.sampled_from([(1, 1), (1, 1), (1, 2)]))  # same + stride 2 must raise
    else:
        padding = _size_like(draw, draw(_pairs(0, 2)))
        stride = draw(_pairs(1, 3))
    h, w = draw(_pairs(1, 7))
    floats = draw(st.booleans())
    x = _array(draw, (c, h, w), floats)
    weight = _array(draw, (k, c // groups, *kernel), floats)
    bias = _array(draw, (k,), floats) if draw(st.booleans()) else None
    kwargs = {
        "stride": _size_like(draw, stride),
        "padding": padding,
        "dilation": _size_like(draw, dilation),
        "groups": groups,
    }
    return x, weight, bias, kwargs


@st.composite
def pool_args(draw, avg: bool):
    kernel = draw(_pairs(1, 4))
    kwargs: dict[str, Any] = {"kernel_size": _size_like(draw, kernel)}
    stride = draw(st.one_of(st.none(), _pairs(1, 3)))
    kwargs["stride"] = None if stride is None else _size_like(draw, stride)
    kwargs["padding"] = _size_like(draw, draw(_pairs(0, 2)))  # may exceed half the kernel
    if not avg:
        kwargs["dilation"] = _size_like(draw, draw(_pairs(1, 2)))
    kwargs["ceil_mode"] = draw(st.booleans())
    if avg:
        kwargs["count_include_pad"] = draw(st.booleans())
    shape = (draw(st.integers(1, 2)), *draw(_pairs(1, 8)))
    return dtype_variant(draw, _array(draw, shape, draw(st.booleans()))), kwargs


def _expect_same(reference, fn, *args, **kwargs) -> np.ndarray | None:
    """Run the reference; if it rejects the arguments the solver must raise ValueError."""
    try:
        expected = reference()
    except Invalid:
        try:
            fn(*args, **kwargs)
        except ValueError:
            return None
        raise AssertionError(f"solver accepted arguments PyTorch rejects: {kwargs}") from None
    got = fn(*args, **kwargs)
    assert got.shape == expected.shape
    if np.issubdtype(expected.dtype, np.integer):
        assert np.issubdtype(got.dtype, np.integer), got.dtype
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    return got


# --------------------------------------------------------------------------- properties


@SETTINGS
@given(conv_args())
def test_conv2d_equals_loops(args) -> None:
    x, weight, bias, kwargs = args
    got = _expect_same(lambda: ref_conv2d(x, weight, bias, **kwargs), solver.conv2d, x, weight, bias, **kwargs)
    if got is not None:
        size = solver.conv2d_output_size(
            x.shape[1:], weight.shape[2:], kwargs["stride"], kwargs["padding"], kwargs["dilation"]
        )
        assert got.shape == (weight.shape[0], *size)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conv_args(), st.integers(1, 3))
def test_conv2d_in_row_chunks_equals_loops(args, rows) -> None:
    """Large images are convolved in row chunks; force chunks of 1-3 rows on small ones."""
    x, weight, bias, kwargs = args
    kwargs["groups"] = 1
    weight = np.concatenate([weight] * (x.shape[0] // weight.shape[1]), axis=1)
    try:
        expected = ref_conv2d(x, weight, bias, **kwargs)
    except Invalid:
        return
    chunk_columns = rows * expected.shape[2]  # _MIN_CHUNK // Wo == rows
    with mock.patch.object(ops, "_CHUNK_MACS", 0), mock.patch.object(ops, "_MIN_CHUNK", chunk_columns):
        got = solver.conv2d(x, weight, bias, **kwargs)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@st.composite
def fast_path_conv_args(draw):
    """Arguments for conv2d's special paths: depthwise stride 1 (with a channel
    multiplier) and 1x1 stride 1 without padding."""
    c = draw(st.integers(1, 3))
    floats = draw(st.booleans())
    x = dtype_variant(draw, _array(draw, (c, *draw(_pairs(1, 7))), floats))
    if draw(st.booleans()):
        k = c * draw(st.integers(1, 3))
        weight = _array(draw, (k, 1, *draw(_pairs(1, 3))), floats)
        padding = draw(st.one_of(st.sampled_from(["same", "valid"]), _pairs(0, 2)))
        kwargs = {"stride": 1, "padding": padding, "dilation": draw(_pairs(1, 2)), "groups": c}
    else:
        weight = _array(draw, (draw(st.integers(1, 3)), c, 1, 1), floats)
        kwargs = {"stride": 1, "padding": 0, "dilation": draw(_pairs(1, 2)), "groups": 1}
    bias = _array(draw, (weight.shape[0],), floats) if draw(st.booleans()) else None
    return x, weight, bias, kwargs


@SETTINGS
@given(fast_path_conv_args())
def test_conv2d_depthwise_and_pointwise_paths_equal_loops(args) -> None:
    x, weight, bias, kwargs = args
    _expect_same(lambda: ref_conv2d(x, weight, bias, **kwargs), solver.conv2d, x, weight, bias, **kwargs)


@SETTINGS
@given(pool_args(avg=False))
def test_max_pool2d_equals_loops(args) -> None:
    x, kwargs = args
    got = _expect_same(lambda: ref_pool2d(x, mode="max", **kwargs), solver.max_pool2d, x, **kwargs)
    if got is not None:
        assert got.shape == (x.shape[0], *solver.pool2d_output_size(x.shape[1:], **kwargs))
        assert got.dtype == (np.int8 if x.dtype == bool else x.dtype)


@SETTINGS
@given(pool_args(avg=True))
def test_avg_pool2d_equals_loops(args) -> None:
    x, kwargs = args
    got = _expect_same(lambda: ref_pool2d(x, dilation=1, mode="avg", **kwargs), solver.avg_pool2d, x, **kwargs)
    if got is not None:
        size_kwargs = {k: v for k, v in kwargs.items() if k != "count_include_pad"}
        assert got.shape == (x.shape[0], *solver.pool2d_output_size(x.shape[1:], **size_kwargs))


@SETTINGS
@given(pool_args(avg=False))
def test_max_pool2d_separable_path_equals_loops(args) -> None:
    """Larger inputs pool in separable passes (columns, then rows); force it on small ones."""
    x, kwargs = args
    with mock.patch.object(ops, "_SEPARABLE_MIN", 0):
        got = _expect_same(lambda: ref_pool2d(x, mode="max", **kwargs), solver.max_pool2d, x, **kwargs)
    if got is not None:
        assert got.dtype == (np.int8 if x.dtype == bool else x.dtype)


@SETTINGS
@given(pool_args(avg=True))
def test_avg_pool2d_separable_path_equals_loops(args) -> None:
    x, kwargs = args
    with mock.patch.object(ops, "_SEPARABLE_MIN", 0):
        _expect_same(lambda: ref_pool2d(x, dilation=1, mode="avg", **kwargs), solver.avg_pool2d, x, **kwargs)


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(1, 300), k=st.integers(1, 12), s=st.integers(1, 6), p=st.integers(0, 6),
    d=st.integers(1, 4), ceil_mode=st.booleans(),
)
def test_output_sizes_equal_window_counts(n, k, s, p, d, ceil_mode) -> None:
    for ref, fn, kwargs in (
        (lambda: ref_conv_out(n, k, s, p, p, d), solver.conv2d_output_size, {}),
        (lambda: ref_pool_out(n, k, s, p, d, ceil_mode), solver.pool2d_output_size, {"ceil_mode": ceil_mode}),
    ):
        try:
            expected = ref()
        except Invalid:
            try:
                fn(n, k, s, p, d, **kwargs)
            except ValueError:
                continue
            raise AssertionError("solver accepted an output size below 1") from None
        got = fn(n, k, s, p, d, **kwargs)
        assert type(got) is int and got == expected
        assert fn((n, n + 1), (k, k), s, p, d, **kwargs)[0] == expected


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(finite, min_size=1, max_size=12))
def test_softmax_sums_to_one_without_warnings(z) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = solver.softmax(z)
    assert np.all(np.isfinite(p)) and np.all(p >= 0)
    assert abs(p.sum() - 1.0) < 1e-12
    assert p[int(np.argmax(z))] == p.max()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=12), st.floats(-1e6, 1e6))
def test_softmax_is_shift_invariant(z, shift) -> None:
    np.testing.assert_allclose(solver.softmax(np.array(z) + shift), solver.softmax(z), atol=1e-6)


@settings(max_examples=200, deadline=None)
@given(st.lists(finite, min_size=1, max_size=12))
def test_sigmoid_and_relu_stay_finite_and_ordered(x) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = solver.sigmoid(x)
        r = solver.relu(x)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s + solver.sigmoid(-np.array(x)), 1.0, rtol=1e-15, atol=1e-15)
    np.testing.assert_array_equal(r, np.maximum(x, 0))
