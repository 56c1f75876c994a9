"""Checking answers: every catalogued mistake is named, partial credit, format errors.

Questions are built by hand from the solver (``mistakes.compute`` / ``mistaken_values``),
never with typed-in keys, so these tests fail when checking or the catalogue drift apart.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from cnnquiz import mistakes
from cnnquiz.bank.answer_check import DEFAULT_TOLERANCE, Verdict, check, effective_tolerance, format_key, skipped
from cnnquiz.bank.question import AnswerKind, Question, Tolerance, WrongAnswer

# (computation, kind, params, shape order): together they make every mistake visible.
CASES: list[tuple[str, str, dict[str, Any], str | None]] = [
    ("conv2d_output_size", "integer", dict(size=32, kernel_size=5, stride=2, padding=2, dilation=2), None),
    ("conv2d_output_size", "shape", dict(size=(30, 32), kernel_size=3, stride=2, padding=1), "H x W"),
    ("pool2d_output_size", "integer", dict(size=15, kernel_size=3, stride=2, padding=1), None),
    ("pool2d_output_size", "shape", dict(size=(7, 9), kernel_size=2, ceil_mode=True), "H x W"),
    ("conv2d_output_shape", "shape",
     dict(input_shape=[3, 32, 30], kernel_size=5, stride=2, padding=2, out_channels=10), "C x H x W"),
    ("conv2d_params", "integer", dict(in_channels=32, out_channels=64, kernel_size=3, groups=4), None),
    ("linear_params", "integer", dict(in_features=256, out_features=100), None),
    ("conv2d", "matrix", dict(x=np.arange(30).reshape(1, 5, 6).tolist(),
                              weight=[[[[1, 0, 2], [0, 1, 0], [-1, 0, 1]]]], bias=[2], padding=1), None),
    ("conv2d", "matrix", dict(x=np.arange(36).reshape(1, 6, 6).tolist(),
                              weight=[[[[1, 0], [2, 1]]]], stride=2), None),
    ("max_pool2d", "matrix", dict(x=np.arange(24).reshape(1, 4, 6).tolist(), kernel_size=2), None),
    ("avg_pool2d", "matrix", dict(x=np.arange(24).reshape(1, 4, 6).tolist(), kernel_size=2), None),
    ("sigmoid", "number", dict(x=-1.5), None),
    ("sigmoid_relu", "number", dict(z=-2.0), None),
    ("softmax", "matrix", dict(z=[1.0, 2.0, 0.5]), None),
    ("softmax", "matrix", dict(z=[1000.0, 999.0]), None),  # naive code prints nan
    ("receptive_field", "integer", dict(layers=[(3, 2, 1), (3, 1, 2), (3, 1, 1)]), None),
]


def _as_kind(kind: str, value: Any) -> Any:
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "shape":
        return [int(v) for v in value]
    return np.asarray(value).tolist()


def make(computation: str, kind: str, params: dict[str, Any], order: str | None = None, **extra: Any) -> Question:
    """A question the way the generator makes one: key and wrong answers from the solver."""
    wrong = [WrongAnswer(mistake=k, value=_as_kind(kind, v))
             for k, v in mistakes.mistaken_values(computation, params).items()]
    fields: dict[str, Any] = dict(
        id="q1", template=f"hand-{computation}", topic="t", difficulty=1, kind=kind,
        prompt="?", params=params, answer=_as_kind(kind, mistakes.compute(computation, params)),
        shape_order=order, computation=computation, wrong_answers=wrong,
        working=mistakes.working(computation, params),
    )
    fields.update(extra)
    return Question(**fields)


def typed(kind: str, value: Any) -> str:
    """How a student would type ``value`` (full precision, no help from format_key)."""
    if kind == "integer":
        return str(int(value))
    if kind == "number":
        return repr(float(value))
    if kind == "shape":
        return " x ".join(str(v) for v in value)
    arr = np.asarray(value, dtype=float)
    while arr.ndim > 2:
        arr = arr[0]
    rows = arr.tolist() if arr.ndim == 2 else [arr.tolist()]
    return "; ".join(" ".join(repr(v) for v in row) for row in rows)


DIAGNOSABLE = [
    pytest.param(c, kind, params, order, key, id=f"{c}-{kind}-{key}")
    for c, kind, params, order in CASES
    for key in mistakes.mistaken_values(c, params)
]


@pytest.mark.parametrize("computation, kind, params, order, mistake", DIAGNOSABLE)
def test_every_mistake_is_named_by_an_answer_that_commits_it(
    computation: str, kind: str, params: dict[str, Any], order: str | None, mistake: str
) -> None:
    question = make(computation, kind, params, order)
    value = mistakes.mistaken_values(computation, params)[mistake]
    verdict = check(question, typed(kind, value))
    assert not verdict.correct
    assert verdict.format_error is None
    assert mistake in verdict.mistake.split("+")
    assert mistakes.CATALOGUE[mistake].name in verdict.feedback
    assert mistakes.CATALOGUE[mistake].name in verdict.mistake_name
    assert verdict.working == mistakes.working(computation, params) != ""
    assert f"The answer is {verdict.expected}." in verdict.feedback


def test_the_cases_cover_every_typeable_mistake_of_every_computation() -> None:
    """Every core computation; the question families (cnnquiz.families) test their own."""
    from cnnquiz.families._registry import COMPUTATIONS as FAMILIES

    covered = {(p.values[0], p.values[4]) for p in DIAGNOSABLE}
    expected = {(c.key, m) for c in mistakes.COMPUTATIONS.values() if c.key not in FAMILIES for m in c.mistakes}
    assert expected == covered


@pytest.mark.parametrize("computation, kind, params, order", [c for c in CASES])
def test_the_key_is_correct_with_full_credit(computation: str, kind: str, params: dict[str, Any],
                                             order: str | None) -> None:
    question = make(computation, kind, params, order)
    verdict = check(question, typed(kind, mistakes.compute(computation, params)))
    assert verdict.correct and verdict.credit == 1.0 and verdict.mistake is None
    assert verdict.feedback.startswith("Correct.") and verdict.status == "correct"


def test_mistakes_with_the_same_value_are_named_together() -> None:
    q = make("conv2d_output_size", "integer", dict(size=32, kernel_size=5, stride=2, padding=2, dilation=2))
    verdict = check(q, "13")  # forgot the +1 and padding once both give 13
    assert verdict.mistake == "forgot_plus_one+padding_once"
    assert verdict.mistake_name == "you forgot the +1, or padding counts on both sides"


def test_lecture_parameter_count_accepts_thousands_separators() -> None:
    q = make("linear_params", "integer", dict(in_features=256, out_features=100))
    assert all(check(q, t).correct for t in ["25700", "25,700", "25 700", "25_700", "2.57e4"])
    assert check(q, "25,600").mistake == "bias_forgotten"
    assert check(q, "25701").credit == 0 and check(q, "25701").status == "wrong"


# --- numbers and tolerance -------------------------------------------------------------

def test_numbers_within_the_question_tolerance() -> None:
    q = make("sigmoid", "number", dict(x=-1.5), tolerance=Tolerance(atol=0.001))
    key = mistakes.compute("sigmoid", dict(x=-1.5))
    assert check(q, f"{float(key) + 0.0009:.6f}").correct
    assert not check(q, f"{float(key) + 0.002:.6f}").correct


def test_a_non_integer_key_without_tolerance_gets_the_default() -> None:
    q = make("sigmoid", "number", dict(x=-1.5))
    assert q.tolerance == Tolerance() and effective_tolerance(q) == DEFAULT_TOLERANCE
    assert check(q, "0.182").correct and check(q, "0.183").correct  # 1 % or 3 decimals
    assert not check(q, "0.19").correct
    assert check(q, "1/2").mistake == "relu_before_sigmoid"


def test_a_rounded_wrong_value_is_still_named_but_whole_values_stay_exact() -> None:
    q = make("max_pool2d", "matrix", dict(x=np.arange(24).reshape(1, 4, 6).tolist(), kernel_size=3, stride=1))
    assert effective_tolerance(q) == Tolerance()  # the key is whole: exact
    avg = np.asarray(mistakes.mistaken_values("max_pool2d", q.params)["avg_instead_of_max"])[0]
    rounded = "; ".join(" ".join(f"{v:.2f}" for v in row) for row in avg)
    assert check(q, rounded).mistake == "avg_instead_of_max"
    params = check(make("linear_params", "integer", dict(in_features=256, out_features=100)), "25650")
    assert params.mistake is None  # 1 % of 25,600 would be 256: whole values are never widened


def test_nan_and_inf_are_values_a_student_may_type() -> None:
    q = make("softmax", "matrix", dict(z=[1000.0, 999.0]))
    assert check(q, "nan nan").mistake == "softmax_overflow"
    assert check(q, "inf inf").mistake == "softmax_not_normalized"
    assert check(make("sigmoid", "number", dict(x=2.0)), "inf").status == "wrong"


def test_integers_are_exact() -> None:
    q = make("conv2d_params", "integer", dict(in_channels=3, out_channels=10, kernel_size=5))
    assert effective_tolerance(q) == Tolerance()
    assert check(q, "760").correct and check(q, "760.0").correct
    assert not check(q, "760.4").correct and not check(q, "761").correct


# --- shapes ----------------------------------------------------------------------------

def _hwc(params: dict[str, Any]) -> Question:
    """The lecture's order: an H x W x C question (key and wrong answers reordered)."""
    chw = make("conv2d_output_shape", "shape", params, "C x H x W")
    move = lambda v: [v[1], v[2], v[0]]  # noqa: E731
    return chw.model_copy(update=dict(
        shape_order="H x W x C", answer=move(chw.answer),
        wrong_answers=[WrongAnswer(mistake=w.mistake, value=move(w.value)) for w in chw.wrong_answers]))


