"""One or more hand-worked examples per family, each worked out in a comment.

Values come from the lecture where it has them (the small CNN: 760 parameters, 32x32x10
output), from Dive into Deep Learning's transposed-convolution example, or by hand.
"""

import numpy as np
import pytest

from cnnquiz import mistakes


def _key(computation, **params):
    return mistakes.compute(computation, params)


def _mistake(computation, key, **params):
    return mistakes.mistaken_values(computation, params, only=[key])[key]


# --- network tables -------------------------------------------------------------------------

def test_lenet5_rows():
    # 1x32x32 -> conv 5x5 (6 filters): 32 - 5 + 1 = 28 -> 6x28x28; params 6 x (1x5x5 + 1) = 156
    assert _key("network_row_output_shape", network="lenet5", number=1) == [6, 28, 28]
    assert _key("network_row_params", network="lenet5", number=1) == 156
    assert _mistake("network_row_params", "bias_forgotten", network="lenet5", number=1) == 150
    # the input of row 1 is the image itself
    assert _mistake("network_row_output_shape", "previous_row_shape", network="lenet5", number=1) == [1, 32, 32]
    # after two conv/pool stages: 16 x 5 x 5 = 400 features; 400 x 120 + 120 = 48120
    assert _key("network_flatten_size", network="lenet5") == 400
    assert _mistake("network_flatten_size", "flatten_channels_forgotten", network="lenet5") == 25
    # without the last pool the volume is 16 x 10 x 10 = 1600
    assert _mistake("network_flatten_size", "flatten_pool_skipped", network="lenet5") == 1600
    assert _key("network_first_linear_params", network="lenet5") == 48120
    # 156 + 2416 + 48120 + 10164 + 850
    assert _key("network_total_params", network="lenet5") == 61706


def test_lecture_cnn_total_counts_batch_norm_once():
    # conv 10 x (3x5x5 + 1) = 760 (the lecture's number); BN 2 x 10 = 20;
    # pool 3/2 ceil: ceil((32 - 3) / 2) + 1 = 16 -> 10 x 16 x 16 = 2560; linear 2560 x 26 + 26 = 66586
    assert _key("network_row_params", network="lecture_cnn", number=1) == 760
    assert _key("network_total_params", network="lecture_cnn") == 760 + 20 + 66586
    assert _mistake("network_total_params", "running_stats_counted", network="lecture_cnn") == 760 + 40 + 66586


def test_random_stack_spec():
    stack = {"input": [3, 16, 16], "layers": [{"conv2d": {"out_channels": 4, "kernel_size": 3}}, "relu",
                                              {"max_pool2d": {"kernel_size": 2, "stride": 2}}, "flatten"]}
    # 16 - 3 + 1 = 14 -> pool 7: 4x7x7; forgetting the +1 in the pool: floor((14 - 2) / 2) = 6
    assert _key("network_row_output_shape", network=stack, number=3) == [4, 7, 7]
    assert _mistake("network_row_output_shape", "forgot_plus_one", network=stack, number=3) == [4, 6, 6]
    assert _mistake("network_row_output_shape", "pool_stride_one", network=stack, number=3) == [4, 13, 13]


# --- transposed convolution -------------------------------------------------------------------

def test_transposed_size_and_restoring_padding():
    # (16 - 1) x 2 - 2 x 1 + (3 - 1) + 1 + 1 = 32
    args = dict(size=16, kernel_size=3, stride=2, padding=1, output_padding=1)
    assert _key("conv_transpose2d_output_size", **args) == 32
    assert _mistake("conv_transpose2d_output_size", "output_padding_forgotten", **args) == 31
    assert _mistake("conv_transpose2d_output_size", "padding_added", **args) == 36
    # the forward formula: floor((16 + 2 - 3) / 2) + 1 = 8
    assert _mistake("conv_transpose2d_output_size", "conv_formula_used", **args) == 8
    # encoder 41 -> floor((41 + 4 - 5) / 3) + 1 = 14; decoder 13 x 3 - 4 + 4 + 1 = 40: output_padding 1
    assert _key("output_padding_to_restore", size=41, kernel_size=5, stride=3, padding=2) == 1


def test_transposed_result_d2l_example():
    # Dive into Deep Learning 14.10: stamps of [[0, 1], [2, 3]] scaled by 0, 1, 2, 3 add up.
    p = dict(x=[[[0, 1], [2, 3]]], weight=[[[[0, 1], [2, 3]]]])
    assert _key("conv_transpose2d", **p).tolist() == [[[0, 0, 1], [0, 4, 6], [4, 12, 9]]]
    # written over each other in row order (the last stamp wins) instead of added:
    assert _mistake("conv_transpose2d", "overlaps_not_added", **p).tolist() == [[[0, 0, 1], [0, 0, 3], [4, 6, 9]]]


