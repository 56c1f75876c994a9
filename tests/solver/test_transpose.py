"""Transposed convolution: hand-worked examples, its output size, and its errors."""

from __future__ import annotations

import numpy as np
import pytest

from cnnquiz import solver

# Dive into Deep Learning, section 14.10 ("Transposed Convolution"), worked by hand:
# each input value stamps the kernel scaled by itself; overlapping stamps add.
D2L_X = [[[0, 1], [2, 3]]]
D2L_K = [[[[0, 1], [2, 3]]]]


def test_d2l_stride_1() -> None:
    # 0*K at (0,0); 1*K at (0,1); 2*K at (1,0); 3*K at (1,1)
    expected = [[0, 0, 1], [0, 4, 6], [4, 12, 9]]
    got = solver.conv_transpose2d(D2L_X, D2L_K)
    assert got.dtype == np.int64
    assert got[0].tolist() == expected


def test_d2l_stride_2_places_stamps_apart() -> None:
    expected = [[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3], [4, 6, 6, 9]]
    assert solver.conv_transpose2d(D2L_X, D2L_K, stride=2)[0].tolist() == expected


def test_d2l_padding_crops_each_side() -> None:
    # PyTorch's padding crops the full 3x3 result by one pixel on every side.
    assert solver.conv_transpose2d(D2L_X, D2L_K, padding=1)[0].tolist() == [[4]]


def test_output_padding_adds_bottom_right() -> None:
    # Encoder-decoder: a 2x2 map upsampled with k3 s2 p1 gives 3x3; output_padding=1
    # restores the 4x4 that a stride-2 encoder came from.
    x = [[[1, 2], [3, 4]]]
    k = [[[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]]
    plain = solver.conv_transpose2d(x, k, stride=2, padding=1)
    extra = solver.conv_transpose2d(x, k, stride=2, padding=1, output_padding=1)
    # Full 5x5: rows/cols 0-2 get x[0], 2-4 get x[1]; cropping 1 leaves rows 1..3.
    assert plain[0].tolist() == [[1, 3, 2], [4, 10, 6], [3, 7, 4]]
    assert extra[0].tolist() == [[1, 3, 2, 2], [4, 10, 6, 6], [3, 7, 4, 4], [3, 7, 4, 4]]


def test_bias_and_channels() -> None:
    x = np.array([[[1]], [[2]]])  # 2 channels, 1x1
    w = np.arange(2 * 3 * 2 * 2).reshape(2, 3, 2, 2)  # (C, K, kh, kw)
    got = solver.conv_transpose2d(x, w, bias=[10, 20, 30])
    np.testing.assert_array_equal(got, w[0] * 1 + w[1] * 2 + np.array([10, 20, 30])[:, None, None])


def test_groups_keep_channels_apart() -> None:
    x = np.array([[[1]], [[2]]])
    w = np.array([[[[1]]], [[[5]]]])  # (C=2, K/groups=1, 1, 1)
    assert solver.conv_transpose2d(x, w, groups=2)[:, 0, 0].tolist() == [1, 10]
    assert solver.conv_transpose2d(x, np.array([[[[1]], [[3]]], [[[5]], [[7]]]]))[:, 0, 0].tolist() == [11, 17]


def test_dilation_spreads_the_kernel() -> None:
    got = solver.conv_transpose2d([[[1]]], [[[[1, 2]]]], dilation=(1, 3))
    assert got[0].tolist() == [[1, 0, 0, 2]]


def test_float_inputs_give_float() -> None:
    got = solver.conv_transpose2d(np.array(D2L_X, float) / 2, D2L_K)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got[0], np.array([[0, 0, 1], [0, 4, 6], [4, 12, 9]]) / 2)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((2, 2), 3),
        ((2, 2, 2), 4),
        ((16, 3, 2, 1, 1), 32),  # the decoder step that undoes a k3 s2 p1 conv of 32
        ((16, 3, 2, 1, 0), 31),
        ((5, 4, 2, 1), 10),  # DCGAN's k4 s2 p1 doubles the size
        (((7, 5), (4, 3), (2, 1), (1, 0)), (14, 7)),
        ((3, 3, 1, 0, 1, 2), 8),  # output_padding below dilation is allowed with stride 1
    ],
)
def test_output_size(args, expected) -> None:
    assert solver.conv_transpose2d_output_size(*args) == expected


def test_output_size_matches_the_op() -> None:
    x = np.ones((1, 5, 4))
    for kwargs in ({"stride": 2, "padding": 1, "output_padding": 1}, {"stride": (3, 1), "dilation": 2}):
        got = solver.conv_transpose2d(x, np.ones((1, 2, 3, 2)), **kwargs)
        assert got.shape[1:] == solver.conv_transpose2d_output_size((5, 4), (3, 2), **kwargs)