LECTURE_SHAPE = dict(input_shape=[3, 32, 32], kernel_size=5, stride=1, padding=2, out_channels=10)
RECT_SHAPE = dict(input_shape=[3, 32, 30], kernel_size=5, stride=1, padding=2, out_channels=10)


@pytest.mark.parametrize("text", ["32x32x10", "32 x 32 x 10", "32×32×10", "[32, 32, 10]", "32 32 10"])
def test_the_lecture_shape_in_the_order_asked(text: str) -> None:
    verdict = check(_hwc(LECTURE_SHAPE), text)
    assert verdict.correct and "Read as" not in verdict.feedback


@pytest.mark.parametrize("text", ["(10, 32, 32)", "10x32x32", "torch.Size([10, 32, 32])"])
def test_channels_first_is_accepted_when_unambiguous_and_says_how_it_was_read(text: str) -> None:
    verdict = check(_hwc(LECTURE_SHAPE), text)
    assert verdict.correct and verdict.credit == 1
    assert "Read as C x H x W; the question asks for H x W x C" in verdict.feedback


def test_channels_last_is_accepted_for_a_channels_first_question() -> None:
    q = make("conv2d_output_shape", "shape", RECT_SHAPE, "C x H x W")
    verdict = check(q, "32 x 30 x 10")
    assert verdict.correct and "Read as H x W x C" in verdict.feedback


