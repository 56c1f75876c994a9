"""An assignment's test inputs: literals, variables, cnnquiz.draws rules nested anywhere; deterministic drawing."""

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


def test_the_question_banks_spelling_works_in_assignments_too():
    env = {"H": 6}
    assert {draw.resolve({"range": [1, 7], "step": 3}, rng(s), env) for s in range(60)} == {1, 4, 7}
    assert draw.resolve({"ref": "H"}, rng(), env) == 6 and draw.resolve({"value": {"a": "$H"}}, rng(), env) == {"a": "$H"}
    assert {draw.resolve({"choices": [1, "$H"]}, rng(s), env) for s in range(40)} == {1, 6}
    assert round(draw.resolve({"real": [0, 1]}, rng(), env), 1) == draw.resolve({"real": [0, 1]}, rng(), env)


def test_every_option_of_a_choice_is_drawn_before_the_pick():
    # So the values drawn after a choice do not depend on which option was picked.
    for seed in range(20):
        chooser = rng(seed)
        draw.resolve({"choice": [None, {"array": [4]}]}, chooser, {})
        drawer = rng(seed)
        drawer.uniform(-1.0, 1.0, size=(4,))
        drawer.integers(0, 2)
        assert chooser.integers(0, 2**62) == drawer.integers(0, 2**62)


def test_a_variable_is_a_copy():
    env = {"x": np.zeros(2)}
    drawn = draw.resolve("$x", rng(), env)
    drawn[0] = 5.0
    assert env["x"][0] == 0.0


def test_references():
    assert draw.references({"array": ["$C", {"int": [1, "$H"]}]}) == {"C", "H"}
    assert draw.references({"value": "$not"}) == set() and draw.references({"ref": "k"}) == {"k"}


_RULES = r"exactly one rule key \(int, float, choice, array, value, ref, range, real, choices\)"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"ints": [1, 2]}, _RULES + r"; got keys \['ints'\]"),
        ({"int": [1, 2], "float": [1, 2]}, _RULES),
        ({"value": 1, "colour": 2}, _RULES),
        ({"int": [1, 2], "range": [1, 3]}, r"keys \['int', 'range'\] give 'range' twice"),
        ({"float": [0, 1], "round": 1, "decimals": 2}, r"give 'decimals' twice"),
        ({"int": [1, 2], "round": 2}, r"int: unknown option\(s\) \['round'\] \(allowed: step\)"),
        ({"float": [0, 1], "round": -1}, "float: round: Input should be greater than or equal to 0"),
        ({"array": [2], "integers": "$flag"}, "array: integers: Input should be a valid boolean"),
        ({"int": 3}, r"int: expected \[low, high\]; got 3"),
        ({"int": [1, 2, 3]}, r"int: expected \[low, high\]; got \[1, 2, 3\]"),
        ({"choice": []}, "choice: expected a non-empty list"),
        ({"array": 3}, r"array: expected a shape like \[C, H, W\]"),
        ({"array": [{"int": 5}]}, r"int: expected \[low, high\]; got 5"),
        ({"int": [5, 1]}, r"int: range must be low, high with low <= high; got \[5, 1\]"),
        ([1, {"choices": [1], "step": 2}], r"choices: unknown option\(s\) \['step'\] \(allowed: none\)"),
    ],
)
def test_check_rejects_bad_specs(spec, message):
    with pytest.raises(ValueError, match=message):
        draw.check(spec)


def test_resolve_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"W: no such value \(only earlier ones can be used\)"):
        draw.resolve("$W", rng(), {})
    with pytest.raises(ValueError, match=r"^range: high 1 is below low 3$"):
        draw.resolve({"int": ["$lo", 1]}, rng(), {"lo": 3})
    with pytest.raises(ValueError, match="array dimension must be an integer; got 2.5"):
        draw.resolve({"array": [2.5]}, rng(), {})
    with pytest.raises(ValueError, match=r"array: shape \(0,\) must have dimensions >= 1"):
        draw.resolve({"array": [0]}, rng(), {})
