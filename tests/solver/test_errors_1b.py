"""Contract 1b under junk arguments: a ValueError, never another exception or a warning.

Mirrors tests/solver/test_errors.py (whose junk values and array strategies it reuses)
for transposed convolution, the gradients, the MACs and the sliding-window formula.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from cnnquiz import solver

from .test_errors import JUNK_SETTINGS, _junk_arrays, _mostly, _only_value_error, _weights, flags, junk, pads, sizes

grads = st.one_of(_junk_arrays(), st.just(np.ones((1, 2, 2))), st.just(np.ones((2, 1, 1), int)))


@JUNK_SETTINGS
@given(_junk_arrays(), _weights(), st.one_of(st.none(), st.just(np.ones(2)), junk), sizes, pads, pads, _mostly(1, 2),
       sizes)
def test_conv_transpose2d_junk_raises_only_value_error(x, weight, bias, stride, padding, extra, groups,
                                                        dilation) -> None:
    _only_value_error(lambda: solver.conv_transpose2d(x, weight, bias, stride, padding, extra, groups, dilation))


@JUNK_SETTINGS
@given(_junk_arrays(), _weights(), grads, sizes, _mostly(0, 1, "same", "valid"), sizes, _mostly(1, 2))
def test_conv2d_backward_junk_raises_only_value_error(x, weight, gy, stride, padding, dilation, groups) -> None:
    _only_value_error(lambda: solver.conv2d_backward(x, weight, gy, stride, padding, dilation, groups))


@JUNK_SETTINGS
@given(_junk_arrays(), grads, sizes, st.one_of(st.none(), sizes), pads, sizes, flags, flags)
def test_pool_backward_junk_raises_only_value_error(x, gy, kernel_size, stride, padding, dilation, ceil_mode,
                                                    flag) -> None:
    _only_value_error(lambda: solver.max_pool2d_backward(x, gy, kernel_size, stride, padding, dilation, ceil_mode))
    _only_value_error(lambda: solver.avg_pool2d_backward(x, gy, kernel_size, stride, padding, ceil_mode, flag))


@JUNK_SETTINGS
@given(_mostly(1, 5, (5, 7), [9, 4]), sizes, sizes, pads, pads, sizes, _mostly("floor", "ceil", "exact"))
def test_sizes_and_costs_junk_raise_only_value_error(size, kernel_size, stride, padding, extra, dilation,
                                                     rounding) -> None:
    _only_value_error(lambda: solver.conv_transpose2d_output_size(size, kernel_size, stride, padding, extra, dilation))
    _only_value_error(lambda: solver.conv2d_macs(size, kernel_size, stride, padding, dilation))
    _only_value_error(lambda: solver.linear_macs(size, kernel_size))
    _only_value_error(lambda: solver.window_count(size, kernel_size, stride, dilation, rounding))
    _only_value_error(lambda: solver.formula_output_size(size, kernel_size, stride, padding, dilation, rounding))
