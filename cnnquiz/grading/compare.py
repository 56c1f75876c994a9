"""Judge raw outputs against the reference, in the grader's process, and name the mistakes.

The student's process only returns raw values (numbers, nested lists, NaN, inf). Here a
value that is not a finite number or array of the expected shape fails with a clear
message; integer answers are compared exactly (``28.0`` is fine for 28, ``28.5`` is not);
arrays and numbers within the assignment's tolerance. When a wrong value equals what a
known mistake gives (the values come from :mod:`cnnquiz.mistakes`, computed once per
run in :mod:`cnnquiz.grading.cases`), the test's output names that mistake.

Forbidden imports: while a submission imports a forbidden module (``torch``, ``cnnquiz``,
...), no test earns credit; each test still says whether its value was right.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from cnnquiz import mistakes
from cnnquiz.grading.assignment import ReturnKind
from cnnquiz.grading.cases import TestCase
from cnnquiz.grading.results import StudentStatus, TestResult, TestStatus
from cnnquiz.grading.sandbox import CallOutcome, CallStatus, SandboxResult

__all__ = ["judge", "judge_submission", "check_value", "show_value", "show_call", "ungraded"]

_SMALL_ARRAY = 30  # arrays up to this many values are shown in full


def _fmt(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def show_value(value: Any) -> str:
    """A value on one line; arrays with their shape, big ones abbreviated."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return repr(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _fmt(float(value)) if isinstance(value, (float, np.floating)) else str(int(value))
    array = _numbers(value)
    if array is None:
        text = repr(value)
        return text if len(text) <= 200 else text[:197] + "..."
    if array.ndim == 0:
        return _fmt(float(array))
    body = np.array2string(
        array, separator=", ", threshold=_SMALL_ARRAY, edgeitems=2, max_line_width=10**6,
        formatter={"float_kind": _fmt},
    )
    body = " ".join(body.split())
    return f"array {tuple(array.shape)} {body}"


def show_call(case: TestCase) -> str:
    """``conv2d(x, weight, stride=2)`` followed by the arrays' values, one per line."""
    parts, arrays = [], []
    for name, keyword, value in case.arguments:
        if isinstance(value, np.ndarray):
            parts.append(f"{name}={name}" if keyword else name)
            arrays.append(f"  {name} = {show_value(value)}")
        else:
            parts.append(f"{name}={show_value(value)}" if keyword else show_value(value))
    return "\n".join([f"{case.function}({', '.join(parts)})", *arrays])


def _numbers(value: Any) -> np.ndarray | None:
    """``value`` as a float array if it is a number or (nested, rectangular) lists of numbers."""
    if isinstance(value, np.ndarray):
        return value.astype(np.float64) if np.issubdtype(value.dtype, np.number) else None

    def numeric(item: Any) -> bool:
        if isinstance(item, (list, tuple)):
            return all(numeric(x) for x in item)
        return isinstance(item, (int, float)) and not isinstance(item, bool)

    if not numeric(value):
        return None
    try:
        return np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError):
        return None  # ragged


def _kind_of(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list" if _numbers(value) is not None else "a list that is not a rectangular array of numbers"
    if isinstance(value, dict):
        return "a dict"
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__


def _where(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]"


def check_value(case: TestCase, got: Any) -> str | None:
    """None when ``got`` is right, else one line that says what is wrong with it."""
    expected = case.expected
    tol = case.tolerance
    if case.returns is ReturnKind.INTEGER:
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return f"wrong type: expected an integer, got {_kind_of(got)}"
        if not math.isfinite(got):
            return f"expected the integer {expected}, got {_fmt(got)}"
        if not float(got).is_integer():
            return f"expected the integer {expected}, got {_fmt(got)}, which is not a whole number (use // to divide)"
        return None if int(got) == expected else f"wrong value: expected {expected}, got {int(got)}"
    if case.returns is ReturnKind.SHAPE:
        array = _numbers(got)
        if array is None or array.ndim != 1:
            return f"wrong type: expected a list of {len(expected)} integers, got {_kind_of(got)}"
        if len(array) != len(expected):
            return f"expected {len(expected)} integers, got {len(array)}"
        if not all(math.isfinite(v) and float(v).is_integer() for v in array):
            return "expected whole numbers, got " + show_value(got)
        return None if [int(v) for v in array] == expected else f"wrong value: expected {expected}, got {[int(v) for v in array]}"
    array = _numbers(got)
    want = np.asarray(expected, dtype=np.float64)
    if case.returns is ReturnKind.NUMBER:
        if array is None or array.ndim != 0:
            return f"wrong type: expected a number, got {_kind_of(got)}"
    elif array is None:
        return f"wrong type: expected an array of shape {tuple(want.shape)}, got {_kind_of(got)}"
    if array.shape != want.shape:
        return f"wrong shape: expected {tuple(want.shape)}, got {tuple(array.shape)}"
    bad = ~np.isfinite(array) & np.isfinite(want)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0]) if array.ndim else ()
        which = "NaN" if np.isnan(array[bad]).any() else "inf"
        where = f" at {int(bad.sum())} of {array.size} positions, first at {_where(first)}" if array.ndim else ""
        return f"the result contains {which}{where} (an overflow?)"
    close = np.isclose(array, want, rtol=tol.rtol, atol=tol.atol, equal_nan=True)
    if close.all():
        return None
    if array.ndim == 0:
        return f"wrong value: expected {_fmt(float(want))}, got {_fmt(float(array))}"
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    return (
        f"{int((~close).sum())} of {array.size} values differ; first at {_where(first)}: "
        f"expected {_fmt(float(want[first]))}, got {_fmt(float(array[first]))}"
    )


