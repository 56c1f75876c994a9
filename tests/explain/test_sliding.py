"""Convolution and pooling frames: the lecture's numbers, and every step against plain loops."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases import LECTURE_IMAGE, LECTURE_KERNEL, LECTURE_RESULT, RGB_BIAS, RGB_IMAGE, RGB_KERNEL, RGB_PARTIALS
from cnnquiz import solver
from cnnquiz.explain.model import ExplainError
from cnnquiz.explain.sliding import avg_pool2d_explanation, conv2d_explanation, max_pool2d_explanation

_PRODUCT = re.compile(r"\((-?\d+(?:\.\d+)?) x (-?\d+(?:\.\d+)?)\)")


def _final(line: str) -> float:
    return float(line.rsplit("= ", 1)[1])


def _loop_conv(x, w, b, stride, pad, dil) -> np.ndarray:
    """The textbook definition, one multiply at a time (independent of the solver)."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    k_out, c_in, kh, kw = w.shape
    ho = (xp.shape[1] - dil * (kh - 1) - 1) // stride + 1
    wo = (xp.shape[2] - dil * (kw - 1) - 1) // stride + 1
    out = np.zeros((k_out, ho, wo))
    for k in range(k_out):
        for i in range(ho):
            for j in range(wo):
                total = 0.0 if b is None else float(b[k])
                for c in range(c_in):
                    for u in range(kh):
                        for v in range(kw):
                            total += xp[c, i * stride + u * dil, j * stride + v * dil] * w[k, c, u, v]
                out[k, i, j] = total
    return out


def test_lecture_5x5_steps_give_the_lecture_result() -> None:
    explained = conv2d_explanation(LECTURE_IMAGE, LECTURE_KERNEL)
    assert explained.count == 9
    assert [_final(explained.frame(t).lines[-1]) for t in range(9)] == [v for row in LECTURE_RESULT for v in row]
    # the lecture's second step writes out (1x1)+(1x0)+(0x1)+(1x0)+(1x1)+(1x0)+(0x1)+(1x0)+(1x1) = 3
    products = _PRODUCT.findall("\n".join(explained.frame(1).lines))
    assert [(int(a), int(b)) for a, b in products] == [(1, 1), (1, 0), (0, 1), (1, 0), (1, 1), (1, 0),
                                                      (0, 1), (1, 0), (1, 1)]
    assert explained.result[0].tolist() == LECTURE_RESULT


def test_lecture_multichannel_top_left_is_minus_25() -> None:
    explained = conv2d_explanation(RGB_IMAGE, RGB_KERNEL, RGB_BIAS, padding=1)
    lines = explained.frame(0).lines
    partials = [int(line.rsplit("= ", 1)[1]) for line in lines if line.startswith("+ ") and "= " in line]
    assert tuple(partials) == RGB_PARTIALS
    assert lines[-1] == "308 + (-498) + 164 + 1 (bias) = -25"
    assert explained.result.shape == (1, 5, 5) and explained.result[0, 0, 0] == -25


def test_the_output_fills_in_one_cell_per_step() -> None:
    explained = conv2d_explanation(LECTURE_IMAGE, LECTURE_KERNEL)
    out = len(explained.grids) - 1
    second = explained.frame(1)
    assert second.shown[out][0].tolist() == ["4", "3", ""] and second.current == (out, (0, 1))
    assert second.marks[0] == {(r, c) for r in range(3) for c in range(1, 4)}
    assert explained.frame(8).shown[out].tolist() == [[str(v) for v in row] for row in LECTURE_RESULT]


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    channels=st.integers(1, 3), filters=st.integers(1, 2), k=st.integers(1, 3),
    stride=st.integers(1, 3), pad=st.integers(0, 2), dil=st.integers(1, 2), with_bias=st.booleans(),
)
def test_every_step_adds_up_to_the_solver_and_to_plain_loops(data, channels, filters, k, stride, pad, dil,
                                                             with_bias) -> None:
    size = data.draw(st.integers(dil * (k - 1) + 1, 6))
    ints = st.integers(-3, 3)
    x = data.draw(st.lists(st.lists(st.lists(ints, min_size=size, max_size=size), min_size=size, max_size=size),
                           min_size=channels, max_size=channels))
    w = np.array(data.draw(st.lists(ints, min_size=filters * channels * k * k, max_size=filters * channels * k * k)))
    w = w.reshape(filters, channels, k, k)
    b = data.draw(st.lists(ints, min_size=filters, max_size=filters)) if with_bias else None
    explained = conv2d_explanation(x, w, b, stride=stride, padding=pad, dilation=dil)
    expected = _loop_conv(x, w, b, stride, pad, dil)
    np.testing.assert_array_equal(explained.result, solver.conv2d(x, w, b, stride=stride, padding=pad, dilation=dil))
    np.testing.assert_array_equal(explained.result, expected)
    for t in range(explained.count):
        frame = explained.frame(t)
        kk, i, j = np.unravel_index(t, expected.shape)
        products = sum(float(a) * float(c) for a, c in _PRODUCT.findall("\n".join(frame.lines)))
        assert products + (0 if b is None else b[kk]) == _final(frame.lines[-1]) == expected[kk, i, j]


@settings(max_examples=30, deadline=None)
@given(data=st.data(), k=st.integers(1, 3), stride=st.integers(1, 3), pad=st.integers(0, 1),
       kind=st.sampled_from(["max", "avg"]))
def test_pooling_steps_match_plain_loops(data, k, stride, pad, kind) -> None:
    pad = min(pad, k // 2)
    size = data.draw(st.integers(k, 6))
    x = np.array(data.draw(st.lists(st.integers(-5, 9), min_size=2 * size * size, max_size=2 * size * size)))
    x = x.reshape(2, size, size)
    build = max_pool2d_explanation if kind == "max" else avg_pool2d_explanation
    explained = build(x, k, stride, pad)
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x.astype(float), ((0, 0), (pad, pad), (pad, pad)), constant_values=fill)
    for t in range(explained.count):
        c, i, j = np.unravel_index(t, explained.result.shape)
        window = xp[c, i * stride: i * stride + k, j * stride: j * stride + k]
        expected = window.max() if kind == "max" else window.sum() / window.size
        assert _final(explained.frame(t).lines[-1]) == pytest.approx(expected, rel=1e-3)
        assert explained.result[c, i, j] == pytest.approx(expected)


def test_max_pool_lists_only_real_cells_of_a_padded_window() -> None:
    explained = max_pool2d_explanation([[[1, 3], [4, 6]]], 2, padding=1)
    assert explained.frame(0).lines == ("max(1) = 1",)
    assert explained.frame(3).lines == ("max(6) = 6",)


def test_solver_errors_name_the_argument() -> None:
    with pytest.raises(ExplainError, match="conv2d: .*kernel"):
        conv2d_explanation([[[1, 2], [3, 4]]], [[[[1, 0, 1], [0, 1, 0], [1, 0, 1]]]])
    with pytest.raises(ExplainError, match="padding must be a number of pixels"):
        conv2d_explanation(LECTURE_IMAGE, LECTURE_KERNEL, padding="same")
    with pytest.raises(ExplainError, match="max_pool2d: stride"):
        max_pool2d_explanation(LECTURE_IMAGE, 2, stride=(1, 2, 3))