# --- backprop ---------------------------------------------------------------------------------

_X = [[[1, 2, 0], [0, 1, 3], [2, 1, 1]]]
_W = [[[[1, 0], [2, -1]]]]
_G = [[[1, 2], [0, -1]]]


def test_conv_gradients_by_hand():
    p = dict(x=_X, weight=_W, grad_output=_G)
    # dW[u, v] = sum g[i, j] x[i + u, j + v]: dW[0, 0] = 1x1 + 2x2 + 0x0 - 1x1 = 4, ...
    assert _key("conv2d_grad_weight", **p).tolist() == [[[[4, -1], [1, 6]]]]
    # dX: g[0, 0] = 1 stamps W at (0, 0), g[0, 1] = 2 stamps 2W at (0, 1), g[1, 1] = -1 stamps -W at (1, 1)
    assert _key("conv2d_grad_input", **p).tolist() == [[[1, 2, 0], [2, 2, -2], [0, -2, 1]]]
    # db = 1 + 2 + 0 - 1 = 2; only the first position: 1; the mean: 0.5
    assert _key("conv2d_grad_bias", **p).tolist() == [2]
    assert _mistake("conv2d_grad_bias", "positions_not_summed", **p).tolist() == [1]
    assert _mistake("conv2d_grad_bias", "bias_gradient_averaged", **p).tolist() == [0.5]
    # dW from position (0, 0) alone: g[0, 0] x the top-left window [[1, 2], [0, 1]]
    assert _mistake("conv2d_grad_weight", "positions_not_summed", **p).tolist() == [[[[1, 2], [0, 1]]]]


def test_pool_gradients_by_hand():
    # the window [[1, 3], [3, 2]] has two maxima: the first (row-major) gets the whole gradient 5
    p = dict(x=[[[1, 3], [3, 2]]], grad_output=[[[5]]], kernel_size=2)
    assert _key("max_pool2d_grad", **p).tolist() == [[[0, 5], [0, 0]]]
    assert _mistake("max_pool2d_grad", "routed_to_every_maximum", **p).tolist() == [[[0, 5], [5, 0]]]
    assert _mistake("max_pool2d_grad", "gradient_spread_evenly", **p).tolist() == [[[1.25, 1.25], [1.25, 1.25]]]
    q = dict(x=[[[1, 3], [3, 2]]], grad_output=[[[8]]], kernel_size=2)
    assert _key("avg_pool2d_grad", **q).tolist() == [[[2, 2], [2, 2]]]
    assert _mistake("avg_pool2d_grad", "gradient_not_divided", **q).tolist() == [[[8, 8], [8, 8]]]


# --- cost -------------------------------------------------------------------------------------

def test_lecture_layer_macs_and_memory():
    # lecture: Conv2d(3, 10, 5, padding=2) on 32x32 keeps 32x32: 10 x 32 x 32 x 3 x 5 x 5 = 768000 MACs
    p = dict(in_channels=3, out_channels=10, kernel_size=5, padding=2, size=32)
    assert _key("conv2d_macs", **p) == 768000
    assert _mistake("conv2d_macs", "flops_counted", **p) == 1536000
    # 10 x 32 x 32 values x 4 bytes = 40960 bytes = 40 KiB (40.96 "kB" with 1000)
    m = dict(input_shape=[3, 32, 32], out_channels=10, kernel_size=5, padding=2, unit="KiB")
    assert _key("activation_memory", **m) == 40
    assert _mistake("activation_memory", "decimal_units", **m) == pytest.approx(40.96)
    assert _mistake("activation_memory", "bytes_per_value_forgotten", **m) == 10


def test_parameter_savings_by_hand():
    # one 5x5: 64 x (64 x 25 + 1) = 102464; two 3x3: 2 x 64 x (64 x 9 + 1) = 73856
    assert _key("stacked_kernel_savings", channels=64, small_kernel=3, count=2) == 102464 - 73856
    # depthwise 32 x (9 + 1) = 320, pointwise 64 x (32 + 1) = 2112; standard 64 x (32 x 9 + 1) = 18496
    assert _key("depthwise_separable_params", in_channels=32, out_channels=64, kernel_size=3) == 2432
    assert _key("depthwise_separable_savings", in_channels=32, out_channels=64, kernel_size=3) == 18496 - 2432
    # 64 x 257 + 64 x (64 x 9 + 1) + 256 x 65 = 16448 + 36928 + 16640; direct 256 x (256 x 9 + 1) = 590080
    assert _key("bottleneck_params", channels=256, mid_channels=64, kernel_size=3) == 70016
    assert _key("bottleneck_savings", channels=256, mid_channels=64, kernel_size=3) == 590080 - 70016


