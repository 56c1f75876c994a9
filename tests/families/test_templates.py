"""The families' template files: each passes ``bank validate`` with 100 variants (no problem,
no warning), each listed mistake shows a value of its own on most draws, and each working
is written from the same numbers as its prompt and key."""

import re
from pathlib import Path

import pytest

from cnnquiz.bank.generate import derive_seed, generate_question
from cnnquiz.bank.load import load_file
from cnnquiz.bank.validate import validate_dir
from cnnquiz.paths import shipped_templates_dir

FAMILY_FILES = ["network_tables", "transposed_conv", "backprop", "cost", "param_savings", "inverse_design",
                "batch_norm", "filters", "equivariance", "padding_modes"]
_DRAWS = 20


def _path(name: str) -> Path:
    return shipped_templates_dir() / f"{name}.yaml"


def _templates():
    return [t for name in FAMILY_FILES for t in load_file(_path(name))]


@pytest.mark.parametrize("name", FAMILY_FILES)
def test_file_passes_bank_validate(name, tmp_path):
    (tmp_path / f"{name}.yaml").write_text(_path(name).read_text())
    check = validate_dir(tmp_path, variants=100)
    assert check.problems == []
    assert check.warnings == []
    assert check.templates == len(load_file(_path(name)))


def test_families_add_their_topics():
    topics = {t.topic for t in _templates()}
    assert len(_templates()) >= 55
    assert len(topics) >= 7


@pytest.mark.parametrize("template", _templates(), ids=lambda t: t.id)
def test_each_mistake_differs_from_the_key_on_most_draws(template):
    if not template.mistakes:
        return
    seen = {key: 0 for key in template.mistakes}
    for i in range(_DRAWS):
        question = generate_question(template, derive_seed("families", template.id, i))
        for wrong in question.wrong_answers:
            assert wrong.value != question.answer
            for key in wrong.mistake.split("+"):
                seen[key] += 1
    rare = {key: count for key, count in seen.items() if count <= _DRAWS // 2}
    assert not rare, f"{template.id}: mistakes seen in at most half of {_DRAWS} draws: {rare}"


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"-?\d+(?:\.\d+)?", text))


@pytest.mark.parametrize("template", [t for t in _templates() if t.kind.value == "integer"], ids=lambda t: t.id)
def test_integer_working_ends_with_the_key(template):
    for i in range(10):
        question = generate_question(template, derive_seed("working", template.id, i))
        assert str(question.answer) in _numbers(question.working), (question.prompt, question.working)
