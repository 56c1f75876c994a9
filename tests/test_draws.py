"""The one draw language (cnnquiz.draws): both spellings parse to the same rule, every rule
draws what it says, and the assignments' spelling draws exactly what grading/draw.py does."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from cnnquiz.draws import Array, Choices, Fixed, IntRange, Real, Ref, parse_rule, references, rule_tag
from cnnquiz.grading import draw as assignment_draw


@pytest.mark.parametrize("ours,theirs,kind", [
    ({"range": [2, 9]}, {"int": [2, 9]}, IntRange),
    ({"choices": [1, 3, 5]}, {"choice": [1, 3, 5]}, Choices),
    ({"real": [-1.0, 1.0], "decimals": 2}, {"float": [-1.0, 1.0], "round": 2}, Real),
    ({"ref": "H"}, "$H", Ref),
    ({"value": 3}, 3, Fixed),
])
def test_both_spellings_are_one_rule(ours, theirs, kind) -> None:
    assert type(parse_rule(ours)) is kind and parse_rule(ours) == parse_rule(theirs)
    assert rule_tag(ours) == rule_tag(theirs)


def test_defaults_follow_each_language() -> None:
    assert parse_rule({"real": [0, 1]}).decimals == 1  # question templates: 1 decimal
    assert parse_rule({"float": [0, 1]}).decimals is None  # assignments: not rounded
    assert parse_rule({"kernel_size": 3}) == Fixed(value={"kernel_size": 3})  # a plain mapping is a literal


def test_each_rule_draws_what_it_says() -> None:
    rng = np.random.default_rng(5)
    env = {"H": 4, "layer": {"in_channels": 16}}
    assert {parse_rule({"range": [1, 7], "step": 3}).draw(rng) for _ in range(60)} == {1, 4, 7}
    assert {parse_rule({"choice": ["a", "b"]}).draw(rng) for _ in range(40)} == {"a", "b"}
    reals = [parse_rule({"real": [-2, 2], "decimals": 1}).draw(rng) for _ in range(200)]
    assert all(-2 <= r <= 2 and round(r, 1) == r for r in reals) and "-0.0" not in map(str, reals)
    assert parse_rule("$layer.in_channels").draw(rng, env) == 16
    assert parse_rule({"int": [1, "$H"]}).draw(rng, env) in range(1, 5)
    arr = parse_rule({"array": ["$H", 2], "integers": True, "low": 0, "high": 2}).draw(rng, env)
    assert arr.shape == (4, 2) and set(np.unique(arr)) <= {0.0, 1.0, 2.0}
    copy = parse_rule("$layer").draw(rng, env)
    copy["in_channels"] = 0
    assert env["layer"]["in_channels"] == 16  # a reference gives a copy


@pytest.mark.parametrize("spec,message", [
    ({"range": [5, 1]}, "low <= high"),
    ({"int": [1, 2], "choices": [1]}, "exactly one rule"),
    ({"choices": []}, "at least 1 item"),
    ({"real": [0, 1], "decimals": -1}, "greater than or equal to 0"),
    ({"range": [1, 3], "colour": 1}, "Extra inputs"),
])
def test_malformed_rules_are_refused(spec, message) -> None:
    with pytest.raises((ValidationError, ValueError), match=message):
        parse_rule(spec)


def test_a_missing_reference_names_it() -> None:
    with pytest.raises(ValueError, match="W: no such value"):
        parse_rule("$W").draw(np.random.default_rng(0), {"H": 1})
    with pytest.raises(ValueError, match="array dimension must be an integer"):
        Array(array=[1.5]).draw(np.random.default_rng(0))


_ASSIGNMENT_SPECS = st.one_of(
    st.tuples(st.integers(-50, 50), st.integers(0, 60)).map(lambda t: {"int": [t[0], t[0] + t[1]]}),
    st.tuples(st.floats(-10, 10), st.floats(0, 10), st.integers(0, 4)).map(
        lambda t: {"float": [t[0], t[0] + t[1]], "round": t[2]}),
    st.tuples(st.floats(-10, 10), st.floats(0, 10)).map(lambda t: {"float": [t[0], t[0] + t[1]]}),
    st.lists(st.integers(-9, 9), min_size=1, max_size=6).map(lambda c: {"choice": c}),
    st.sampled_from(["$H", "$C"]),
    st.tuples(st.integers(1, 4), st.booleans(), st.integers(0, 3)).map(
        lambda t: {"array": ["$C", t[0]], "integers": t[1], "low": -t[2], "high": t[2], "round": 2}),
)


@settings(max_examples=300, deadline=None)
@given(spec=_ASSIGNMENT_SPECS, seed=st.integers(0, 2**32 - 1))
def test_assignment_spelling_draws_exactly_what_grading_draw_does(spec, seed) -> None:
    """grading/draw.py draws through cnnquiz.draws; its wrapper (lists, nested bounds, shapes)
    must add nothing to a single rule. The values drawn before the switch are pinned by
    tests/grading/golden/drawn_cases.json."""
    env = {"H": 5, "C": 3}
    theirs = assignment_draw.resolve(spec, np.random.default_rng(seed), env)
    ours = parse_rule(spec).draw(np.random.default_rng(seed), env)
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_references_name_what_a_rule_reads() -> None:
    assert references({"array": ["$C", "$H"], "low": "$lo"}) == {"C", "H", "lo"}
    assert references(parse_rule({"int": [1, "$layer.size"]})) == {"layer"}
    assert references(parse_rule({"ref": "k"})) == {"k"} and references({"value": "$not"}) == set()
    assert references(parse_rule({"choices": [1, 2]})) == set()
