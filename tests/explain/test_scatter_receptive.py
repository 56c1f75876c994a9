"""Transposed convolution's stamps and the receptive field's cells, against the solver and by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnquiz import solver
from cnnquiz.explain.receptive import SEEN, receptive_field_explanation, seen_cells
from cnnquiz.explain.scatter import conv_transpose2d_explanation, scatter_sums


def test_d2l_stamps_by_hand() -> None:
    # Dive into Deep Learning 14.10: input (0 1; 2 3), kernel (0 1; 2 3), stride 1.
    explained = conv_transpose2d_explanation([[[0, 1], [2, 3]]], [[[[0, 1], [2, 3]]]])
    assert explained.result[0].tolist() == [[0, 0, 1], [0, 4, 6], [4, 12, 9]]
    assert explained.frame(3).lines[-1] == "3 x (0 1; 2 3) = (0 3; 6 9)"
    out = len(explained.grids) - 1
    assert explained.frame(1).shown[out].tolist() == [["0", "0", "1"], ["0", "2", "3"], ["0", "0", "0"]]


@settings(max_examples=40, deadline=None)
@given(data=st.data(), k=st.integers(1, 3), stride=st.integers(1, 3), dil=st.integers(1, 2),
       channels=st.integers(1, 2), filters=st.integers(1, 2))
def test_the_last_running_sum_cropped_is_the_solver(data, k, stride, dil, channels, filters) -> None:
    h, w = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    op = data.draw(st.integers(0, max(stride, dil) - 1))
    smallest = min((h - 1) * stride, (w - 1) * stride) + dil * (k - 1) + 1 + op
    pad = data.draw(st.integers(0, min(dil * (k - 1), 2, (smallest - 1) // 2)))
    ints = st.integers(-3, 3)
    x = np.array(data.draw(st.lists(ints, min_size=channels * h * w, max_size=channels * h * w)))
    x = x.reshape(channels, h, w)
    wt = np.array(data.draw(st.lists(ints, min_size=channels * filters * k * k, max_size=channels * filters * k * k)))
    wt = wt.reshape(channels, filters, k, k)
    expected = solver.conv_transpose2d(x, wt, stride=stride, padding=pad, output_padding=op, dilation=dil)
    full = scatter_sums(x, wt, stride, dil, op)
    cropped = full[:, pad: full.shape[1] - pad, pad: full.shape[2] - pad]
    np.testing.assert_array_equal(cropped, expected)
    explained = conv_transpose2d_explanation(x, wt, stride=stride, padding=pad, output_padding=op, dilation=dil)
    np.testing.assert_array_equal(explained.result, expected)


def test_lecture_receptive_fields_with_and_without_dilation() -> None:
    # The lecture: two 3x3 layers see 5x5; with the second one dilated (2), 7x7.
    plain = receptive_field_explanation([3, 3])
    dilated = receptive_field_explanation([(3, 1, 1), (3, 1, 2)])
    assert plain.result.tolist() == [[3, 5]] and dilated.result.tolist() == [[3, 7]]
    assert dilated.frame(1).lines[-1] == "r = 3 + 2 x (3 - 1) x 1 = 7"
    assert dilated.notes[0].startswith("Without dilation the same stack sees 5 x 5")


def test_dilation_first_leaves_holes() -> None:
    assert seen_cells([(3, 1, 2), (3, 1, 2)]) == [0, 2, 4, 6, 8]
    explained = receptive_field_explanation([(3, 1, 2), (3, 1, 2)])
    assert explained.frame(1).lines[0] == "one axis: " + " ".join([SEEN, "·"] * 4 + [SEEN])
    assert len(explained.frame(1).marks[0]) == 25  # 5 of 9 on each axis


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(1, 3)), min_size=1, max_size=4))
def test_the_cells_walked_back_span_the_solvers_size(layers) -> None:
    cells = seen_cells(layers)
    assert cells[0] == 0
    assert cells[-1] + 1 == solver.receptive_field(layers)[-1].size


def test_a_huge_field_is_described_not_drawn() -> None:
    explained = receptive_field_explanation([(7, 2, 1)] * 5)
    assert explained.grids == ()
    assert "too large to draw" in explained.notes[-1]
    assert explained.frame(4).lines[-1].endswith(f"= {solver.receptive_field([(7, 2, 1)] * 5)[-1].size}")


def test_receptive_errors_name_the_layer() -> None:
    from cnnquiz.explain.model import ExplainError

    with pytest.raises(ExplainError, match=r"layers\[1\].kernel_size"):
        receptive_field_explanation([3, 0])
