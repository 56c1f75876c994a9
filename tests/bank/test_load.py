"""Loading banks: one-line errors naming file, template and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnnquiz.bank import load_bank
from cnnquiz.errors import BankError
from cnnquiz.paths import shipped_templates_dir

from .bank_helpers import GOOD_TEMPLATE, write_bank

SHIPPED_TOPICS = {
    "output_size", "pool_size", "output_volume", "conv_params", "linear_params", "conv_result",
    "pool_result", "special_kernels", "receptive_field", "activations", "sigmoid_relu", "networks",
    "concepts",
}


def test_shipped_bank_covers_every_topic_with_several_templates() -> None:
    bank = load_bank()
    assert SHIPPED_TOPICS <= set(bank.topics)  # the question families add more (cnnquiz.families)
    for topic, templates in bank.topics.items():
        assert len(templates) >= 3, topic
    assert {t.difficulty for t in bank.templates} == {1, 2, 3}
    assert all(t.source.startswith("templates/") for t in bank.templates)


def test_bank_order_is_stable(tmp_path: Path) -> None:
    ids = [t.id for t in load_bank().templates]
    assert ids == [t.id for t in load_bank().templates]
    assert ids == [t.id for t in sorted(load_bank().templates, key=lambda t: (t.topic, t.difficulty, t.id))]


def test_extra_bank_next_to_or_instead_of_shipped(tmp_path: Path) -> None:
    extra = write_bank(tmp_path / "mine", {"a.yaml": GOOD_TEMPLATE.replace("conv-output-size-basic", "my-one")})
    both = load_bank([extra])
    assert "my-one" in {t.id for t in both.templates} and len(both) > 1
    alone = load_bank([extra], include_shipped=False)
    assert [t.id for t in alone.templates] == ["my-one"]
    assert alone.get("my-one").source == f"{extra.as_posix()}/a.yaml"


def _error(tmp_path: Path, text: str, name: str = "conv.yaml") -> str:
    bank = write_bank(tmp_path / "templates", {name: text})
    with pytest.raises(BankError) as info:
        load_bank([bank], include_shipped=False)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    message = _error(tmp_path, "templates:\n  - id: x\n    prompt: [unclosed\n")
    assert message.startswith(f"{(tmp_path / 'templates').as_posix()}/conv.yaml: line ")
    assert "invalid YAML" in message


def test_unknown_field_names_template_and_field(tmp_path: Path) -> None:
    text = GOOD_TEMPLATE.replace("size: {range: [8, 40]}", "size: {rnage: [8, 40]}")
    message = _error(tmp_path, text)
    assert "conv.yaml: template 'conv-output-size-basic': params.size.rnage: unknown field" in message


def test_bad_range_names_the_field(tmp_path: Path) -> None:
    message = _error(tmp_path, GOOD_TEMPLATE.replace("range: [8, 40]", "range: [40, 8]"))
    assert "template 'conv-output-size-basic': params.size: range must be low, high with low <= high" in message


def test_unknown_computation(tmp_path: Path) -> None:
    message = _error(tmp_path, GOOD_TEMPLATE.replace("computation: conv2d_output_size", "computation: conv9d"))
    assert "template 'conv-output-size-basic': answer.computation: unknown computation 'conv9d'" in message


def test_unknown_mistake(tmp_path: Path) -> None:
    message = _error(tmp_path, GOOD_TEMPLATE.replace("padding_once]", "padding_twice]"))
    assert "template 'conv-output-size-basic': mistakes.1: unknown mistake 'padding_twice'" in message


def test_mistake_of_another_computation(tmp_path: Path) -> None:
    message = _error(tmp_path, GOOD_TEMPLATE.replace("padding_once]", "kernel_flipped]"))
    assert "mistakes.1: mistake 'kernel_flipped' is not a known variant of conv2d_output_size" in message


def test_template_without_id_is_named_by_position(tmp_path: Path) -> None:
    message = _error(tmp_path, GOOD_TEMPLATE.replace("  - id: conv-output-size-basic\n    topic", "  - topic"))
    assert "conv.yaml: template #1: id: Field required" in message


def test_empty_and_wrongly_shaped_files(tmp_path: Path) -> None:
    assert "empty file" in _error(tmp_path, "")
    assert "expected a mapping with 'templates'" in _error(tmp_path / "b", "- just a list\n")
    assert "templates: Field required" in _error(tmp_path / "c", "tempaltes: []\n")


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    bank = write_bank(tmp_path / "dup", {"a.yaml": GOOD_TEMPLATE, "b.yaml": GOOD_TEMPLATE})
    with pytest.raises(BankError, match=r"b\.yaml: template 'conv-output-size-basic': id: duplicate id \(also in .*a\.yaml\)"):
        load_bank([bank], include_shipped=False)


def test_more_problems_are_counted(tmp_path: Path) -> None:
    text = GOOD_TEMPLATE.replace("Output height?", "{nope}").replace("conv2d_output_size", "conv9d")
    message = _error(tmp_path, text)
    assert "(+1 more; see 'cnnquiz bank validate')" in message


def test_missing_directory_and_no_directory(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="bank directory not found"):
        load_bank([tmp_path / "nowhere"])
    with pytest.raises(BankError, match="no bank directory"):
        load_bank(include_shipped=False)
    with pytest.raises(BankError, match="no templates found"):
        load_bank([write_bank(tmp_path / "empty", {})], include_shipped=False)


def test_shipped_dir_exists() -> None:
    assert shipped_templates_dir().is_dir()


def test_the_readme_names_every_topic_of_the_shipped_bank() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [topic for topic in load_bank().topics if f"`{topic}`" not in readme]
    assert missing == [], f"README.md does not list the topics {missing}"
