"""Grade student code: assignments as data, a sandbox, comparison, reports.

``assignment`` (YAML models) -> ``cases`` (drawn inputs, reference answers) ->
``sandbox`` (run untrusted code, raw outputs only) -> ``compare`` (verdicts, named
mistakes) -> ``results`` / ``reports`` (results.json, grades.csv, report.json, JUnit).
``grader`` ties them together for one submission (:class:`Grader`, notebooks through
``notebook``, per-student hidden tests through ``secret``), ``batch`` for a class
(:func:`grade_batch`).
"""

from __future__ import annotations

import importlib
from typing import Any

# Names load on first use (PEP 562), so that ``cnnquiz.grading.notebook`` or
# ``cnnquiz.grading.secret`` can be imported without the sandbox and the catalogue.
_HOME = {
    "Assignment": "assignment", "load_assignment": "assignment", "resolve_assignment": "assignment",
    "shipped_assignments": "assignment", "TestCase": "cases", "build_cases": "cases", "Grader": "grader",
    "Shard": "batch", "BatchSummary": "batch", "grade_batch": "batch", "submission_hash": "batch",
    "StudentResult": "results", "StudentStatus": "results", "TestResult": "results", "TestStatus": "results",
    "merge_outputs": "reports", "write_gradebook": "reports", "write_junit": "reports",
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'cnnquiz.grading' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"cnnquiz.grading.{module}"), name)
    globals()[name] = value
    return value


__all__ = list(_HOME)  # the public names are the lazy table's keys
