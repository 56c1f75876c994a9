"""Generation: answers are the solver's, lecture examples, determinism, constraints."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cnnquiz import mistakes
from cnnquiz.bank import generate_paper, generate_question, load_bank, student_seed
from cnnquiz.bank.answer_check import check
from cnnquiz.bank.generate import question_seed, select_templates
from cnnquiz.bank.question import AnswerKind, Question
from cnnquiz.bank.schema import Template
from cnnquiz.errors import BankError
from cnnquiz.network import load_network, resolve_network, summarize

from .bank_helpers import GOOD_TEMPLATE, pinned, write_bank

BANK = load_bank()


# --- an independent re-computation of the key -------------------------------------------

def _resolve(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, str):
        head, *fields = value.split(".")
        out = params[head]
        for f in fields:
            out = out[f]
        return out
    if isinstance(value, dict):
        return value["value"] if set(value) == {"value"} else {k: _resolve(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, params) for v in value]
    return value


def _transformed(t: Template, value: Any, params: dict[str, Any]) -> np.ndarray:
    assert t.answer is not None
    arr = np.asarray(value, dtype=float)
    tr = t.answer.transform
    if tr.squeeze:
        while arr.ndim > 2 and arr.shape[0] == 1:
            arr = arr[0]
    if tr.layout == "HWC":
        arr = np.array([arr[1], arr[2], arr[0]])
    if tr.pick:
        arr = arr[tuple(int(_resolve(i, params)) - 1 for i in tr.pick)]
    return arr


def _solver_key(t: Template, q: Question) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The answer and the single-part mistakes, straight from mistakes.compute / mistaken_values."""
    assert t.answer is not None
    parts = t.answer.all_parts()
    args = [{k: _resolve(v, q.params) for k, v in p.args.items()} for p in parts]
    values = [mistakes.compute(p.computation, a) for p, a in zip(parts, args)]
    total = values[0] if len(values) == 1 else (
        sum(values) if t.answer.combine == "sum" else values[0] - sum(values[1:]))
    wrong = {}
    if len(parts) == 1:
        for key, v in mistakes.mistaken_values(parts[0].computation, args[0], only=t.mistakes).items():
            wrong[key] = v
    return _transformed(t, total, q.params), wrong


COMPUTED = [t for t in BANK.templates if t.answer is not None and t.answer.match is None]


@pytest.mark.parametrize("template", COMPUTED, ids=lambda t: t.id)
def test_answers_and_mistakes_are_the_solvers(template: Template) -> None:
    for seed in range(4):
        q = generate_question(template, seed)
        expected, wrong = _solver_key(template, q)
        assert mistakes.values_match(q.answer, expected, rtol=0, atol=1e-9), (q.params, q.answer)
        named = [key for w in q.wrong_answers for key in w.mistake.split("+")]
        assert len(named) == len(set(named)), q.wrong_answers  # each mistake under one value
        for w in q.wrong_answers:
            for key in w.mistake.split("+"):  # every mistake sharing the value gives it
                assert key in template.mistakes
                if key in wrong:
                    got = np.asarray(w.value, dtype=float)
                    assert mistakes.values_match(got, _transformed(template, wrong[key], q.params)), w
            assert not mistakes.values_match(w.value, q.answer, rtol=q.tolerance.rtol, atol=max(q.tolerance.atol, 1e-9))


@pytest.mark.parametrize("template", BANK.templates, ids=lambda t: t.id)
def test_questions_are_complete_and_json_clean(template: Template) -> None:
    q = generate_question(template, 11, "q3")
    assert (q.id, q.template, q.topic, q.difficulty) == ("q3", template.id, template.topic, template.difficulty)
    assert "{" not in q.prompt and q.prompt == q.prompt.strip()
    json.dumps(q.model_dump(mode="json"), allow_nan=False)
    if q.kind is AnswerKind.INTEGER:
        assert isinstance(q.answer, int) and not isinstance(q.answer, bool)
    elif q.kind is AnswerKind.SHAPE:
        assert q.shape_order and all(isinstance(v, int) for v in q.answer)
    elif q.kind is AnswerKind.CHOICE:
        assert q.choices and q.answer in q.choices and len(set(q.choices)) == len(q.choices)
    elif q.kind is AnswerKind.NUMBER:
        assert isinstance(q.answer, float) and math.isfinite(q.answer)
    assert q.working
    if template.answer is not None and template.answer.parts is None:
        assert q.computation == template.answer.computation


# --- lecture examples through fixed parameters ---------------------------------------------

