"""Gradients of conv2d and pooling: hand-worked examples, finite differences, errors."""

from __future__ import annotations

import numpy as np
import pytest

from cnnquiz import solver

X3 = [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]


# --------------------------------------------------------------------------- conv2d


def test_conv2d_backward_by_hand() -> None:
    w = [[[[1, 0], [0, 2]]]]
    gy = [[[1, 2], [3, 4]]]
    gx, gw, gb = solver.conv2d_backward(X3, w, gy)
    # dL/dW[u, v] = sum_ij gy[i, j] * x[i+u, j+v]
    #   (0,0): 1*1 + 2*2 + 3*4 + 4*5 = 37    (0,1): 1*2 + 2*3 + 3*5 + 4*6 = 47
    #   (1,0): 1*4 + 2*5 + 3*7 + 4*8 = 67    (1,1): 1*5 + 2*6 + 3*8 + 4*9 = 77
    assert gw.tolist() == [[[[37, 47], [67, 77]]]]
    assert gb.tolist() == [10]
    # dL/dx: each gy[i, j] flows to x[i+u, j+v] times w[u, v] (the full correlation with
    # the flipped kernel): w[0,0]=1 copies gy at its place, w[1,1]=2 adds 2*gy shifted by (1,1).
    assert gx.tolist() == [[[1, 2, 0], [3, 4 + 2, 4], [0, 6, 8]]]
    assert gx.dtype == gw.dtype == gb.dtype == np.int64


def test_conv2d_backward_stride_and_padding_by_hand() -> None:
    # 1x1 kernel, stride 2 on a 3x3 input: the windows read the four corners only.
    gx, gw, gb = solver.conv2d_backward(X3, [[[[3]]]], [[[1, 2], [4, 8]]], stride=2)
    assert gx.tolist() == [[[3, 0, 6], [0, 0, 0], [12, 0, 24]]]
    assert gw.tolist() == [[[[1 * 1 + 2 * 3 + 4 * 7 + 8 * 9]]]]
    assert gb.tolist() == [15]
    # With padding 1 the windows sit at input rows/cols -1, 1, 3: only x[1, 1] is real;
    # the padding's gradient is dropped and it adds nothing to dL/dW.
    gx, gw, gb = solver.conv2d_backward(X3, [[[[3]]]], np.ones((1, 3, 3), int), stride=2, padding=1)
    assert gx.tolist() == [[[0, 0, 0], [0, 3, 0], [0, 0, 0]]]
    assert gw.tolist() == [[[[5]]]]
    assert gb.tolist() == [9]


def test_conv2d_backward_equals_finite_differences() -> None:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 6, 7))
    w = rng.standard_normal((6, 2, 3, 2))
    kwargs = {"stride": (2, 1), "padding": "valid", "dilation": (1, 2), "groups": 2}
    b = rng.standard_normal(6)
    gy = rng.standard_normal(solver.conv2d(x, w, **kwargs).shape)
    gx, gw, gb = solver.conv2d_backward(x, w, gy, **kwargs)

    def loss(xx, ww, bb):
        return float(np.vdot(solver.conv2d(xx, ww, bb, **kwargs), gy))

    # The loss is linear in each argument: one central difference is exact up to rounding.
    for grad, arg in ((gx, 0), (gw, 1), (gb, 2)):
        base = [x, w, b]
        for index in [tuple(rng.integers(0, n) for n in grad.shape) for _ in range(5)]:
            plus = [a.copy() for a in base]
            minus = [a.copy() for a in base]
            plus[arg][index] += 0.5
            minus[arg][index] -= 0.5
            assert loss(*plus) - loss(*minus) == pytest.approx(grad[index], rel=1e-9, abs=1e-9)


def test_conv2d_backward_same_padding_keeps_the_input_shape() -> None:
    gx, gw, _ = solver.conv2d_backward(np.ones((1, 4, 5)), np.ones((2, 1, 2, 4)), np.ones((2, 4, 5)), padding="same")
    assert gx.shape == (1, 4, 5) and gw.shape == (2, 1, 2, 4)
    # Every output sees a 2x4 window; the border pixels are seen by fewer windows.
    assert gx[0, 0].tolist() == [4.0, 6.0, 8.0, 8.0, 6.0]