# --- inverse design ---------------------------------------------------------------------------

def test_inverse_design_by_hand():
    # dilation 2 makes a 5x5 kernel span 9 pixels: p = (9 - 1) / 2 = 4 (2 if the dilation is ignored)
    assert _key("same_padding", size=32, kernel_size=5, dilation=2) == 4
    assert _mistake("same_padding", "dilation_ignored", size=32, kernel_size=5, dilation=2) == 2
    assert _mistake("same_padding", "padding_total_given", size=32, kernel_size=5, dilation=2) == 8
    # 19 + 6 - 5 = 20; 20 / 4 + 1 = 6 (stride 3 gives floor(20/3) + 1 = 7)
    assert _key("stride_for_target", size=19, kernel_size=5, padding=3, target=6) == 4
    # stride 1: k = 61 + 4 - 57 + 1 = 9
    assert _key("kernel_for_target", size=61, padding=2, target=57) == 9
    # 39 + 4 = 43 padded; 10 windows of 4 at stride 4 end at 40: 3 pixels dropped
    assert _key("dropped_pixels", size=39, kernel_size=4, stride=4, padding=2) == 3
    # 17 + 2p - 3 divisible by 4: p = 1
    assert _key("padding_to_fit", size=17, kernel_size=3, stride=4) == 1


# --- batch norm -------------------------------------------------------------------------------

def test_batch_norm_by_hand():
    assert _key("batch_norm_params", channels=64, height=28, width=28) == 128
    assert _mistake("batch_norm_params", "running_stats_counted", channels=64, height=28, width=28) == 256
    assert _key("batch_norm_buffers", channels=64) == 128
    # conv 64 x (64 x 25) = 102400 without bias, BN 128
    assert _key("conv_bn_block_params", in_channels=64, out_channels=64, kernel_size=5, conv_bias=False) == 102528
    # 1.7 x (-1.2 - 0.5) / sqrt(4 + 1e-5) - 0.5 = -1.945
    ev = dict(x=-1.2, running_mean=0.5, running_var=4, gamma=1.7, beta=-0.5)
    assert _key("batch_norm_eval", **ev) == pytest.approx(-1.945, abs=1e-5)
    # batch [6, 2, 3, 5]: mean 4, biased variance 10 / 4 = 2.5; (5 - 4) / sqrt(2.5) + 1 = 1.6325
    tr = dict(values=[6, 2, 3, 5], index=4, gamma=1, beta=1)
    assert _key("batch_norm_train", **tr) == pytest.approx(1 + 1 / np.sqrt(2.5 + 1e-5))
    assert _mistake("batch_norm_train", "unbiased_variance", **tr) == pytest.approx(1 + 1 / np.sqrt(10 / 3 + 1e-5))
    # 0.99 x 0.5 + 0.01 x 5.75 = 0.5525
    assert _key("running_mean_update", running_mean=0.5, momentum=0.01, values=[7, 3, 6, 7]) == pytest.approx(0.5525)
    # [3, 5, 2, 4]: squared deviations sum to 5; unbiased 5/3: 0.8 x 4 + 0.2 x 5/3 = 3.5333; biased 1.25: 3.45
    rv = dict(running_var=4, momentum=0.2, values=[3, 5, 2, 4])
    assert _key("running_var_update", **rv) == pytest.approx(3.2 + 0.2 * 5 / 3)
    assert _mistake("running_var_update", "biased_variance_used", **rv) == pytest.approx(3.45)


# --- filters ----------------------------------------------------------------------------------

_IMAGE = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


@pytest.mark.parametrize("kernel, divisor, expected", [
    ([[1, 1, 1]] * 3, 9, 5),                                   # box blur: 45 / 9
    ([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], 1, 5),             # 25 - (2 + 4 + 6 + 8)
    ([[0, 1, 0], [1, -4, 1], [0, 1, 0]], 1, 0),                # a linear ramp has no curvature
    ([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], 1, 8),              # (3 - 1) + 2 x (6 - 4) + (9 - 7)
])
def test_filter_responses(kernel, divisor, expected):
    assert _key("filter_response", x=_IMAGE, kernel=kernel, divisor=divisor, row=1, col=1) == expected


