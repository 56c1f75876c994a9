"""GitHub Classroom: points in the form its autograding reporter shows.

GitHub Classroom's ``autograding-grading-reporter`` action reads, for each runner id
listed in its ``runners`` input, an environment variable ``<ID>_RESULTS`` holding base64
of a JSON object ``{"version": 1, "status": "pass"|"fail"|"error", "max_score": N,
"tests": [{"name", "status", "message", "score", ...}]}``; it adds up the tests' scores
out of ``max_score`` and posts "Points X/N" on the check run Classroom reads. A step's
output ``result`` carries that value from ``cnnquiz autograder classroom`` to the
reporter (see docs/cnnquiz-classroom.yml).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cnnquiz.grading.results import StudentResult, StudentStatus, TestStatus, number
from cnnquiz.sanitize import for_json, for_terminal

__all__ = ["classroom_payload", "encode_payload"]

_STATUS = {TestStatus.PASSED: "pass", TestStatus.FAILED: "fail", TestStatus.ERROR: "error", TestStatus.TIMEOUT: "error"}


def classroom_payload(result: StudentResult) -> dict[str, Any]:
    """The reporter's JSON for one graded ``cnn.py``.

    ``status`` is ``error`` when nothing could be graded, ``fail`` when a test did not
    pass, ``pass`` otherwise; each test's ``score`` is its points.
    """
    if result.status is StudentStatus.ERROR:
        status = "error"
    else:
        status = "fail" if result.failed else "pass"
    return {
        "version": 1,
        "status": status,
        "max_score": number(result.max_score),
        "tests": [
            {
                # The reporter prints names and messages in the Actions log: no control sequences.
                "name": for_terminal(test.name, markup=False),
                "status": _STATUS[test.status],
                "score": number(test.score),
                "message": for_terminal(test.summary, markup=False) if test.status is not TestStatus.PASSED else "",
                "test_code": test.function,
                "filename": "",
                "line_no": 0,
                "duration": round(test.seconds * 1000),
            }
            for test in result.tests
        ],
    }


def encode_payload(payload: dict[str, Any]) -> str:
    """base64 of the compact JSON, as the reporter decodes it (lone surrogates shown as ``\\xNN``)."""
    text = json.dumps(for_json(payload), separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")