def test_height_and_width_are_never_swapped_silently() -> None:
    q = _hwc(RECT_SHAPE)  # key 32 x 30 x 10
    swapped = check(q, "30x32x10")
    assert not swapped.correct and swapped.mistake == "height_width_swapped"
    assert swapped.credit == pytest.approx(1 / 3)
    first = check(q, "(10, 30, 32)")  # channels first, and H/W swapped
    assert first.mistake == "height_width_swapped" and "Read as C x H x W" in first.feedback


def test_a_reading_that_is_also_a_height_width_swap_is_not_accepted() -> None:
    # C x H x W key 6 x 6 x 28 (as many filters as rows): 6 x 28 x 6 is the key read as
    # H x W x C, but in the order asked it is the key with height and width swapped.
    q = make("conv2d_output_shape", "shape", dict(input_shape=[3, 6, 28], kernel_size=3, padding=1,
                                                    out_channels=6), "C x H x W")
    assert q.answer == [6, 6, 28]
    verdict = check(q, "6 x 28 x 6")
    assert not verdict.correct and verdict.mistake == "height_width_swapped"
    assert check(q, "6 x 28 x 6").credit < 1 and check(q, "6 x 6 x 28").correct


def test_a_permutation_that_is_a_known_wrong_answer_is_not_accepted() -> None:
    q = _hwc(RECT_SHAPE)
    # Make the typed numbers, read in the order asked, a known mistake's value.
    q = q.model_copy(update=dict(wrong_answers=[*q.wrong_answers, WrongAnswer(mistake="channels_kept", value=[10, 32, 30])]))
    verdict = check(q, "10 x 32 x 30")
    assert not verdict.correct and verdict.mistake == "channels_kept"


