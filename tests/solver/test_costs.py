"""Multiply-accumulates, checked against hand counts and published network totals."""

from __future__ import annotations

import pytest

from cnnquiz import solver


def test_conv2d_macs_by_hand() -> None:
    # Each of 10 * 32 * 32 outputs takes 3 * 5 * 5 multiply-adds.
    assert solver.conv2d_macs(3, 10, 5, 32) == 10 * 32 * 32 * 3 * 5 * 5
    assert solver.conv2d_macs(4, 6, (3, 2), (7, 5)) == 6 * 7 * 5 * 4 * 3 * 2
    assert solver.conv2d_macs(32, 64, 1, 56) == 64 * 56 * 56 * 32


def test_groups_divide_the_work() -> None:
    standard = solver.conv2d_macs(32, 64, 3, 56)
    depthwise = solver.conv2d_macs(32, 32, 3, 56, groups=32)
    pointwise = solver.conv2d_macs(32, 64, 1, 56)
    assert depthwise == 32 * 9 * 56 * 56
    # depthwise-separable / standard = 1/K + 1/k^2 (MobileNet's ratio)
    assert (depthwise + pointwise) / standard == pytest.approx(1 / 64 + 1 / 9)
    assert solver.conv2d_macs(8, 8, 3, 4, groups=2) == solver.conv2d_macs(8, 8, 3, 4) // 2


def test_macs_are_params_without_bias_times_positions() -> None:
    for cin, cout, k, g in ((3, 64, 3, 1), (32, 32, 3, 32), (6, 12, (1, 5), 3)):
        params = solver.conv2d_params(cin, cout, k, bias=False, groups=g)
        assert solver.conv2d_macs(cin, cout, k, (13, 9), groups=g) == params * 13 * 9


def test_vgg16_first_layer_and_lenet_totals() -> None:
    assert solver.conv2d_macs(3, 64, 3, 224) == 86_704_128
    # LeNet-5 (classic): two convs and three linear layers, 0.42 M MACs.
    lenet = (solver.conv2d_macs(1, 6, 5, 28) + solver.conv2d_macs(6, 16, 5, 10)
             + solver.linear_macs(400, 120) + solver.linear_macs(120, 84) + solver.linear_macs(84, 10))
    assert lenet == 416_520


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: solver.conv2d_macs(4, 6, 3, 8, groups=3), r"in_channels must be divisible by groups; got in_channels=4, groups=3"),
        (lambda: solver.conv2d_macs(6, 4, 3, 8, groups=3), r"out_channels must be divisible by groups; got out_channels=4"),
        (lambda: solver.conv2d_macs(3, 6, 3, 0), r"output_size must be >= 1; got output_size=0"),
        (lambda: solver.conv2d_macs(3, 6, (3, 3, 3), 4), r"kernel_size must be an int or a pair"),
        (lambda: solver.conv2d_macs(0, 6, 3, 4), r"in_channels must be >= 1; got in_channels=0"),
        (lambda: solver.conv2d_macs(3, 6, 3, 4, groups=0), r"groups must be >= 1; got groups=0"),
        (lambda: solver.conv2d_macs(3, 6, 3, 4.5), r"output_size must be an integer; got output_size=4.5"),
        (lambda: solver.linear_macs(10, 0), r"out_features must be >= 1; got out_features=0"),
    ],
)
def test_errors(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()
