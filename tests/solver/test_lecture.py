"""Every worked example of the CNN lecture (shared/seed/cnn_lecture.txt), via the solver."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from cnnquiz import solver

IMAGE_5X5 = [
    [1, 1, 1, 0, 0],
    [0, 1, 1, 1, 0],
    [0, 0, 1, 1, 1],
    [0, 0, 1, 1, 0],
    [0, 1, 1, 0, 0],
]
X_FILTER = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]

IMAGE_6X6 = [
    [1, 0, 0, 0, 0, 1],
    [0, 1, 0, 0, 1, 0],
    [0, 0, 1, 1, 0, 0],
    [1, 0, 0, 0, 1, 0],
    [0, 1, 0, 0, 1, 0],
    [0, 0, 1, 0, 1, 0],
]
FILTER_1 = [[1, -1, -1], [-1, 1, -1], [-1, -1, 1]]
FILTER_2 = [[-1, 1, -1], [-1, 1, -1], [-1, 1, -1]]
FEATURE_MAP_1 = [[3, -1, -3, -1], [-3, 1, 0, -3], [-3, -3, 0, 1], [3, -2, -2, -1]]
FEATURE_MAP_2 = [[-1, -1, -1, -1], [-1, -1, -2, 1], [-1, -1, -2, 1], [-1, 0, -4, 3]]

# Multi-channel slide: the 5x5 top-left corner of each channel (the slide shows it
# with one ring of zero padding), one 3x3 kernel per channel, bias 1.
RED = [
    [156, 155, 156, 158, 158],
    [153, 154, 157, 159, 159],
    [149, 151, 155, 158, 159],
    [146, 146, 149, 153, 158],
    [145, 143, 143, 148, 158],
]
GREEN = [
    [167, 166, 167, 169, 169],
    [164, 165, 168, 170, 170],
    [160, 162, 166, 169, 170],
    [156, 156, 159, 163, 168],
    [155, 153, 153, 158, 168],
]
BLUE = [
    [163, 162, 163, 165, 165],
    [160, 161, 164, 166, 166],
    [156, 158, 162, 165, 166],
    [155, 155, 158, 162, 167],
    [154, 152, 152, 157, 167],
]
KERNEL_RED = [[-1, -1, 1], [0, 1, -1], [0, 1, 1]]
KERNEL_GREEN = [[1, 0, 0], [1, -1, -1], [1, 0, -1]]
KERNEL_BLUE = [[0, 1, 1], [0, 1, 0], [1, -1, 1]]


def _single(image, kernel, **kwargs) -> np.ndarray:
    return solver.conv2d([image], [[kernel]], **kwargs)[0]


def test_5x5_image_with_3x3_filter() -> None:
    got = _single(IMAGE_5X5, X_FILTER)
    assert got.tolist() == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    assert np.issubdtype(got.dtype, np.integer)


def test_6x6_image_two_filters_give_two_feature_maps() -> None:
    got = solver.conv2d([IMAGE_6X6], [[FILTER_1], [FILTER_2]])
    assert got.shape == (2, 4, 4)
    assert got[0].tolist() == FEATURE_MAP_1
    assert got[1].tolist() == FEATURE_MAP_2


def test_6x6_image_stride_2_subsamples_the_feature_map() -> None:
    got = solver.conv2d([IMAGE_6X6], [[FILTER_1], [FILTER_2]], stride=2)
    assert got.shape == (2, 2, 2)
    # Stride 2 keeps every other window of the stride-1 feature maps.
    assert got[0].tolist() == np.array(FEATURE_MAP_1)[::2, ::2].tolist() == [[3, -3], [-3, 0]]
    assert got[1].tolist() == np.array(FEATURE_MAP_2)[::2, ::2].tolist() == [[-1, -1], [-1, -2]]
    assert solver.conv2d_output_size(6, 3, stride=2) == 2


def test_6x6_padding_1_preserves_size() -> None:
    assert solver.conv2d_output_size(6, 3, padding=1) == 6
    got = _single(IMAGE_6X6, FILTER_1, padding=1)
    assert got.shape == (6, 6)
    assert got[1:-1, 1:-1].tolist() == FEATURE_MAP_1


def test_6x6x3_with_two_3x3x3_filters_gives_4x4x2() -> None:
    # The slide shows one channel of the 6x6x3 input; the lecture's 4x4x2 is (C, H, W) = (2, 4, 4).
    shown = [[4, 9, 2, 5, 8, 3], [5, 6, 2, 4, 0, 3], [2, 4, 5, 4, 5, 2],
             [5, 6, 5, 4, 7, 8], [5, 7, 7, 9, 2, 1], [5, 8, 5, 3, 8, 4]]
    x = np.array([shown] * 3)
    weight = np.zeros((2, 3, 3, 3), dtype=int)
    weight[0, :] = [[1, 0, -1]] * 3  # Filter 1, every channel
    weight[1, :] = [[0, 0, 0], [1, 1, 1], [-1, -1, -1]]  # Filter 2
    out = solver.conv2d(x, weight)
    assert out.shape == (2, 4, 4)
    assert out[0, 0, 0] == 3 * ((4 + 5 + 2) - (2 + 2 + 5))  # three identical channels


def test_32x32x3_ten_5x5_filters_stride_1_padding_2() -> None:
    assert solver.conv2d_output_size(32, 5, stride=1, padding=2) == 32
    x = np.ones((3, 32, 32))
    weight = np.ones((10, 3, 5, 5))
    assert solver.conv2d(x, weight, np.zeros(10), stride=1, padding=2).shape == (10, 32, 32)
    assert solver.conv2d_params(3, 10, 5) == 760
    assert solver.conv2d_params(3, 1, 5) == 76


def test_multi_channel_example_top_left_is_minus_25() -> None:
    x = np.array([RED, GREEN, BLUE])
    weight = np.array([[KERNEL_RED, KERNEL_GREEN, KERNEL_BLUE]])
    per_channel = [
        solver.conv2d(x[c : c + 1], weight[:, c : c + 1], padding=1)[0, 0, 0] for c in range(3)
    ]
    assert per_channel == [308, -498, 164]
    out = solver.conv2d(x, weight, bias=[1], padding=1)
    assert out.shape == (1, 5, 5)
    assert out[0, 0, 0] == -25


def test_fully_connected_parameter_count() -> None:
    total = solver.linear_params(256, 100) + solver.linear_params(100, 26)
    assert total == (256 * 100) + 100 + (26 * 100) + 26 == 28326


def test_150x150_conv_3x3_then_pool_2x2() -> None:
    assert solver.conv2d_output_size(150, 3) == 148
    assert solver.conv2d_output_size((150, 150), 3) == (148, 148)
    assert solver.pool2d_output_size(150, 2) == 75
    assert solver.max_pool2d(np.zeros((1, 150, 150)), 2).shape == (1, 75, 75)


def test_1x1_filter_on_128x128x16_has_17_params() -> None:
    assert solver.conv2d_params(16, 1, 1) == 17
    assert solver.conv2d(np.ones((16, 128, 128)), np.ones((1, 16, 1, 1))).shape == (1, 128, 128)


def test_all_zero_kernel_deletes() -> None:
    image = np.random.default_rng(1).integers(0, 256, size=(1, 6, 7))
    got = solver.conv2d(image, np.zeros((1, 1, 3, 3), dtype=int), padding=1)
    assert got.shape == (1, 6, 7) and not got.any()


def test_centre_one_kernel_is_identity() -> None:
    image = np.random.default_rng(2).integers(0, 256, size=(1, 6, 7))
    kernel = [[[[0, 0, 0], [0, 1, 0], [0, 0, 0]]]]
    np.testing.assert_array_equal(solver.conv2d(image, kernel, padding=1), image)


def test_right_one_kernel_shifts_left_by_one_pixel() -> None:
    image = np.random.default_rng(3).integers(1, 256, size=(1, 6, 7))
    kernel = [[[[0, 0, 0], [0, 0, 1], [0, 0, 0]]]]
    got = solver.conv2d(image, kernel, padding=1)
    np.testing.assert_array_equal(got[:, :, :-1], image[:, :, 1:])
    assert not got[:, :, -1].any()  # the zero padding came in from the right


def test_receptive_field_grows_linearly_with_stacked_3x3() -> None:
    assert [s.size for s in solver.receptive_field([3, 3, 3])] == [3, 5, 7]


def test_receptive_field_grows_exponentially_with_dilation() -> None:
    sizes = [s.size for s in solver.receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)])]
    assert sizes == [3, 7, 15]
    # 2**(n+1) - 1 after n layers with dilations 1, 2, 4, ...; parameters grow linearly.
    steps = solver.receptive_field([(3, 1, 2**i) for i in range(6)])
    assert [s.size for s in steps] == [2 ** (i + 2) - 1 for i in range(6)]


def test_softmax_turns_logits_into_probabilities() -> None:
    p = solver.softmax([2.0, 1.0, 0.1])
    assert np.all((p > 0) & (p < 1)) and abs(p.sum() - 1) < 1e-12
    assert list(np.argsort(p)) == [2, 1, 0]


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_sigmoid_of_relu_is_at_least_one_half(z: float) -> None:
    assert solver.sigmoid(solver.relu(z)) >= 0.5
