"""The explanations whose plain text is committed under golden/ (shared by the tests and
make_goldens.py). The lecture's examples are typed from /work/shared/seed/cnn_lecture.txt."""

from __future__ import annotations

from typing import Callable

from cnnquiz.explain.counting import output_size_explanation
from cnnquiz.explain.model import Explanation
from cnnquiz.explain.receptive import receptive_field_explanation
from cnnquiz.explain.scatter import conv_transpose2d_explanation
from cnnquiz.explain.sliding import avg_pool2d_explanation, conv2d_explanation, max_pool2d_explanation

# "we slide the 3x3 filter over the image": the 5x5 binary image and its result 4 3 4; 2 4 3; 2 3 4.
LECTURE_IMAGE = [[[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]]
LECTURE_KERNEL = [[[[1, 0, 1], [0, 1, 0], [1, 0, 1]]]]
LECTURE_RESULT = [[4, 3, 4], [2, 4, 3], [2, 3, 4]]

# "Convolution for multi-channel images": the visible 5x5 of each channel, zero padding 1,
# three kernel channels and bias 1; the top-left output is 308 + (-498) + 164 + 1 = -25.
RGB_IMAGE = [
    [[156, 155, 156, 158, 158], [153, 154, 157, 159, 159], [149, 151, 155, 158, 159],
     [146, 146, 149, 153, 158], [145, 143, 143, 148, 158]],
    [[167, 166, 167, 169, 169], [164, 165, 168, 170, 170], [160, 162, 166, 169, 170],
     [156, 156, 159, 163, 168], [155, 153, 153, 158, 168]],
    [[163, 162, 163, 165, 165], [160, 161, 164, 166, 166], [156, 158, 162, 165, 166],
     [155, 155, 158, 162, 167], [154, 152, 152, 157, 167]],
]
RGB_KERNEL = [[[[-1, -1, 1], [0, 1, -1], [0, 1, 1]], [[1, 0, 0], [1, -1, -1], [1, 0, -1]],
               [[0, 1, 1], [0, 1, 0], [1, -1, 1]]]]
RGB_BIAS = [1]
RGB_PARTIALS = (308, -498, 164)
RGB_TOP_LEFT = -25

CASES: dict[str, Callable[[], Explanation]] = {
    "lecture_5x5": lambda: conv2d_explanation(LECTURE_IMAGE, LECTURE_KERNEL),
    "lecture_minus25": lambda: conv2d_explanation(RGB_IMAGE, RGB_KERNEL, RGB_BIAS, padding=1),
    "conv_stride2_padding1_bias": lambda: conv2d_explanation(LECTURE_IMAGE, LECTURE_KERNEL, [-2], stride=2, padding=1),
    "max_pool_padded": lambda: max_pool2d_explanation([[[1, 3, 2, 0], [4, 6, 5, 1], [7, 2, 9, 8], [0, 1, 3, 2]]], 2,
                                                      padding=1),
    "avg_pool": lambda: avg_pool2d_explanation([[[1, 3, 2, 0], [4, 6, 5, 1], [7, 2, 9, 8], [0, 1, 3, 2]]], 2),
    "transpose_d2l_stride2": lambda: conv_transpose2d_explanation([[[0, 1], [2, 3]]], [[[[0, 1], [2, 3]]]], stride=2),
    "receptive_dilated": lambda: receptive_field_explanation([(3, 1, 2), (3, 1, 2)]),
    "output_size_counted": lambda: output_size_explanation(7, 3, stride=2, padding=1),
    "output_size_rectangular": lambda: output_size_explanation((5, 14), (3, 2), padding=(0, 1), pool=True),
    "large_input": lambda: conv2d_explanation([[[(r * 7 + c) % 5 for c in range(16)] for r in range(16)]],
                                              [[[[1, 0], [0, -1]]]], stride=2),
}
