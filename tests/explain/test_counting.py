"""Output size by counting windows: the count is the solver's, and the windows really fit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnquiz import solver
from cnnquiz.explain.counting import output_size_explanation
from cnnquiz.explain.model import ExplainError


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 40), k=st.integers(1, 7), s=st.integers(1, 4), p=st.integers(0, 3), d=st.integers(1, 3))
def test_the_last_window_fits_and_the_next_does_not(n, k, s, p, d) -> None:
    span = d * (k - 1) + 1
    if span > n + 2 * p:
        with pytest.raises(ExplainError, match="conv2d output size: "):
            output_size_explanation(n, k, s, p, d)
        return
    explained = output_size_explanation(n, k, s, p, d)
    out = solver.conv2d_output_size(n, k, s, p, d)
    assert explained.count == out and explained.result.tolist() == [[out]]
    last = explained.frame(out - 1).lines
    assert last[0].endswith(f"ends at cell {(out - 1) * s + span}") and (out - 1) * s + span <= n + 2 * p
    assert last[1] == f"the next one would end at cell {out * s + span}, past cell {n + 2 * p}: no room"
    assert out * s + span > n + 2 * p
    assert last[-1] == f"windows so far: {out - 1} + 1 = {out}"


def test_pooling_stride_defaults_to_the_kernel() -> None:
    explained = output_size_explanation(6, 2, pool=True)
    assert explained.count == 3 == solver.pool2d_output_size(6, 2)
    assert explained.frame(1).lines[0] == "window 2 starts at cell 3 = 1 + 1 x 2 and ends at cell 4"


def test_a_rectangular_input_counts_height_then_width() -> None:
    explained = output_size_explanation((5, 14), (3, 2), padding=(0, 1), pool=True)
    assert explained.result.tolist() == [list(solver.pool2d_output_size((5, 14), (3, 2), padding=(0, 1)))]
    assert [explained.frame(i).title.split(": ", 1)[1] for i in (0, 1)] == ["height, window 1", "width, window 1"]