def _diagnose(case: TestCase, got: Any) -> list[mistakes.Mistake]:
    """Every catalogue mistake whose value equals ``got`` (several when they give the same value)."""
    exact = case.returns in (ReturnKind.INTEGER, ReturnKind.SHAPE)
    rtol, atol = (0.0, 0.0) if exact else (case.tolerance.rtol, case.tolerance.atol)
    return [
        mistakes.CATALOGUE[key]
        for key, value in case.mistaken.items()
        if mistakes.values_match(got, value, rtol=rtol, atol=atol)
    ]


_CALL_PROBLEMS = {
    CallStatus.ERROR: (TestStatus.ERROR, "raised an exception: {message}"),
    CallStatus.TIMEOUT: (TestStatus.TIMEOUT, "timed out: {message} (an endless loop?)"),
    CallStatus.CRASHED: (TestStatus.ERROR, "the process running the code died: {message}"),
    CallStatus.MISSING: (TestStatus.ERROR, "the submission defines no function {function}: {message}"),
    CallStatus.BAD_OUTPUT: (TestStatus.FAILED, "returned something that is not numbers or lists of numbers: {message}"),
}
_TOO_LARGE = "output too large"  # how the sandbox starts a BAD_OUTPUT message when a size cap was hit
_TOO_LARGE_TEMPLATE = "returned an output too large to check: {message}"


def judge(case: TestCase, outcome: CallOutcome, *, no_credit: str | None = None) -> TestResult:
    """The verdict on one test from the sandbox's raw outcome."""
    call = f"input: {show_call(case)}"
    expected = f"expected: {show_value(case.expected)}"
    found: list[mistakes.Mistake] = []  # the diagnosed catalogue mistakes, recorded apart
    if outcome.status is CallStatus.OK:
        problem = check_value(case, outcome.value)
        lines = [call, expected, f"got: {show_value(outcome.value)}"]
        if problem is None:
            status, summary = TestStatus.PASSED, "correct"
        else:
            status, summary = TestStatus.FAILED, problem
            lines.append(f"problem: {problem}")
            found = _diagnose(case, outcome.value)
            mistake = mistakes.combine(found)  # the student reads them together ("a, or b")
            if mistake is not None:
                lines.append(f"likely mistake: {mistake.name}. {mistake.explanation}")
                summary = f"{problem} ({mistake.name})"
    else:
        status, template = _CALL_PROBLEMS[outcome.status]
        message = " ".join(str(outcome.message or "").split()) or "(no message)"
        if outcome.status is CallStatus.BAD_OUTPUT and message.startswith(_TOO_LARGE):
            template, message = _TOO_LARGE_TEMPLATE, message[len(_TOO_LARGE):].lstrip(": ") or "(no detail)"
        summary = template.format(message=message, function=case.function).strip()
        lines = [call, expected, f"problem: {summary}"]
    score = case.points if status is TestStatus.PASSED else 0.0
    if no_credit is not None:
        if status is TestStatus.PASSED:
            status, summary = TestStatus.FAILED, f"correct, but no credit: {no_credit}"
        lines.insert(0, f"no credit: {no_credit}")
        score = 0.0
    return TestResult(
        name=case.name, function=case.function, public=case.public, score=score, max_score=case.points,
        status=status, output="\n".join(lines), summary=summary, seconds=float(outcome.seconds or 0.0),
        mistakes=tuple(m.key for m in found),
    )


def ungraded(cases: Sequence[TestCase], reason: str, status: TestStatus = TestStatus.ERROR) -> list[TestResult]:
    """Every test as not run, for a submission that could not be graded at all."""
    return [
        TestResult(
            name=case.name, function=case.function, public=case.public, score=0.0, max_score=case.points,
            status=status, output=f"not run: {reason}\ninput: {show_call(case)}", summary=f"not run: {reason}",
        )
        for case in cases
    ]


_IMPORT_PROBLEMS = {
    CallStatus.ERROR: "importing {file} failed: {message}",
    CallStatus.TIMEOUT: "importing {file} took longer than the time limit (code at the top level runs on import)",
    CallStatus.CRASHED: "the process died while importing {file}: {message}",
    CallStatus.MISSING: "no {file} in the submission (and no notebook to grade in its place)",
    CallStatus.BAD_OUTPUT: "importing {file} produced no usable result: {message}",
}


def _no_credit_reason(result: SandboxResult, filename: str) -> str | None:
    if not result.forbidden_imports:
        return None
    names = ", ".join(sorted(set(result.forbidden_imports)))
    return (
        f"{filename} imports {names}, which this assignment forbids; "
        "no test earns credit while a forbidden module is imported"
    )


def judge_submission(
    cases: Sequence[TestCase], result: SandboxResult, *, filename: str = "cnn.py"
) -> tuple[StudentStatus, list[TestResult], list[str]]:
    """Status, per-test verdicts and overall remarks for one sandbox run."""
    if result.import_status is not CallStatus.OK:
        template = _IMPORT_PROBLEMS.get(result.import_status, "{file} could not be run: {message}")
        message = " ".join(str(result.import_message or "").split()) or "(no message)"
        reason = template.format(file=filename, message=message)
        return StudentStatus.ERROR, ungraded(cases, reason), [f"Not graded: {reason}."]
    no_credit = _no_credit_reason(result, filename)
    tests = [judge(case, outcome, no_credit=no_credit) for case, outcome in zip(cases, result.outcomes)]
    remarks = [f"No credit: {no_credit}."] if no_credit else []
    if len(result.outcomes) != len(cases):  # the sandbox promises one outcome per call
        tests += ungraded(cases[len(result.outcomes):], "the sandbox returned no outcome for this test")
        remarks.append("Some tests were not run (the sandbox returned too few outcomes).")
    return StudentStatus.GRADED, tests, remarks
