"""The template models: one rule per parameter, named constraints, answer sources."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cnnquiz.bank._checks import placeholders, semantic_problems
from cnnquiz.bank.schema import Constraint, ParamSpec, Template


def _template(**changes: object) -> dict:
    base = {
        "id": "t1", "topic": "output_size", "difficulty": 1, "kind": "integer",
        "prompt": "size {size}?",
        "params": {"size": {"range": [5, 9]}},
        "answer": {"computation": "conv2d_output_size", "args": {"size": "size", "kernel_size": 3}},
        "mistakes": ["forgot_plus_one"],
    }
    base.update(changes)
    return base


def test_a_valid_template_has_no_problems() -> None:
    assert semantic_problems(Template.model_validate(_template())) == []


def test_bare_scalar_is_a_fixed_value() -> None:
    assert ParamSpec.model_validate(7).rule == "value"
    assert ParamSpec.model_validate({"value": None}).rule == "value"
    assert ParamSpec.model_validate({"list": ["a", "b"]}).rule == "list"


def test_a_parameter_needs_exactly_one_rule() -> None:
    with pytest.raises(ValidationError, match="exactly one of"):
        ParamSpec.model_validate({"range": [1, 3], "choices": [1]})
    with pytest.raises(ValidationError, match="exactly one of"):
        ParamSpec.model_validate({"step": 2})


def test_range_must_be_ordered() -> None:
    with pytest.raises(ValidationError, match="low <= high"):
        ParamSpec.model_validate({"range": [5, 1]})


def test_unknown_constraint_rule_is_refused() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        Constraint.model_validate({"run_python": "1/0"})
    assert Constraint.model_validate({"less_than": ["a", "b"]}).rule == "less_than"


def test_unknown_field_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        Template.model_validate(_template(anwser={}))
    assert info.value.errors()[0]["loc"] == ("anwser",)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"prompt": "{nope}"}, "prompt", "is not a parameter"),
        ({"prompt": "{size:fancy}"}, "prompt", "unknown format"),
        ({"answer": {"computation": "conv3d", "args": {}}}, "answer.computation", "unknown computation"),
        ({"mistakes": ["forgot_minus_one"]}, "mistakes.0", "unknown mistake"),
        ({"mistakes": ["kernel_flipped"]}, "mistakes.0", "not a known variant of conv2d_output_size"),
        ({"answer": {"computation": "conv2d_output_size", "args": {"size": "sise"}}}, "answer.args.size", "unknown parameter"),
        ({"params": {"size": {"range": [5, 9]}, "double": {"product": ["size", "later"]}, "later": 2}},
         "params.double.product", "earlier ones"),
        ({"constraints": [{"less_than": ["size", "k"]}]}, "constraints.0.less_than", "unknown parameter 'k'"),
        ({"kind": "shape"}, "shape_order", "order asked for"),
        ({"kind": "choice"}, "answer.match", "need match"),
    ],
)
def test_semantic_problems_name_the_field(changes: dict, field: str, message: str) -> None:
    problems = semantic_problems(Template.model_validate(_template(**changes)))
    assert any(loc == field and message in msg for loc, msg in problems), problems


def test_concept_questions_need_options_and_no_mistakes() -> None:
    t = Template.model_validate(_template(kind="choice", answer=None, mistakes=["forgot_plus_one"]))
    fields = [loc for loc, _ in semantic_problems(t)]
    assert fields == ["options", "mistakes"]


def test_placeholders_refuse_conversions() -> None:
    assert placeholders("{a} and {b:hxw}") == [("a", ""), ("b", "hxw")]
    with pytest.raises(ValueError, match="conversions"):
        placeholders("{a!r}")


def test_parameters_speak_the_one_draw_language_with_the_assignment_aliases() -> None:
    from cnnquiz.draws import Choices, IntRange, Real, Ref

    assert type(ParamSpec.model_validate({"int": [1, 4]}).draw) is IntRange
    assert ParamSpec.model_validate({"int": [1, 4]}).range == (1, 4)
    assert type(ParamSpec.model_validate({"choice": [1, 2]}).draw) is Choices
    real = ParamSpec.model_validate({"float": [0, 1], "round": 2})
    assert type(real.draw) is Real and (real.rule, real.decimals) == ("real", 2)
    ref = ParamSpec.model_validate("$size")
    assert type(ref.draw) is Ref and (ref.rule, ref.ref) == ("ref", "size")
    assert ParamSpec.model_validate("same").value == "same"  # a bare string is still a literal
    template = Template.model_validate(_template(params={
        "size": {"int": [8, 12]}, "k": {"choice": [3]}, "copy": "$size", "p": {"range": [0, 1]}}))
    assert semantic_problems(template) == []


def test_a_draw_rule_error_names_the_field() -> None:
    with pytest.raises(ValidationError, match="choices: List should have at least 1 item"):
        ParamSpec.model_validate({"choice": []})
