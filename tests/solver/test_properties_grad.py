"""Property tests of contract 1b: transposed convolution and the gradients vs plain loops.

The references (tests/solver/loops.py) loop over every pixel and tap, as PyTorch
defines the operations. Inputs are small integers (many ties for max-pooling),
sometimes as floats; integer inputs must give exactly equal integer results.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnquiz import solver

from .loops import Invalid, ref_conv2d, ref_conv2d_backward, ref_conv_transpose2d, ref_pool2d, ref_pool2d_backward
from .strategies import dtype_variant as _dtype
from .strategies import int_array, pairs, size_like

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assert_equal(got: np.ndarray, expected: np.ndarray) -> None:
    assert got.shape == expected.shape
    if np.issubdtype(expected.dtype, np.integer):
        assert np.issubdtype(got.dtype, np.integer), got.dtype
        np.testing.assert_array_equal(got, expected)
    else:
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@st.composite
def transpose_args(draw):
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    c, kg = groups * draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel, stride, dilation = draw(pairs(1, 3)), draw(pairs(1, 3)), draw(pairs(1, 2))
    floats = draw(st.booleans())
    x = _dtype(draw, int_array(draw, (c, *draw(pairs(1, 4))), floats))
    weight = int_array(draw, (c, kg, *kernel), floats)
    bias = int_array(draw, (kg * groups,), floats) if draw(st.booleans()) else None
    kwargs = {"stride": size_like(draw, stride), "padding": size_like(draw, draw(pairs(0, 2))),
              "output_padding": size_like(draw, draw(pairs(0, 2))), "groups": groups,
              "dilation": size_like(draw, dilation)}
    return x, weight, bias, kwargs


@SETTINGS
@given(transpose_args())
def test_conv_transpose2d_equals_loops(args) -> None:
    x, weight, bias, kwargs = args
    try:
        expected = ref_conv_transpose2d(x, weight, bias, **kwargs)
    except Invalid:
        try:
            solver.conv_transpose2d(x, weight, bias, **kwargs)
        except ValueError:
            return
        raise AssertionError(f"solver accepted arguments PyTorch rejects: {kwargs}") from None
    got = solver.conv_transpose2d(x, weight, bias, **kwargs)
    _assert_equal(got, expected)
    size_kwargs = {k: v for k, v in kwargs.items() if k != "groups"}
    assert got.shape[1:] == solver.conv_transpose2d_output_size(x.shape[1:], weight.shape[2:], **size_kwargs)


@st.composite
def conv_backward_args(draw):
    groups = draw(st.sampled_from([1, 1, 2]))
    c, k = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = draw(pairs(1, 3))
    if draw(st.integers(0, 4)) == 0:
        stride: Any = (1, 1)
        padding: Any = draw(st.sampled_from(["same", "valid"]))
    else:
        stride, padding = draw(pairs(1, 3)), size_like(draw, draw(pairs(0, 2)))
    floats = draw(st.booleans())
    x = _dtype(draw, int_array(draw, (c, *draw(pairs(1, 7))), floats))
    weight = int_array(draw, (k, c // groups, *kernel), floats)
    kwargs = {"stride": size_like(draw, stride), "padding": padding,
              "dilation": size_like(draw, draw(pairs(1, 2))), "groups": groups}
    return x, weight, kwargs


@SETTINGS
@given(st.data(), conv_backward_args())
def test_conv2d_backward_equals_loops(data, args) -> None:
    x, weight, kwargs = args
    try:
        shape = ref_conv2d(x, weight, None, **kwargs).shape
    except Invalid:
        return  # test_properties covers the forward pass's errors
    gy = int_array(data.draw, shape, data.draw(st.booleans()))
    expected = ref_conv2d_backward(x, weight, gy, **kwargs)
    for got, want in zip(solver.conv2d_backward(x, weight, gy, **kwargs), expected):
        if want.dtype.kind == "f":
            want = want.astype(np.float64)
        _assert_equal(got, want)


@st.composite
def pool_backward_args(draw, avg: bool):
    kernel = draw(pairs(1, 4))
    kwargs: dict[str, Any] = {"kernel_size": size_like(draw, kernel)}
    stride = draw(st.one_of(st.none(), pairs(1, 3)))
    kwargs["stride"] = None if stride is None else size_like(draw, stride)
    kwargs["padding"] = size_like(draw, (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2))))
    if not avg:
        kwargs["dilation"] = size_like(draw, draw(pairs(1, 2)))
    kwargs["ceil_mode"] = draw(st.booleans())
    if avg:
        kwargs["count_include_pad"] = draw(st.booleans())
    x = int_array(draw, (draw(st.integers(1, 2)), *draw(pairs(1, 8))), draw(st.booleans()))
    if not avg and x.dtype.kind == "f" and draw(st.integers(0, 5)) == 0:
        x[tuple(draw(st.integers(0, n - 1)) for n in x.shape)] = np.nan  # NaN routes like PyTorch
    return _dtype(draw, x), kwargs


def _check_pool_backward(data, x, kwargs, mode: str) -> None:
    forward = solver.max_pool2d if mode == "max" else solver.avg_pool2d
    try:
        ref_pool2d(np.nan_to_num(x), mode=mode, **({"dilation": 1} if mode == "avg" else {}), **kwargs)
    except Invalid:
        return
    y = forward(x, **kwargs)
    gy = int_array(data.draw, y.shape, data.draw(st.booleans()))
    expected = ref_pool2d_backward(x, gy, mode=mode, **({"dilation": 1} if mode == "avg" else {}), **kwargs)
    backward = solver.max_pool2d_backward if mode == "max" else solver.avg_pool2d_backward
    _assert_equal(backward(x, gy, **kwargs), expected)


@SETTINGS
@given(st.data(), pool_backward_args(avg=False))
def test_max_pool2d_backward_equals_loops(data, args) -> None:
    _check_pool_backward(data, *args, mode="max")


@SETTINGS
@given(st.data(), pool_backward_args(avg=True))
def test_avg_pool2d_backward_equals_loops(data, args) -> None:
    _check_pool_backward(data, *args, mode="avg")


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 64), st.integers(1, 64), pairs(1, 7), pairs(1, 30), st.sampled_from([1, 2, 4]))
def test_macs_count_one_multiply_add_per_weight_and_output(cin, cout, kernel, out, groups) -> None:
    cin, cout = cin * groups, cout * groups
    weights = solver.conv2d_params(cin, cout, kernel, bias=False, groups=groups)
    assert solver.conv2d_macs(cin, cout, kernel, out, groups) == weights * out[0] * out[1]