def test_shape_partial_credit_is_per_dimension() -> None:
    q = _hwc(RECT_SHAPE)
    assert check(q, "32x30x3").credit == pytest.approx(2 / 3)  # the channels were kept
    assert check(q, "32x30x3").mistake == "channels_kept"
    assert check(q, "31x29x10").credit == pytest.approx(1 / 3)
    assert "1 of 3 dimensions are right (C)" in check(q, "1x2x10").feedback
    assert check(q, "1x2x3").credit == 0


def test_right_numbers_in_an_order_nobody_uses() -> None:
    verdict = check(_hwc(RECT_SHAPE), "30 10 32")
    assert not verdict.correct and verdict.mistake is None
    assert "The numbers are right but not in the order asked for (H x W x C)" in verdict.feedback


def test_a_shape_with_the_wrong_number_of_dimensions_is_wrong_not_a_format_error() -> None:
    verdict = check(_hwc(LECTURE_SHAPE), "32 x 32")
    assert verdict.status == "wrong" and verdict.credit == 0
    assert "A 3-dimensional shape (H x W x C) was expected, not 2 numbers" in verdict.feedback


def test_a_single_number_for_a_shape_is_a_format_error_with_the_order() -> None:
    verdict = check(_hwc(LECTURE_SHAPE), "32")
    assert verdict.status == "format_error" and verdict.credit == 0
    assert "3 whole numbers in the order H x W x C" in verdict.format_error


# --- matrices --------------------------------------------------------------------------

