"""Drawn test inputs never change: the shipped assignment's public and hidden draws (with
and without a course secret) and every generator of the language, against a golden.

The golden was written by the assignments' own draw language before grading switched to
cnnquiz.draws; the switch changed one value of the sampler (-0.0 -> 0.0, see below)."""

from __future__ import annotations

import json
import math

import pytest
from drawn_cases import GOLDEN, all_drawn


@pytest.fixture(scope="module")
def golden():
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def now():
    return all_drawn()


@pytest.mark.parametrize("label", ["cnn", "cnn, secret for alice", "draw-language"])
def test_every_drawn_value_is_the_golden_one(golden, now, label) -> None:
    assert [c["name"] for c in now[label]] == [c["name"] for c in golden[label]]
    for case, expected in zip(now[label], golden[label]):
        # As JSON text: 2 == 2.0 and -0.0 == 0.0 in Python, but not in what the student receives.
        assert json.dumps(case) == json.dumps(expected), case["name"]


def test_the_golden_covers_hidden_draws_and_no_value_is_negative_zero(golden) -> None:
    # The secret changes hidden draws only. A float rounded to zero from below is 0.0, not
    # -0.0 (cnnquiz.draws; until the languages became one it was -0.0 for a scalar float).
    public = [c for c in golden["cnn"] if c["public"]]
    assert public == [c for c in golden["cnn, secret for alice"] if c["public"]]
    assert golden["cnn"] != golden["cnn, secret for alice"]
    assert not any(_negative_zeros(cases) for cases in golden.values())
    assert _negative_zeros([[1.0, -0.0]]) == 1  # the check can see one


def _negative_zeros(value) -> int:
    if isinstance(value, float):
        return int(value == 0 and math.copysign(1.0, value) < 0)
    if isinstance(value, dict):
        value = list(value.values())
    return sum(_negative_zeros(v) for v in value) if isinstance(value, list) else 0