# --------------------------------------------------------------------------- max pooling


def test_max_pool_backward_routes_to_the_maximum() -> None:
    x = [[[1, 2, 5, 6], [3, 4, 7, 8], [0, 0, 1, 1], [0, 9, 1, 1]]]
    gx = solver.max_pool2d_backward(x, [[[10, 20], [30, 40]]], 2)
    # maxima 4, 8, 9 and a four-way tie of 1s that goes to the first (top-left)
    assert gx.tolist() == [[[0, 0, 0, 0], [0, 10, 0, 20], [0, 0, 40, 0], [0, 30, 0, 0]]]
    assert gx.dtype == np.int64


def test_max_pool_backward_overlapping_windows_add_up() -> None:
    # k3 s1 over a 3x4 row: the 9 is the maximum of both windows.
    x = [[[1, 1, 1, 1], [1, 9, 1, 1], [1, 1, 1, 2]]]
    gx = solver.max_pool2d_backward(x, [[[5, 7]]], 3, stride=1)
    assert gx.tolist() == [[[0, 0, 0, 0], [0, 12, 0, 0], [0, 0, 0, 0]]]


def test_max_pool_backward_padding_ceil_and_negatives() -> None:
    # All negative: the padding (PyTorch's -inf) never wins, so every window routes to
    # a real pixel. k2 s2 p1 ceil on 3x3 -> 2x2 windows over padded rows -1..0, 1..2.
    x = -np.arange(1, 10).reshape(1, 3, 3)
    gx = solver.max_pool2d_backward(x, np.ones((1, 2, 2)), 2, stride=2, padding=1, ceil_mode=True)
    assert gx.tolist() == [[[1, 1, 0], [1, 1, 0], [0, 0, 0]]]


def test_max_pool_backward_nan_goes_to_the_last_nan() -> None:
    x = np.array([[[np.nan, 1.0], [np.nan, 5.0]]])
    assert solver.max_pool2d_backward(x, [[[1.0]]], 2)[0].tolist() == [[0, 0], [1, 0]]  # the last NaN


def test_max_pool_backward_all_minus_inf_goes_to_first_input_pixel() -> None:
    # Windows k2 s1 p1 on a 2x2 of -inf: each window's first in-bounds pixel gets it.
    x = np.full((1, 2, 2), -np.inf)
    gx = solver.max_pool2d_backward(x, np.ones((1, 3, 3)), 2, stride=1, padding=1)
    # windows (i, j) cover input rows i-1..i, cols j-1..j; first in-bounds = (max(i-1,0), max(j-1,0))
    assert gx[0].tolist() == [[4.0, 2.0], [2.0, 1.0]]


def test_max_pool_backward_window_entirely_in_padding_passes_nothing() -> None:
    # k2 dilation 2 padding 1 on width 1: the taps land on columns -1 and 1, both padding.
    x = np.array([[[3.0], [4.0]]])
    forward = solver.max_pool2d(x, (1, 2), stride=1, padding=(0, 1), dilation=(1, 2))
    assert np.isneginf(forward).all()
    gx = solver.max_pool2d_backward(x, np.ones(forward.shape), (1, 2), stride=1, padding=(0, 1), dilation=(1, 2))
    assert gx.tolist() == [[[0.0], [0.0]]]


# --------------------------------------------------------------------------- avg pooling


