"""Judging raw outputs in the grader: types, shapes, NaN, exact integers, named mistakes."""

from __future__ import annotations

import math

import pytest

from cnnquiz.grading.assignment import parse_assignment
from cnnquiz.grading.cases import build_cases
from cnnquiz.grading.compare import check_value, judge, judge_submission, show_value
from cnnquiz.grading.results import StudentStatus, TestStatus
from cnnquiz.grading.sandbox import CallOutcome, CallStatus, IsolationLevel, SandboxResult

MINI = {
    "name": "mini",
    "functions": [
        {"signature": "conv2d_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0)",
         "returns": "integer", "reference": "conv2d_output_size", "diagnose": ["forgot_plus_one", "padding_once"],
         "tests": [{"name": "basic", "public": True, "args": {"size": 32, "kernel_size": 5}}]},
        {"signature": "softmax(z: array)", "returns": "array", "reference": "softmax",
         "diagnose": ["softmax_overflow", "softmax_not_normalized"],
         "tests": [{"name": "near 1000", "public": True, "args": {"z": [1000, 1001]}}]},
        {"signature": "pool2d_output_size(size: any, kernel_size: int)", "returns": "shape",
         "reference": "pool2d_output_size", "tests": [{"name": "pair", "args": {"size": [6, 8], "kernel_size": 3}}]},
        {"signature": "sigmoid(x: float)", "returns": "number", "reference": "sigmoid",
         "tests": [{"name": "zero", "args": {"x": 0.0}}]},
    ],
}


@pytest.fixture(scope="module")
def cases():
    return {c.function: c for c in build_cases(parse_assignment(MINI))}


@pytest.mark.parametrize(
    ("got", "problem"),
    [
        (28, None),
        (28.0, None),
        (28.5, "expected the integer 28, got 28.5, which is not a whole number (use // to divide)"),
        (27, "wrong value: expected 28, got 27"),
        (True, "wrong type: expected an integer, got a boolean"),
        ("28", "wrong type: expected an integer, got a string"),
        (None, "wrong type: expected an integer, got None"),
        ([28], "wrong type: expected an integer, got a list"),
        (math.nan, "expected the integer 28, got nan"),
    ],
)
def test_integer_answers_are_exact(cases, got, problem):
    assert check_value(cases["conv2d_output_size"], got) == problem


@pytest.mark.parametrize(
    ("got", "problem"),
    [
        ([0.2689414213699951, 0.7310585786300049], None),
        ([0.26894142, 0.73105858], None),  # within rtol 1e-6
        ([0.27, 0.73], "2 of 2 values differ; first at [0]: expected 0.268941, got 0.27"),
        ([[0.2689414213699951, 0.7310585786300049]], "wrong shape: expected (2,), got (1, 2)"),
        ([math.nan, math.nan], "the result contains NaN at 2 of 2 positions, first at [0] (an overflow?)"),
        ([0.5, math.inf], "the result contains inf at 1 of 2 positions, first at [1] (an overflow?)"),
        ([[1, 2], [3]], "wrong type: expected an array of shape (2,), got a list that is not a rectangular array of numbers"),
        (0.5, "wrong shape: expected (2,), got ()"),
        ("nan", "wrong type: expected an array of shape (2,), got a string"),
        ([None, 1], "wrong type: expected an array of shape (2,), got a list that is not a rectangular array of numbers"),
        ({"a": 1}, "wrong type: expected an array of shape (2,), got a dict"),
    ],
)
def test_arrays_need_the_shape_finite_values_and_tolerance(cases, got, problem):
    assert check_value(cases["softmax"], got) == problem


def test_shapes_and_numbers(cases):
    pair, number = cases["pool2d_output_size"], cases["sigmoid"]
    assert check_value(pair, [2, 2]) is None and check_value(pair, [2.0, 2.0]) is None
    assert check_value(pair, [2, 3]) == "wrong value: expected [2, 2], got [2, 3]"
    assert check_value(pair, [2]) == "expected 2 integers, got 1"
    assert check_value(pair, 2) == "wrong type: expected a list of 2 integers, got a number"
    assert check_value(number, 0.5) is None
    assert check_value(number, [0.5]) == "wrong type: expected a number, got a list"
    assert check_value(number, 0.6) == "wrong value: expected 0.5, got 0.6"


def outcome(status=CallStatus.OK, value=None, message=""):
    return CallOutcome(call=None, status=status, value=value, message=message, seconds=0.01)


def test_a_wrong_value_that_a_mistake_gives_is_named(cases):
    result = judge(cases["conv2d_output_size"], outcome(value=27))
    assert result.status is TestStatus.FAILED and result.score == 0
    assert result.output.splitlines() == [
        "input: conv2d_output_size(32, 5)",
        "expected: 28",
        "got: 27",
        "problem: wrong value: expected 28, got 27",
        "likely mistake: you forgot the +1. The number of positions is (span / stride) + 1: the first window counts too.",
    ]
    assert result.summary == "wrong value: expected 28, got 27 (you forgot the +1)"