LECTURE_CONV = dict(x=[[[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]],
                    weight=[[[[1, 0, 1], [0, 1, 0], [1, 0, 1]]]])


def test_the_lecture_feature_map() -> None:
    q = make("conv2d", "matrix", LECTURE_CONV)
    for text in ["4 3 4; 2 4 3; 2 3 4", "4 3 4\n2 4 3\n2 3 4", "[[4,3,4],[2,4,3],[2,3,4]]"]:
        assert check(q, text).correct


def test_matrix_partial_credit_is_the_share_of_right_cells() -> None:
    q = make("conv2d", "matrix", LECTURE_CONV)
    verdict = check(q, "4 3 4; 2 4 3; 2 3 5")
    assert verdict.status == "partial" and verdict.credit == pytest.approx(8 / 9)
    assert "8 of 9 values are right" in verdict.feedback


def test_a_matrix_of_the_wrong_shape_gets_nothing() -> None:
    verdict = check(make("conv2d", "matrix", LECTURE_CONV), "4 3; 2 4")
    assert verdict.credit == 0 and "A 3 x 3 matrix was expected, not 2 x 2" in verdict.feedback


def test_a_transposed_matrix_is_pointed_out() -> None:
    q = make("max_pool2d", "matrix", dict(x=np.arange(16).reshape(1, 4, 4).tolist(), kernel_size=2))
    key = np.asarray(q.answer)[0]
    verdict = check(q, typed("matrix", key.T))
    assert "transpose" in verdict.feedback and not verdict.correct


def test_a_vector_may_be_typed_as_a_row_or_a_column() -> None:
    q = make("softmax", "matrix", dict(z=[1.0, 2.0, 0.5]))
    assert check(q, "0.231 0.629 0.140").correct
    assert check(q, "0.231\n0.629\n0.140").correct


def test_several_feature_maps_typed_one_below_the_other() -> None:
    params = dict(x=np.arange(16).reshape(1, 4, 4).tolist(), weight=[[[[1, 0], [0, 1]]], [[[0, 1], [1, 0]]]], stride=2)
    q = make("conv2d", "matrix", params)
    key = np.asarray(q.answer)
    assert check(q, "; ".join(" ".join(str(v) for v in row) for row in key.reshape(-1, key.shape[-1]))).correct


# --- choices, format errors, skipped -------------------------------------------------

CHOICE = Question(
    id="q3", template="hand-order", topic="concepts", difficulty=1, kind=AnswerKind.CHOICE, prompt="?",
    params={}, answer="sigmoid(ReLU(z)) >= 0.5 for every z",
    choices=["sigmoid(ReLU(z)) can be any value in (0, 1)", "sigmoid(ReLU(z)) >= 0.5 for every z", "ReLU is not needed"],
    wrong_answers=[WrongAnswer(mistake="relu_forgotten", value="sigmoid(ReLU(z)) can be any value in (0, 1)")],
    explanation="ReLU gives z >= 0, and sigmoid(0) = 0.5.",
)


def test_choices() -> None:
    assert check(CHOICE, "b").correct and check(CHOICE, "2").correct
    wrong = check(CHOICE, "a")
    assert wrong.mistake == "relu_forgotten" and "sigmoid(0) = 0.5" in wrong.feedback
    assert wrong.expected == "(b) sigmoid(ReLU(z)) >= 0.5 for every z"
    assert check(CHOICE, "c").mistake is None and check(CHOICE, "c").credit == 0


@pytest.mark.parametrize(
    "question, text",
    [(make("linear_params", "integer", dict(in_features=4, out_features=2)), "ten"),
     (make("conv2d", "matrix", LECTURE_CONV), "4 3 4; 2 4"), (CHOICE, "e"), (_hwc(LECTURE_SHAPE), "32 by 32"),
     # numbers beyond float range: a hint, not an OverflowError that ends the quiz
     (make("linear_params", "integer", dict(in_features=4, out_features=2)), "9" * 400),
     (make("linear_params", "integer", dict(in_features=4, out_features=2)), "1e308/1e-10"),
     (make("conv2d", "matrix", LECTURE_CONV), "4 3 4; 2 4 3; 2 3 " + "9" * 400)],
)
def test_format_errors_cost_nothing_and_hint_the_format(question: Question, text: str) -> None:
    verdict = check(question, text)
    assert verdict.status == "format_error" and verdict.credit == 0 and not verdict.correct
    assert verdict.mistake is None and verdict.feedback.startswith("Format:")
    assert "e.g." in verdict.format_error or "a letter" in verdict.format_error


def test_skipped_shows_the_key_and_working() -> None:
    q = make("linear_params", "integer", dict(in_features=256, out_features=100))
    verdict = skipped(q)
    assert verdict.status == "skipped" and verdict.credit == 0
    assert "25700" in verdict.feedback and "256 x 100" in verdict.working


def test_verdict_model_bounds_credit() -> None:
    with pytest.raises(ValueError):
        Verdict(credit=1.5)
    assert math.isclose(Verdict(credit=0.5).credit, 0.5)


def test_format_key_writes_what_the_parser_reads() -> None:
    q = make("conv2d", "matrix", LECTURE_CONV)
    assert format_key(q) == "4 3 4; 2 4 3; 2 3 4" and check(q, format_key(q)).correct
    hw = _hwc(LECTURE_SHAPE)
    assert format_key(hw) == "32 x 32 x 10" and check(hw, format_key(hw)).correct


def _number_question(prompt: str, answer: float, atol: float = 0.001) -> Question:
    return Question(id="q1", template="t", topic="activations", difficulty=1, kind="number", prompt=prompt,
                    params={}, answer=answer, tolerance=Tolerance(atol=atol),
                    wrong_answers=[WrongAnswer(mistake="relu_before_sigmoid", value=0.5)])


@pytest.mark.parametrize("typed", ["0,957", "0.957"])
def test_a_decimal_comma_is_accepted_on_a_number_question(typed: str) -> None:
    q = _number_question("sigmoid(3.1)? Give 3 decimal places.", 0.957)
    assert check(q, typed).correct
    assert check(_number_question("sigmoid(3.1)?", 0.957), typed).correct  # 0,957: no thousands reading


def test_an_ambiguous_comma_asks_again_and_costs_nothing() -> None:
    q = _number_question("What is 28.326 rounded to 3 places?", 28.326)
    verdict = check(q, "28,326")
    assert verdict.format_error and "could be 28326 or 28.326" in verdict.feedback
    assert verdict.status == "format_error" and verdict.credit == 0 and not verdict.mistake
    assert check(q.model_copy(update={"prompt": "Give it to 3 decimal places."}), "28,326").correct


def test_a_key_rounded_too_early_is_not_diagnosed_as_a_mistake() -> None:
    q = _number_question("sigmoid(-0.1)? Give 3 decimal places.", 0.475)
    verdict = check(q, "0.5")
    assert not verdict.correct and verdict.mistake is None
    assert "That is the answer rounded to 1 decimal place; give more decimals." in verdict.feedback
    assert check(q.model_copy(update={"answer": 0.119}), "0.5").mistake == "relu_before_sigmoid"