LECTURE_IMAGE = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
LECTURE_FILTER = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]
SIX = [[1, 0, 0, 0, 0, 1], [0, 1, 0, 0, 1, 0], [0, 0, 1, 1, 0, 0],
       [1, 0, 0, 0, 1, 0], [0, 1, 0, 0, 1, 0], [0, 0, 1, 0, 1, 0]]
FILTER_1 = [[1, -1, -1], [-1, 1, -1], [-1, -1, 1]]
MAP_1 = [[3, -1, -3, -1], [-3, 1, 0, -3], [-3, -3, 0, 1], [3, -2, -2, -1]]


def _q(template_id: str, **values: Any) -> Question:
    return generate_question(pinned(BANK.get(template_id), **values), 0)


def _wrong(q: Question) -> dict[str, Any]:
    return {w.mistake: w.value for w in q.wrong_answers}


def test_lecture_output_size_and_volume() -> None:
    assert _q("conv-output-size-basic", size=32, kernel_size=5, padding=2).answer == 32
    assert _q("conv-output-size-no-padding", size=150, kernel_size=3).answer == 148
    q = _q("output-volume-lecture", h=32, c=3, kernel_size=5, filters=10, padding=2)
    assert q.answer == [32, 32, 10]
    assert _wrong(q)["channels_kept"] == [32, 32, 3]
    assert _q("output-volume-feature-maps", h=6, kernel_size=3, filters=6).answer == [4, 4, 6]
    assert _q("pool-size-lecture", n=150).answer == [75, 75]


def test_lecture_parameter_counts() -> None:
    q = _q("conv-params-lecture", h=32, in_channels=3, kernel_size=5, out_channels=10)
    assert q.answer == 760
    assert _wrong(q)["bias_forgotten"] == 750
    assert _q("conv-params-1x1-filter", h=128, in_channels=16).answer == 17
    mlp = _q("linear-params-lecture-mlp", side=16, hidden=100, classes=26)
    assert mlp.answer == 28326
    assert _wrong(mlp) == {"bias_forgotten": 28200}
    assert "25700 + 2626 = 28326" in mlp.working


def test_lecture_convolutions() -> None:
    q = _q("conv-result-lecture-binary", x=[LECTURE_IMAGE], w=[[LECTURE_FILTER]])
    assert q.answer == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    assert q.wrong_answers == []  # a symmetric filter: flipping changes nothing
    for (row, col) in [(1, 1), (2, 3), (4, 1), (4, 4)]:
        q = _q("conv-result-element", n=6, x=[SIX], w=[[FILTER_1]], row=row, col=col)
        assert q.answer == MAP_1[row - 1][col - 1]


def test_lecture_multichannel_example_gives_minus_25() -> None:
    red = [[0, 0, 0, 0], [0, 156, 155, 156], [0, 153, 154, 157], [0, 149, 151, 155]]
    green = [[0, 0, 0, 0], [0, 167, 166, 167], [0, 164, 165, 168], [0, 160, 162, 166]]
    blue = [[0, 0, 0, 0], [0, 163, 162, 163], [0, 160, 161, 164], [0, 156, 158, 162]]
    kernel = [[[-1, -1, 1], [0, 1, -1], [0, 1, 1]], [[1, 0, 0], [1, -1, -1], [1, 0, -1]],
              [[0, 1, 1], [0, 1, 0], [1, -1, 1]]]
    q = _q("conv-result-multichannel", x=[red, green, blue], w=[kernel], b=1, row=1, col=1)
    assert q.answer == -25
    assert _wrong(q)["bias_forgotten"] == -26


def test_lecture_special_kernels() -> None:
    delete, identity, shift = ([[0, 0, 0]] * 3, [[0, 0, 0], [0, 1, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 1], [0, 0, 0]])
    assert _q("special-kernel-lecture", kernel=delete).answer.startswith("It deletes")
    assert _q("special-kernel-lecture", kernel=identity).answer.startswith("Nothing")
    q = _q("special-kernel-lecture", kernel=shift)
    assert q.answer == "It shifts the image left by 1 pixel"  # the lecture's "shifted left by 1 pixel"
    assert _wrong(q) == {"kernel_flipped": "It shifts the image right by 1 pixel"}


