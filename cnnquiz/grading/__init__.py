"""Grade student code: assignments as data, a sandbox, comparison, reports.

``assignment`` (YAML models) -> ``cases`` (drawn inputs, reference answers) ->
``sandbox`` (run untrusted code, raw outputs only) -> ``compare`` (verdicts, named
mistakes) -> ``results`` / ``reports`` (results.json, grades.csv, report.json, JUnit).
``grader`` ties them together for one submission (:class:`Grader`, notebooks through
``notebook``, per-student hidden tests through ``secret``), ``batch`` for a class
(:func:`grade_batch`).
"""

from __future__ import annotations

from cnnquiz.grading.assignment import Assignment, load_assignment, resolve_assignment, shipped_assignments
from cnnquiz.grading.batch import BatchSummary, Shard, grade_batch, submission_hash
from cnnquiz.grading.grader import Grader
from cnnquiz.grading.cases import TestCase, build_cases
from cnnquiz.grading.reports import merge_outputs, write_gradebook, write_junit
from cnnquiz.grading.results import StudentResult, StudentStatus, TestResult, TestStatus

__all__ = [
    "Assignment",
    "load_assignment",
    "resolve_assignment",
    "shipped_assignments",
    "TestCase",
    "build_cases",
    "Grader",
    "Shard",
    "BatchSummary",
    "grade_batch",
    "submission_hash",
    "StudentResult",
    "StudentStatus",
    "TestResult",
    "TestStatus",
    "merge_outputs",
    "write_gradebook",
    "write_junit",
]
