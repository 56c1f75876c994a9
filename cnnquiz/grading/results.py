"""What grading found: one :class:`StudentResult` per student, one :class:`TestResult` per test.

A student's ``results.json`` (Gradescope's autograder format) is the one record of a
student's grade: it carries everything else in ``extra_data`` (the function each test
exercised, the detailed test status, the catalogue keys of the mistakes diagnosed, the
isolation level, the submission's content hash),
so that the gradebook, ``--resume`` and ``cnnquiz merge`` are rebuilt from these files
alone.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from cnnquiz.gradebook import GradebookRow

__all__ = ["TestStatus", "StudentStatus", "TestResult", "StudentResult", "number"]


class TestStatus(str, enum.Enum):
    """A test's verdict. Gradescope knows only passed/failed; error and timeout fail there."""

    __test__ = False

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"

    @property
    def gradescope(self) -> str:
        return "passed" if self is TestStatus.PASSED else "failed"


class StudentStatus(str, enum.Enum):
    """``graded`` when the tests ran; ``error`` when nothing could be graded."""

    GRADED = "graded"
    ERROR = "error"


def number(value: float) -> int | float:
    """A score as ``results.json`` / ``report.json`` show it: ``3`` rather than ``3.0``, others
    rounded to 4 places (``grades.csv`` rounds to 2: :func:`cnnquiz.gradebook.score_cell`)."""
    rounded = round(float(value), 4)
    return int(rounded) if rounded.is_integer() else rounded


@dataclass(frozen=True)
class TestResult:
    """The verdict on one test."""

    __test__ = False

    name: str
    function: str
    public: bool
    score: float
    max_score: float
    status: TestStatus
    output: str  # input, expected, got, and the mistake's name when one matches
    summary: str = ""  # one line: what went wrong (for JUnit messages and CI annotations)
    seconds: float = 0.0
    # The catalogue keys (cnnquiz.mistakes.CATALOGUE) the wrong value matches, each on its
    # own: several when mistakes give the same value and cannot be told apart.
    mistakes: tuple[str, ...] = ()

    def gradescope(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "score": number(self.score),
            "max_score": number(self.max_score),
            "status": self.status.gradescope,
            "output": self.output,
            "visibility": "visible" if self.public else "after_published",
            "extra_data": {
                "function": self.function,
                "status": self.status.value,
                "public": self.public,
                "summary": self.summary,
                "seconds": round(self.seconds, 4),
                "mistakes": list(self.mistakes),
            },
        }

    @classmethod
    def from_gradescope(cls, data: Mapping[str, Any]) -> "TestResult":
        extra = data.get("extra_data") or {}
        return cls(
            name=str(data["name"]),
            function=str(extra.get("function", "")),
            public=bool(extra.get("public", data.get("visibility") == "visible")),
            score=float(data.get("score", 0.0)),
            max_score=float(data.get("max_score", 0.0)),
            status=TestStatus(extra.get("status", data.get("status", "failed"))),
            output=str(data.get("output", "")),
            summary=str(extra.get("summary", "")),
            seconds=float(extra.get("seconds", 0.0)),
            mistakes=tuple(str(key) for key in extra.get("mistakes") or ()),
        )

    def report_entry(self) -> dict[str, Any]:
        """The test as ``report.json`` lists it (contract section 4)."""
        return {
            "name": self.name,
            "function": self.function,
            "score": number(self.score),
            "max_score": number(self.max_score),
            "status": self.status.value,
            "output": self.output,
            "mistakes": list(self.mistakes),
        }


@dataclass(frozen=True)
class StudentResult:
    """The grade of one student's submission."""

    student: str
    status: StudentStatus
    tests: list[TestResult]
    isolation: str  # the sandbox isolation level used ("bwrap", "unshare", "rlimits")
    output: str  # the overall message (isolation level, what could not be graded, ...)
    assignment: str = ""
    assignment_sha256: str = ""
    submission_sha256: str = ""
    execution_time: float = 0.0
    grader_error: bool = False  # grading itself failed: ``--resume`` grades it again
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return math.fsum(test.score for test in self.tests)

    @property
    def max_score(self) -> float:
        return math.fsum(test.max_score for test in self.tests)

    @property
    def failed(self) -> list[TestResult]:
        return [test for test in self.tests if test.status is not TestStatus.PASSED]

    def gradescope(self) -> dict[str, Any]:
        """The student's ``results.json`` (Gradescope's format, with cnnquiz's ``extra_data``)."""
        return {
            "score": number(self.score),
            "max_score": number(self.max_score),
            "execution_time": round(self.execution_time, 3),
            "output": self.output,
            "output_format": "text",
            "test_output_format": "text",
            "tests": [test.gradescope() for test in self.tests],
            "extra_data": {
                "student": self.student,
                "status": self.status.value,
                "isolation": self.isolation,
                "assignment": self.assignment,
                "assignment_sha256": self.assignment_sha256,
                "submission_sha256": self.submission_sha256,
                "grader_error": self.grader_error,
                **self.extra,
            },
        }

    @classmethod
    def from_gradescope(cls, data: Mapping[str, Any], student: str | None = None) -> "StudentResult":
        """Read back a ``results.json`` written by :meth:`gradescope`."""
        extra = dict(data.get("extra_data") or {})
        known = ("student", "status", "isolation", "assignment", "assignment_sha256", "submission_sha256", "grader_error")
        return cls(
            student=str(student if student is not None else extra.get("student", "")),
            status=StudentStatus(extra.get("status", "graded")),
            tests=[TestResult.from_gradescope(test) for test in data.get("tests", [])],
            isolation=str(extra.get("isolation", "")),
            output=str(data.get("output", "")),
            assignment=str(extra.get("assignment", "")),
            assignment_sha256=str(extra.get("assignment_sha256", "")),
            submission_sha256=str(extra.get("submission_sha256", "")),
            execution_time=float(data.get("execution_time", 0.0)),
            grader_error=bool(extra.get("grader_error", False)),
            extra={key: value for key, value in extra.items() if key not in known},
        )

    def gradebook_row(self) -> GradebookRow:
        """The student's line in ``grades.csv`` (the row type shared with answer sheets)."""
        return GradebookRow(self.student, self.score, self.max_score, self.status.value)

    def report_entry(self) -> dict[str, Any]:
        """The student as ``report.json`` lists them (contract section 4, plus ``isolation``)."""
        return {
            "student": self.student,
            "score": number(self.score),
            "max_score": number(self.max_score),
            "status": self.status.value,
            "isolation": self.isolation,
            "tests": [test.report_entry() for test in self.tests],
        }
