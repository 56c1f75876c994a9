"""Filter-effect questions: the option is found by running the filter, and the working
explains the filter from its weights (hand-worked cases)."""

from __future__ import annotations

import numpy as np

from cnnquiz.bank.filter_effects import apply_effect, effect_working
from cnnquiz.bank.schema import Effect

IMAGE = np.arange(1, 10, dtype=float).reshape(3, 3)


def test_effects_by_hand() -> None:
    np.testing.assert_array_equal(apply_effect(Effect(shift=(0, -1)), IMAGE), [[2, 3, 0], [5, 6, 0], [8, 9, 0]])
    np.testing.assert_array_equal(apply_effect(Effect(shift=(1, 1)), IMAGE), [[0, 0, 0], [0, 1, 2], [0, 4, 5]])
    np.testing.assert_array_equal(apply_effect(Effect(scale=0.5), IMAGE), IMAGE / 2)
    assert not apply_effect(Effect(zero=True), IMAGE).any()


def _weight(rows: list[list[float]]) -> list:
    return [[rows]]


def test_working_explains_the_kernel_not_the_image() -> None:
    zero = effect_working({"weight": _weight([[0, 0, 0]] * 3), "padding": 1}, "It deletes the image")
    assert zero.endswith("; every weight is 0, so every output pixel is 0; so the filter: It deletes the image")
    left = effect_working({"weight": _weight([[0, 0, 0], [0, 0, 1], [0, 0, 0]]), "padding": 1}, "left")
    assert "at row 2, column 3 of the filter (u = 0, v = 1); out[i, j] = 1 x in[i + 0, j + 1]: each output " \
           "pixel takes the input pixel to the right of it; so the filter: left" in left
    double = effect_working({"weight": _weight([[0, 0, 0], [0, 2, 0], [0, 0, 0]]), "padding": 1}, "doubles")
    assert "out[i, j] = 2 x in[i, j]: every pixel is multiplied by 2; so the filter: doubles" in double
