"""``bank validate``'s checks: coinciding mistakes flagged with their share, and draw
coverage (every case a template's rules can draw comes up)."""

from __future__ import annotations

import pytest

from cnnquiz.bank import generate_question, load_bank
from cnnquiz.bank.answer_check import check, format_key
from cnnquiz.bank.load import load_file
from cnnquiz.bank.validate import collision_shares, coverage_gaps, draw_space, validate_dir, variants_of
from cnnquiz.mistakes import CATALOGUE

from .bank_helpers import GOOD_TEMPLATE, drawn, pinned, write_bank

BANK = load_bank()
COVERAGE_VARIANTS = 40


@pytest.mark.parametrize("template", BANK.templates, ids=lambda t: t.id)
def test_every_small_draw_space_is_covered(template) -> None:
    """No value of a choice set, a small range or a network's layers is missing (in 40 draws,
    or 8 per value for larger sets: every value has a fair chance to come up)."""
    largest = max((len(values) for values in draw_space(template).values()), default=0)
    questions = drawn(template.id, max(COVERAGE_VARIANTS, 8 * largest))
    assert coverage_gaps(template, questions) == {}


def test_lecture_cases_are_reachable() -> None:
    kernels = {str(q.params["kernel"]) for q in variants_of(BANK.get("special-kernel-lecture"), 40)}
    assert str([[0, 0, 0], [0, 0, 0], [0, 0, 0]]) in kernels  # "deleting"
    assert str([[0, 0, 0], [0, 1, 0], [0, 0, 0]]) in kernels  # identity
    lenet = {q.params["layer"]["number"] for q in variants_of(BANK.get("network-lenet-conv-params"), 40)}
    assert lenet == set(draw_space(BANK.get("network-lenet-conv-params"))["layer"]) and len(lenet) >= 2
    vgg = {q.params["layer"]["number"] for q in variants_of(BANK.get("network-vgg16-output-shape"), 120)}
    assert len(vgg) == 13  # every conv layer of VGG-16


def test_collisions_are_named_together_and_counted() -> None:
    template = pinned(BANK.get("conv-output-size-stride"), stride=2, padding=2)
    q = generate_question(template, 5)
    joined = [w.mistake for w in q.wrong_answers if "+" in w.mistake]
    assert joined == ["forgot_plus_one+padding_once"]  # padding p = stride s: both give one value
    value = next(w.value for w in q.wrong_answers if w.mistake == joined[0])
    verdict = check(q, format_key(q, value))
    assert verdict.mistake == "forgot_plus_one+padding_once"
    for key in ("forgot_plus_one", "padding_once"):
        assert CATALOGUE[key].name in verdict.feedback
    assert collision_shares([q, generate_question(BANK.get("conv-output-size-no-padding"), 1)]) == {
        "forgot_plus_one+padding_once": 0.5}


def test_validate_warns_about_collisions_and_unreachable_values(tmp_path) -> None:
    never = GOOD_TEMPLATE.replace("k: {choices: [3, 5]}", "k: {choices: [3, 5, 40]}").replace(
        "    answer:", "    constraints:\n      - {less_than: [k, size]}\n    answer:")
    bank = write_bank(tmp_path / "bank", {"a.yaml": never})
    report = validate_dir(bank, variants=30)
    assert report.templates == 1 and report.problems == []
    assert any("mistakes: 'forgot_plus_one' and 'padding_once' give the same value in" in w for w in report.warnings)
    gap = [w for w in report.warnings if "params.k:" in w]
    assert len(gap) == 1 and gap[0].endswith("params.k: 1 of 3 values never drawn in 30 variants (40)")
    template = load_file(bank / "a.yaml")[0]
    assert draw_space(template) == {"k": [3, 5, 40], "p": [0, 1, 2]}