@pytest.mark.parametrize("position", [(r, c) for r in range(3) for c in range(3) if (r, c) != (1, 1)])
def test_shift_kernels_move_content_opposite_to_the_one(position: tuple[int, int]) -> None:
    kernel = [[0] * 3 for _ in range(3)]
    kernel[position[0]][position[1]] = 1
    dy, dx = 1 - position[0], 1 - position[1]  # cross-correlation: out[i, j] = x[i - dy, j - dx]
    words = {(-1, 0): "Up", (1, 0): "Down", (0, -1): "Left", (0, 1): "Right",
             (-1, -1): "Up and left", (-1, 1): "Up and right", (1, -1): "Down and left", (1, 1): "Down and right"}
    assert _q("special-kernel-shift", kernel=kernel).answer == f"{words[(dy, dx)]} by 1 pixel"


def test_sigmoid_relu_pitfall_and_receptive_field() -> None:
    q = _q("sigmoid-relu-value", z=-2.0)
    assert q.answer == 0.5
    assert _wrong(q)["relu_forgotten"] == pytest.approx(1 / (1 + math.exp(2)))
    assert _q("receptive-field-stack", n=3, k=3).answer == 7
    assert _q("receptive-field-dilated", d1=1, d2=2, d3=4).answer == 15


@pytest.mark.parametrize("template", [t for t in BANK.templates if t.topic == "networks"], ids=lambda t: t.id)
def test_network_answers_agree_with_the_network_summary(template: Template) -> None:
    for seed in range(6):
        q = generate_question(template, seed)
        layer = q.params["layer"]
        network = template.params["layer"].network_layer.network  # type: ignore[union-attr]
        row = summarize(load_network(resolve_network(network))).layers[layer["number"] - 1]
        if template.kind is AnswerKind.INTEGER:
            assert q.answer == row.params
        elif template.shape_order == "C x H x W":
            assert q.answer == list(row.output_shape)
        else:
            assert q.answer == list(row.output_shape[1:])


def test_lecture_network_first_layer_has_760_parameters() -> None:
    q = _q("network-lecture-conv-params")
    assert q.answer == 760
    assert "layer 1, conv2d(out_channels=10, kernel_size=5, padding=2)" in q.prompt


# --- determinism ----------------------------------------------------------------------

def test_same_options_same_paper() -> None:
    a = generate_paper(BANK, seed=42, count=13).model_dump()
    b = generate_paper(load_bank(), seed=42, count=13).model_dump()
    assert a == b
    assert generate_paper(BANK, seed=43, count=13).model_dump() != a


def test_student_seed_is_a_stable_sha256() -> None:
    digest = hashlib.sha256(b"student:alice").digest()
    assert student_seed("alice") == int.from_bytes(digest[:6], "big")
    assert student_seed("alice ") == student_seed("alice") != student_seed("bob")
    paper = generate_paper(BANK, student="alice", count=3)
    assert (paper.seed, paper.student) == (student_seed("alice"), "alice")


def test_question_seeds_depend_on_index_and_template() -> None:
    assert question_seed(1, 1, "a") == question_seed(1, 1, "a")
    assert len({question_seed(1, 1, "a"), question_seed(1, 2, "a"), question_seed(1, 1, "b"), question_seed(2, 1, "a")}) == 4


def test_selection_is_balanced_over_topics() -> None:
    n = len(BANK.topics)
    one_each = select_templates(BANK, seed=5, count=n)
    assert sorted(t.topic for t in one_each) == sorted(BANK.topics)
    twice = [t.topic for t in select_templates(BANK, seed=5, count=2 * n)]
    assert all(twice.count(topic) == 2 for topic in BANK.topics)
    chosen = select_templates(BANK, seed=5, count=6, topics=["conv_params", "pool_size"])
    assert sorted(t.topic for t in chosen) == ["conv_params"] * 3 + ["pool_size"] * 3
    assert len({t.id for t in chosen if t.topic == "pool_size"}) == 3  # no repeat before the deck is used up
    assert [t.difficulty for t in chosen] == sorted(t.difficulty for t in chosen)
    assert {t.difficulty for t in select_templates(BANK, seed=5, count=8, difficulty=3)} == {3}


def test_selection_errors() -> None:
    with pytest.raises(BankError, match="unknown topic 'nope'"):
        generate_paper(BANK, seed=1, topics=["nope"])
    with pytest.raises(BankError, match="count must be >= 1"):
        generate_paper(BANK, seed=1, count=0)
    with pytest.raises(BankError, match="difficulty must be 1, 2 or 3"):
        generate_paper(BANK, seed=1, difficulty=4)


def test_no_seed_gives_a_recorded_random_seed() -> None:
    paper = generate_paper(BANK, count=2)
    assert generate_paper(BANK, seed=paper.seed, count=2).questions == paper.questions


# --- constraints and rejection -------------------------------------------------------------

