"""The test-input language: literals, variables, generators; deterministic drawing."""

from __future__ import annotations

import numpy as np
import pytest

from cnnquiz.grading import draw


def rng(seed=0):
    return np.random.default_rng(seed)


def test_literals_and_variables_pass_through():
    env = {"H": 4}
    assert draw.resolve([1, "$H", None, True, "text"], rng(), env) == [1, 4, None, True, "text"]


def test_int_bounds_are_inclusive():
    values = {draw.resolve({"int": [2, 4]}, rng(seed), {}) for seed in range(200)}
    assert values == {2, 3, 4}


def test_array_shape_from_variables_and_integer_values():
    arr = draw.resolve({"array": ["$C", 3], "low": -2, "high": 2, "integers": True}, rng(), {"C": 2})
    assert arr.shape == (2, 3) and arr.dtype == np.float64
    assert set(np.unique(arr)) <= {-2.0, -1.0, 0.0, 1.0, 2.0}


def test_array_round_and_float_range():
    arr = draw.resolve({"array": [50], "low": 995, "high": 1005, "round": 1}, rng(), {})
    assert np.all((arr >= 995) & (arr <= 1005)) and np.allclose(arr, np.round(arr, 1))


def test_same_seed_same_values_other_seed_other_values():
    spec = {"array": [3, 4]}
    assert np.array_equal(draw.resolve(spec, rng(1), {}), draw.resolve(spec, rng(1), {}))
    assert not np.array_equal(draw.resolve(spec, rng(1), {}), draw.resolve(spec, rng(2), {}))


def test_choice_resolves_nested_values():
    picks = {repr(draw.resolve({"choice": [None, {"int": [7, 7]}]}, rng(s), {})) for s in range(50)}
    assert picks == {"None", "7"}


def test_references():
    assert draw.references({"array": ["$C", {"int": [1, "$H"]}]}) == {"C", "H"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"ints": [1, 2]}, r"exactly one generator key \(int, float, choice, array\); got keys \['ints'\]"),
        ({"int": [1, 2], "float": [1, 2]}, "exactly one generator key"),
        ({"int": [1, 2], "round": 2}, r"int: unknown option\(s\) \['round'\]"),
        ({"int": 3}, r"int: expected \[low, high\]; got 3"),
        ({"choice": []}, "choice: expected a non-empty list"),
        ({"array": 3}, r"array: expected a shape like \[C, H, W\]"),
    ],
)
def test_check_rejects_bad_specs(spec, message):
    with pytest.raises(ValueError, match=message):
        draw.check(spec)


def test_resolve_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"\$W: no such variable"):
        draw.resolve("$W", rng(), {})
    with pytest.raises(ValueError, match="int: high 1 is below low 3"):
        draw.resolve({"int": [3, 1]}, rng(), {})
    with pytest.raises(ValueError, match="array dimension must be an integer; got 2.5"):
        draw.resolve({"array": [2.5]}, rng(), {})
    with pytest.raises(ValueError, match=r"array: shape \(0,\) must have dimensions >= 1"):
        draw.resolve({"array": [0]}, rng(), {})