def test_avg_pool_backward_shares_equally() -> None:
    gx = solver.avg_pool2d_backward(np.zeros((1, 4, 4)), [[[4, 8], [12, 16]]], 2)
    assert gx[0].tolist() == [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    assert gx.dtype == np.float64


def test_avg_pool_backward_padding_divisor() -> None:
    # k3 s2 p1 on 3x3 -> 2x2; the top-left window covers input rows/cols 0..1 (4 pixels)
    # inside a 3x3 window: divisor 9 with count_include_pad, 4 without.
    gy = [[[36, 0], [0, 0]]]
    with_pad = solver.avg_pool2d_backward(np.zeros((1, 3, 3)), gy, 3, stride=2, padding=1)
    without = solver.avg_pool2d_backward(np.zeros((1, 3, 3)), gy, 3, stride=2, padding=1, count_include_pad=False)
    assert with_pad[0].tolist() == [[4, 4, 0], [4, 4, 0], [0, 0, 0]]
    assert without[0].tolist() == [[9, 9, 0], [9, 9, 0], [0, 0, 0]]


def test_pool_backward_is_the_adjoint_of_avg_pool() -> None:
    rng = np.random.default_rng(11)
    for kwargs in ({"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
                   {"kernel_size": (2, 3), "stride": 1, "padding": (1, 0)}):
        x = rng.standard_normal((2, 7, 6))
        y = solver.avg_pool2d(x, **kwargs)
        g = rng.standard_normal(y.shape)
        gx = solver.avg_pool2d_backward(x, g, **kwargs)
        assert float(np.vdot(y, g)) == pytest.approx(float(np.vdot(x, gx)), rel=1e-12)


def test_one_window_with_a_huge_stride() -> None:
    """A stride beyond int64 is fine when there is a single window (as in the forward ops)."""
    x = np.arange(9.0).reshape(1, 3, 3)
    assert solver.max_pool2d_backward(x, [[[1.0]]], 2, stride=2**70)[0].tolist() == [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    assert solver.avg_pool2d_backward(x, [[[4.0]]], 2, stride=2**70)[0].tolist() == [[1, 1, 0], [1, 1, 0], [0, 0, 0]]
    gx, gw, _ = solver.conv2d_backward(x, np.ones((1, 1, 2, 2)), [[[1.0]]], stride=2**70)
    assert gx[0].tolist() == [[1, 1, 0], [1, 1, 0], [0, 0, 0]] and gw[0, 0].tolist() == [[0, 1], [3, 4]]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: solver.conv2d_backward(X3, [[[[1, 0], [0, 2]]]], [[[1, 2, 3]]]),
         r"grad_output must have the shape of conv2d's output, \(1, 2, 2\); got shape \(1, 1, 3\)"),
        (lambda: solver.conv2d_backward(X3, [[[[1]]]], [[1, 2]]), r"grad_output must have shape \(C, Ho, Wo\)"),
        (lambda: solver.conv2d_backward(X3, [[[[1]]], [[[1]]]], np.ones((2, 3, 3)), groups=2),
         r"groups must divide both input channels \(1\) and filters \(2\); got groups=2"),
        (lambda: solver.conv2d_backward(np.ones((2, 3, 3)), np.ones((1, 1, 1, 1)), np.ones((1, 3, 3))),
         r"weight has 1 input channels per group but x has 2 channels"),
        (lambda: solver.conv2d_backward(X3, np.ones((1, 1, 4, 4)), np.ones((1, 1, 1))), r"larger than the padded input"),
        (lambda: solver.conv2d_backward(X3, np.ones((1, 1, 1, 1)), np.ones((1, 2, 2)), stride=2, padding="same"),
         r"padding='same' needs stride 1"),
        (lambda: solver.conv2d_backward(X3, [[[[1]]]], np.ones((1, 3, 3), complex)), r"grad_output must be a real"),
        (lambda: solver.max_pool2d_backward(X3, [[[1, 2]]], 2), r"grad_output must have the shape of max_pool2d's output, \(1, 1, 1\)"),
        (lambda: solver.max_pool2d_backward(X3, [[[1]]], 2, padding=2), r"padding must be at most half of kernel_size"),
        (lambda: solver.max_pool2d_backward(X3, [[[1]]], 4), r"larger than the padded input"),
        (lambda: solver.max_pool2d_backward(X3, [[[1]]], 2, ceil_mode="yes"), r"ceil_mode must be True or False"),
        (lambda: solver.max_pool2d_backward(X3, np.full((1, 1, 1), 2**53), 2), r"grad_output values are too large"),
        (lambda: solver.avg_pool2d_backward(X3, [[[1, 2]]], 2), r"grad_output must have the shape of avg_pool2d's output"),
        (lambda: solver.avg_pool2d_backward(X3, [[[1]]], 2, count_include_pad=2), r"count_include_pad must be True or False"),
        (lambda: solver.avg_pool2d_backward(X3, [[[1]]], 0), r"kernel_size must be >= 1; got kernel_size=0"),
    ],
)
def test_errors(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()