def test_transpose_is_the_adjoint_of_conv2d() -> None:
    """<conv2d(x, W), y> == <x, conv_transpose2d(y, W)>: the defining property.

    ``output_padding`` restores the rows/columns a strided conv2d maps onto the same
    output size; with it, the transposed convolution has exactly x's shape.
    """
    rng = np.random.default_rng(3)
    for stride, padding, dilation, groups in (((2, 1), (1, 0), (1, 2), 1), (3, 1, 1, 2), (1, 2, 2, 2)):
        x = rng.standard_normal((4, 9, 8))
        w = rng.standard_normal((6, 2 if groups == 2 else 4, 3, 2))
        y = solver.conv2d(x, w, stride=stride, padding=padding, dilation=dilation, groups=groups)
        g = rng.standard_normal(y.shape)
        plain = solver.conv_transpose2d_output_size(y.shape[1:], (3, 2), stride, padding, 0, dilation)
        extra = (9 - plain[0], 8 - plain[1])
        back = solver.conv_transpose2d(g, w, stride=stride, padding=padding, output_padding=extra,
                                       dilation=dilation, groups=groups)
        assert back.shape == x.shape
        assert float(np.vdot(y, g)) == pytest.approx(float(np.vdot(x, back)), rel=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: solver.conv_transpose2d_output_size(4, 3, stride=2, output_padding=2),
         r"output_padding must be smaller than stride or dilation .*got output_padding=2"),
        (lambda: solver.conv_transpose2d_output_size(4, 3, output_padding=1),
         r"output_padding must be smaller than stride or dilation"),
        (lambda: solver.conv_transpose2d_output_size(1, 1, padding=1), r"padding=1 crops the whole output along height"),
        (lambda: solver.conv_transpose2d_output_size((4, 1), (1, 1), padding=(0, 1)),
         r"padding=\(0, 1\) crops the whole output along width"),
        (lambda: solver.conv_transpose2d_output_size(4, 3, padding="same"), r"padding must be an int or a pair"),
        (lambda: solver.conv_transpose2d_output_size(4, 0), r"kernel_size must be >= 1; got kernel_size=0"),
        (lambda: solver.conv_transpose2d_output_size(4, 3, stride=0), r"stride must be >= 1; got stride=0"),
        (lambda: solver.conv_transpose2d_output_size(4, 3, output_padding=-1), r"output_padding must be >= 0"),
        (lambda: solver.conv_transpose2d_output_size(4, (3, 2)), r"kernel_size must be an int when size is an int"),
        (lambda: solver.conv_transpose2d(np.ones((2, 3, 3)), np.ones((3, 1, 2, 2))),
         r"weight has 3 input channels but x has 2"),
        (lambda: solver.conv_transpose2d(np.ones((3, 3, 3)), np.ones((3, 1, 2, 2)), groups=2),
         r"groups must divide the input channels \(3\); got groups=2"),
        (lambda: solver.conv_transpose2d(np.ones((2, 3, 3)), np.ones((2, 2, 2, 2)), bias=[1, 2, 3]),
         r"bias must have shape \(2,\)"),
        (lambda: solver.conv_transpose2d(np.ones((2, 3, 3)), np.ones((2, 2, 2, 2)), groups=2, bias=[1, 2]),
         r"bias must have shape \(4,\)"),
        (lambda: solver.conv_transpose2d(np.ones((3, 3)), np.ones((1, 1, 2, 2))), r"x must have shape \(C, H, W\)"),
        (lambda: solver.conv_transpose2d(np.ones((1, 3, 3)), np.ones((1, 2, 2))), r"weight must have shape"),
        (lambda: solver.conv_transpose2d(np.ones((1, 3, 3)), np.ones((1, 1, 2, 2)), groups=0),
         r"groups must be >= 1; got groups=0"),
        (lambda: solver.conv_transpose2d(np.ones((1, 2, 2)), np.ones((1, 1, 1, 1)), stride=2**40),
         r"the result would have .* elements .*got stride=1099511627776"),
        (lambda: solver.conv_transpose2d(np.ones((1, 1, 1), int) * 2**40, np.ones((1, 1, 1, 1), int) * 2**20),
         r"too large for exact integer arithmetic"),
    ],
)
def test_errors(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_float_inputs_have_no_exactness_limit() -> None:
    # The integer check (sums below 2**52) does not apply once either input is float.
    got = solver.conv_transpose2d(np.ones((1, 1, 1)) * 2.0**40, np.ones((1, 1, 1, 1), int) * 2**20)
    assert got.dtype == np.float64 and got[0, 0, 0] == 2.0**60