def test_mistakes_that_give_the_same_value_are_named_together_and_recorded_apart():
    # size 10, kernel 3, padding 1: right is 10; no +1 gives 9, and so does padding on one side.
    padded = {**MINI["functions"][0], "tests": [{"name": "padded", "args": {"size": 10, "kernel_size": 3, "padding": 1}}]}
    case, = build_cases(parse_assignment({"name": "mini", "functions": [padded]}))
    result = judge(case, outcome(value=9))
    assert "likely mistake: you forgot the +1, or padding counts on both sides" in result.output
    assert result.mistakes == ("forgot_plus_one", "padding_once")
    assert result.report_entry()["mistakes"] == ["forgot_plus_one", "padding_once"]
    assert result.gradescope()["extra_data"]["mistakes"] == ["forgot_plus_one", "padding_once"]
    assert type(result).from_gradescope(result.gradescope()) == result  # results.json keeps them
    assert judge(case, outcome(value=10)).mistakes == () and judge(case, outcome(value=4)).mistakes == ()


def test_nan_from_a_naive_softmax_is_named_as_overflow(cases):
    result = judge(cases["softmax"], outcome(value=[math.nan, math.nan]))
    assert "likely mistake: softmax without max-subtraction overflows" in result.output
    assert "the result contains NaN" in result.output


def test_a_wrong_value_no_mistake_explains_is_not_named(cases):
    result = judge(cases["conv2d_output_size"], outcome(value=3))
    assert result.status is TestStatus.FAILED and "likely mistake" not in result.output


def test_a_float_answer_is_not_diagnosed_as_an_integer_mistake_by_tolerance(cases):
    # 27.9999 is neither 28 nor the forgot-+1 value 27: no name, and not a pass.
    result = judge(cases["conv2d_output_size"], outcome(value=27.9999))
    assert result.status is TestStatus.FAILED and "likely mistake" not in result.output


@pytest.mark.parametrize(
    ("status", "verdict", "text"),
    [
        (CallStatus.ERROR, TestStatus.ERROR, "raised an exception: ZeroDivisionError: division by zero (cnn.py, line 3)"),
        (CallStatus.TIMEOUT, TestStatus.TIMEOUT, "timed out: ZeroDivisionError"),
        (CallStatus.CRASHED, TestStatus.ERROR, "the process running the code died"),
        (CallStatus.MISSING, TestStatus.ERROR, "the submission defines no function conv2d_output_size"),
        (CallStatus.BAD_OUTPUT, TestStatus.FAILED, "returned something that is not numbers or lists of numbers"),
    ],
)
def test_call_problems(cases, status, verdict, text):
    result = judge(cases["conv2d_output_size"], outcome(status, message="ZeroDivisionError: division by zero (cnn.py, line 3)"))
    assert result.status is verdict and result.score == 0 and text in result.output


def test_an_output_too_large_to_check_says_so_not_that_it_is_no_numbers(cases):
    from cnnquiz.grading.sandbox.outputs import decode_value

    _, _, message = decode_value(b"[1, 2, 3, 4, 5]", max_elements=3, max_depth=4)  # the sandbox's own wording
    assert message.startswith("output too large: ")
    result = judge(cases["conv2d_output_size"], outcome(CallStatus.BAD_OUTPUT, message=message))
    assert result.status is TestStatus.FAILED and result.score == 0
    assert result.summary == "returned an output too large to check: " + message[len("output too large: "):]
    assert "not numbers" not in result.output and result.output.endswith(f"problem: {result.summary}")


def sandbox(import_status=CallStatus.OK, values=(), forbidden=(), message=""):
    outcomes = [outcome(value=v) for v in values]
    return SandboxResult(IsolationLevel.RLIMITS, import_status, message, outcomes, list(forbidden), "", 0.1)


def test_forbidden_imports_earn_no_credit_but_say_what_was_right(cases):
    ordered = list(cases.values())
    values = [28, [0.2689414213699951, 0.7310585786300049], [2, 2], 0.5]
    status, tests, remarks = judge_submission(ordered, sandbox(values=values, forbidden=["torch"]))
    assert status is StudentStatus.GRADED
    assert all(t.score == 0 and t.status is TestStatus.FAILED for t in tests)
    assert tests[0].summary.startswith("correct, but no credit: cnn.py imports torch")
    assert remarks == ["No credit: cnn.py imports torch, which this assignment forbids; "
                       "no test earns credit while a forbidden module is imported."]
    status, tests, remarks = judge_submission(ordered, sandbox(values=values))
    assert [t.status for t in tests] == [TestStatus.PASSED] * 4 and remarks == []


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (CallStatus.MISSING, "no cnn.py in the submission"),
        (CallStatus.ERROR, "importing cnn.py failed: SyntaxError: invalid syntax (cnn.py, line 2)"),
        (CallStatus.TIMEOUT, "importing cnn.py took longer than the time limit"),
        (CallStatus.CRASHED, "the process died while importing cnn.py"),
    ],
)
def test_an_import_failure_grades_nothing(cases, status, reason):
    ordered = list(cases.values())
    result = sandbox(status, message="SyntaxError: invalid syntax (cnn.py, line 2)")
    result = SandboxResult(result.isolation, status, result.import_message,
                           [outcome(status) for _ in ordered], [], "", 0.1)
    student, tests, remarks = judge_submission(ordered, result)
    assert student is StudentStatus.ERROR
    assert all(t.status is TestStatus.ERROR and t.score == 0 and reason in t.output for t in tests)
    assert reason in remarks[0]


def test_show_value_abbreviates_big_arrays():
    assert show_value(3.0) == "3" and show_value(0.1234567) == "0.123457" and show_value(True) == "True"
    assert show_value([[1.0, 2.5]]) == "array (1, 2) [[1, 2.5]]"
    big = show_value([[float(i) for i in range(10)] for _ in range(10)])
    assert big.startswith("array (10, 10) [[0, 1, ..., 8, 9],") and len(big) < 200