def test_constraints_hold_in_every_variant() -> None:
    exact = BANK.get("conv-output-size-stride-exact")
    groups = BANK.get("conv-params-groups")
    for seed in range(40):
        p = generate_question(exact, seed).params
        assert (p["size"] + 2 * p["padding"] - p["kernel_size"]) % p["stride"] == 0
        g = generate_question(groups, seed).params
        assert g["in_channels"] % g["groups"] == 0 and g["out_channels"] % g["groups"] == 0


def test_draws_prefer_distinguishable_mistakes() -> None:
    t = BANK.get("conv-output-size-stride")  # padding_once is often invisible (padding < stride)
    plain = t.model_copy(update={"prefer_distinct": False})
    def full(template: Template) -> int:
        return sum(len(generate_question(template, s).wrong_answers) == len(t.mistakes) for s in range(30))
    assert full(t) >= 3 * max(full(plain), 1)


def test_impossible_constraint_names_the_template(tmp_path: Path) -> None:
    text = GOOD_TEMPLATE.replace("    answer:", "    constraints:\n      - {less_than: [size, k]}\n    answer:")
    bank = load_bank([write_bank(tmp_path / "b", {"conv.yaml": text})], include_shipped=False)
    with pytest.raises(BankError) as info:
        generate_paper(bank, seed=1, count=1)
    message = str(info.value)
    assert message.startswith(f"{(tmp_path / 'b').as_posix()}/conv.yaml: template 'conv-output-size-basic': constraints: no valid draw in 200 attempts")
    assert "constraints.0.less_than not satisfied" in message


def test_wrong_arguments_are_a_template_bug(tmp_path: Path) -> None:
    text = GOOD_TEMPLATE.replace("kernel_size: k", "kernel: k")
    bank = load_bank([write_bank(tmp_path / "b", {"conv.yaml": text})], include_shipped=False)
    with pytest.raises(BankError, match=r"template 'conv-output-size-basic': answer\.args: conv2d_output_size cannot take"):
        generate_paper(bank, seed=1, count=1)


def test_missing_fields_and_networks_are_template_bugs(tmp_path: Path) -> None:
    text = """\
    templates:
      - id: net
        topic: networks
        difficulty: 1
        kind: integer
        prompt: "{layer.nope}"
        params:
          layer: {network_layer: {network: NETWORK, types: [linear]}}
        answer: {computation: linear_params, args: {in_features: layer.in_features, out_features: layer.out_features}}
    """
    bank = load_bank([write_bank(tmp_path / "a", {"n.yaml": text.replace("NETWORK", "lenet5")})], include_shipped=False)
    with pytest.raises(BankError, match=r"template 'net': prompt: layer\.nope: parameter 'layer' has no field 'nope'"):
        generate_paper(bank, seed=1, count=1)
    bank = load_bank([write_bank(tmp_path / "b", {"n.yaml": text.replace("NETWORK", "nonet")})], include_shipped=False)
    with pytest.raises(BankError, match=r"template 'net': params\.layer\.network_layer: nonet: no such file"):
        generate_paper(bank, seed=1, count=1)


def test_a_wrong_concept_option_gets_its_own_explanation_once() -> None:
    q = generate_question(BANK.get("concept-pooling"), 3)
    wrong = "Pooling has no trainable parameters at all; it only takes the max or mean of each window."
    option = "More trainable parameters, so the network can fit the data better"
    assert q.option_feedback[option] == wrong and set(q.option_feedback) == set(q.choices) - {q.answer}
    verdict = check(q, option)
    assert not verdict.correct and wrong in verdict.feedback
    assert q.explanation not in verdict.feedback and verdict.working == q.explanation  # shown once, as the working
    assert check(q, q.answer).correct


def test_concept_options_take_the_drawn_numbers() -> None:
    seen = set()
    for seed in range(12):
        q = generate_question(BANK.get("concept-feature-maps"), seed)
        n, k = q.params["n"], q.params["k"]
        assert q.answer == f"{n} feature maps, stacked into a new image with {n} channels"
        assert f"{n} x {k * k} = {n * k * k} feature maps" in q.choices and f"{n} different {k}x{k}" in q.prompt
        assert len(set(q.choices)) == 4 and all(why for why in q.option_feedback.values())
        seen.add((n, k))
    assert len(seen) > 3


def test_every_shipped_concept_distractor_says_why_it_is_wrong() -> None:
    for t in BANK.templates:
        if t.options is not None and t.source.split("/")[-1] in ("concepts.yaml", "sigmoid_relu.yaml"):
            assert all(why for _text, why in t.options.wrong()), t.id
