"""Every shipped template, through answer checking: its key, typed the way it is shown, is
correct, and each of its known wrong values, typed the way it would be shown, is named."""

from __future__ import annotations

import pytest

from cnnquiz.bank import generate_question, load_bank
from cnnquiz.bank.answer_check import check, format_key
from cnnquiz.mistakes import CATALOGUE

BANK = load_bank()
SEEDS = (0, 1, 2)


@pytest.mark.parametrize("template", [t.id for t in BANK.templates])
def test_keys_are_accepted_and_wrong_values_named(template: str) -> None:
    for seed in SEEDS:
        question = generate_question(BANK.get(template), seed)
        verdict = check(question, format_key(question))
        assert verdict.correct, (seed, format_key(question), verdict.feedback)
        for wrong in question.wrong_answers:
            typed = format_key(question, wrong.value)
            verdict = check(question, typed)
            assert not verdict.correct and verdict.mistake, (seed, wrong.mistake, typed, verdict.feedback)
            named = verdict.mistake.split("+")
            for key in wrong.mistake.split("+"):  # every mistake giving this value is named
                assert key in named, (seed, wrong.mistake, typed, verdict.mistake)
                assert CATALOGUE[key].name in verdict.feedback, (seed, key, verdict.feedback)