def test_sobel_flipped_and_blur_not_divided():
    sobel = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    assert _mistake("filter_response", "kernel_flipped", x=_IMAGE, kernel=sobel, row=1, col=1) == -8
    blur = dict(x=_IMAGE, kernel=[[1, 1, 1]] * 3, divisor=9, row=1, col=1)
    assert _mistake("filter_response", "divisor_forgotten", **blur) == 45


def test_lecture_convolution_flips():
    # flipped [[1, 0], [0, 2]] is [[2, 0], [0, 1]]: 1 x 2 + 4 x 1 = 6; PyTorch's 1 x 1 + 4 x 2 = 9
    p = dict(x=[[1, 2], [3, 4]], kernel=[[1, 0], [0, 2]])
    assert _key("true_convolution", **p).tolist() == [[[6]]]
    assert _mistake("true_convolution", "kernel_not_flipped", **p).tolist() == [[[9]]]


# --- equivariance and padding modes -------------------------------------------------------------

def test_padding_modes():
    # n = 10, k = 3: valid 10 - 3 + 1 = 8, same 10, full 10 + 2 x 2 - 3 + 1 = 12
    assert _key("padding_mode_output_size", size=10, kernel_size=3, mode="valid") == 8
    assert _key("padding_mode_output_size", size=10, kernel_size=3, mode="full") == 12
    assert _mistake("padding_mode_output_size", "same_mode_used", size=10, kernel_size=3, mode="full") == 10


def test_shift_equivariance_and_pooling():
    # [[1, 2, 3], [4, 5, 6]] shifted right: [[0, 1, 2], [0, 4, 5]]; kernel [[1, 1]]: row 1 = [1, 3];
    # column 2 after the shift equals column 1 before: 1 + 2 = 3
    p = dict(x=[[1, 2, 3], [4, 5, 6]], kernel=[[1, 1]], shift=1, row=1, col=2)
    assert _key("shifted_conv_response", **p) == 3
    assert _mistake("shifted_conv_response", "shift_not_applied", **p) == 5
    # pooled [9, 1]; after the shift the 9 stays in window 1, the 1 is pushed out: [9, 0]
    assert _key("pool_shift_changes", x=[[9, 0, 0, 1], [0, 0, 0, 0]], kernel_size=2, shift=1) == 1
    # x = [[1, 2], [3, 4]], w = [[1, -1], [2, 0]]: before 1 - 2 + 6 = 5; shifted [[0, 1], [0, 3]]: -1
    assert _key("fc_shift_response", x=[[1, 2], [3, 4]], w=[[1, -1], [2, 0]], shift=1) == -1


def test_locally_connected():
    # 5x5 input, 3x3 kernel: 3x3 positions, each with 2 x (1 x 9 + 1) = 20 parameters
    p = dict(in_channels=1, out_channels=2, kernel_size=3, size=5)
    assert _key("locally_connected_params", **p) == 180
    assert _mistake("locally_connected_params", "weights_shared", **p) == 20
    assert _key("locally_connected_ratio", **p) == 9


def test_more_counts_by_hand():
    # ConvTranspose2d(128 -> 16, k=4, s=2, p=1) on 21x21: 20 x 2 - 2 + 3 + 1 = 42
    p = dict(input_shape=[128, 21, 21], out_channels=16, kernel_size=4, stride=2, padding=1)
    assert _key("conv_transpose2d_output_shape", **p) == [16, 42, 42]
    assert _mistake("conv_transpose2d_output_shape", "channels_kept", **p) == [128, 42, 42]
    # 3 x 16 x (16 x 3 x 3 + 1) = 6960; one layer: 2320
    assert _key("stacked_kernel_params", channels=16, small_kernel=3, count=3) == 6960
    assert _mistake("stacked_kernel_params", "single_small_layer", channels=16, small_kernel=3, count=3) == 2320
    # the lecture CNN's batch norm (row 2): 2 x 10 = 20, doubled if the running statistics are counted
    assert _key("network_row_params", network="lecture_cnn", number=2) == 20
    assert _mistake("network_row_params", "running_stats_counted", network="lecture_cnn", number=2) == 40
    # MACs of a grouped layer: 32 x 8 x 8 x (16 / 4) x 3 x 3 = 73728; groups ignored: 4 times more
    g = dict(in_channels=16, out_channels=32, kernel_size=3, padding=1, size=8, groups=4)
    assert _key("conv2d_macs", **g) == 73728
    assert _mistake("conv2d_macs", "groups_ignored", **g) == 4 * 73728
