"""Drawn test inputs never change: the shipped assignment's public and hidden draws (with
and without a course secret) and every generator of the language, against a golden."""

from __future__ import annotations

import json

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


def test_the_golden_covers_hidden_draws_and_negative_zero(golden) -> None:
    # The secret changes hidden draws only; the sampler's rounded floats include -0.0.
    public = [c for c in golden["cnn"] if c["public"]]
    assert public == [c for c in golden["cnn, secret for alice"] if c["public"]]
    assert golden["cnn"] != golden["cnn, secret for alice"]
    assert "-0.0" in json.dumps(golden["draw-language"])
