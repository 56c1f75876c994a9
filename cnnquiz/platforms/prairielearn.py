"""PrairieLearn: an external-grader setup, and the grading entry point it runs.

:func:`write_setup` writes a folder with a ``Dockerfile`` (a slim Python image that
installs the bundled cnnquiz wheel and keeps the assignment readable by root only), the
``cnnquiz-grade`` entry point, the wheel, the assignment and an ``info.json`` snippet for
the question. PrairieLearn copies the student's files to ``/grade/student`` and reads
``/grade/results/results.json``; ``PL_GRADE_ROOT`` moves that root (tests use a
temporary folder).

PrairieLearn's results: ``score`` in 0..1, ``tests[{name, description, points,
max_points, message, output}]``, and ``gradable: false`` when nothing could be graded
(no code, an import that fails), which costs the student no attempt. Hidden tests are
listed with their points but without their inputs, which PrairieLearn would show.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Sequence

from cnnquiz import __version__, atomic
from cnnquiz.grading.assignment import load_assignment
from cnnquiz.grading.results import StudentResult, StudentStatus, TestResult, TestStatus, number
from cnnquiz.platforms.bundle import BUNDLED_ASSIGNMENT, BundleParts
from cnnquiz.platforms.common import grade_on_platform, grader_failure, protect, write_results
from cnnquiz.platforms.templates import PRAIRIELEARN_DOCKERFILE, PRAIRIELEARN_ENTRYPOINT, fill

__all__ = ["ROOT_ENV", "DEFAULT_BUDGET_S", "ENTRYPOINT", "write_setup", "prairielearn_results", "grade_root", "main"]

ROOT_ENV = "PL_GRADE_ROOT"
DEFAULT_BUDGET_S = 50.0
"""Seconds of grading: under the ``timeout`` of 60 s the ``info.json`` snippet sets (PrairieLearn's default is 30 s)."""
ENTRYPOINT = "/opt/cnnquiz/cnnquiz-grade"
_PL_TIMEOUT_S = 60


def write_setup(out_dir: str | Path, parts: BundleParts, *, budget_s: float = DEFAULT_BUDGET_S) -> Path:
    """Write the external-grader folder (Dockerfile, entry point, wheel, assignment, info.json).

    The assignment and the course secret are written with mode 0600 from the start; the
    image built from the folder carries them, so it belongs in a private registry
    repository only (:data:`~cnnquiz.platforms.templates.PRIVATE_IMAGE_NOTE`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    values = {"VERSION": parts.wheel_version, "WHEEL": parts.wheel.name, "ASSIGNMENT": BUNDLED_ASSIGNMENT,
              "BUDGET": f"{budget_s:g}", "PRIVATE": sorted(parts.files)}
    atomic.write_text(out / "Dockerfile", fill(PRAIRIELEARN_DOCKERFILE, **values))
    atomic.write_text(out / "cnnquiz-grade", fill(PRAIRIELEARN_ENTRYPOINT, **values), mode=0o755)
    shutil.copyfile(parts.wheel, out / parts.wheel.name)
    for name, content in parts.files.items():  # the assignment and the secret: private from the first byte
        atomic.write_bytes(out / name, content, mode=0o600)
    options = {"externalGradingOptions": {"enabled": True, "image": "YOUR_ORG/cnnquiz-grader",
                                          "entrypoint": ENTRYPOINT, "timeout": _PL_TIMEOUT_S}}
    atomic.write_json(out / "info.json.snippet", options)
    return out


def _test_entry(test: TestResult) -> dict[str, Any]:
    entry = {"name": test.name, "description": test.function, "points": number(test.score),
             "max_points": number(test.max_score)}
    if test.public:
        entry.update(message=test.summary, output=test.output)
    else:  # PrairieLearn shows everything it is given: keep hidden inputs hidden
        passed = test.status is TestStatus.PASSED
        entry.update(message="hidden test: " + ("passed" if passed else test.status.value), output="")
    return entry


def prairielearn_results(result: StudentResult) -> dict[str, Any]:
    """A student's result in PrairieLearn's external-grading format."""
    gradable = result.status is StudentStatus.GRADED
    lines = result.output.splitlines()
    data: dict[str, Any] = {
        "gradable": gradable,
        "score": round(result.score / result.max_score, 6) if result.max_score and gradable else 0.0,
        "message": next((line for line in lines if line.startswith("Not graded")), lines[0] if lines else ""),
        "output": result.output,
        "tests": [_test_entry(test) for test in result.tests],
    }
    if not gradable:
        data["format_errors"] = data["message"]
    return data


def _student_id(data_file: Path) -> str:
    """The id hidden tests are drawn for: PrairieLearn's variant seed (no student id reaches the grader)."""
    try:
        seed = json.loads(data_file.read_text(encoding="utf-8")).get("variant_seed")
    except (OSError, ValueError, AttributeError):
        seed = None
    return f"variant-{seed}" if isinstance(seed, (int, str)) and str(seed) else "student"


def grade_root(root: Path, assignment_file: Path, *, budget_s: float = DEFAULT_BUDGET_S) -> dict[str, Any]:
    """Grade ``root/student`` and write ``root/results/results.json``; return its content.

    With a course secret, hidden tests are drawn per question variant (``variant_seed`` in
    ``root/data/data.json``): PrairieLearn passes the grader no student id.
    """
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    # Everything PrairieLearn mounts besides the student's files may hold answers.
    private = [results_dir, root / "tests", root / "serverFilesCourse", root / "data"]
    protect(private)
    student = _student_id(root / "data" / "data.json")
    try:
        assignment = load_assignment(assignment_file)
        result = grade_on_platform(root / "student", assignment, student, budget_s=budget_s,
                                   hidden=[path for path in private if path.is_dir()])
    except Exception as error:  # noqa: BLE001 - whatever breaks, the student gets a results.json
        result = grader_failure(assignment_file.stem, student, error)
    data = prairielearn_results(result)
    data["extra_data"] = {"student": result.student, "isolation": result.isolation, "cnnquiz": __version__,
                          "points": number(result.score), "max_points": number(result.max_score)}
    write_results(results_dir / "results.json", data)
    return data


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``cnnquiz-grade``; exit status 0 whenever results.json was written."""
    parser = argparse.ArgumentParser(prog="python -m cnnquiz.platforms.prairielearn",
                                     description="Grade a PrairieLearn submission (run by cnnquiz-grade).")
    parser.add_argument("--root", type=Path, default=Path(os.environ.get(ROOT_ENV) or "/grade"))
    parser.add_argument("--assignment", type=Path, default=Path(ENTRYPOINT).with_name(BUNDLED_ASSIGNMENT))
    parser.add_argument("--time-budget", type=float, default=DEFAULT_BUDGET_S)
    args = parser.parse_args(argv)
    data = grade_root(args.root, args.assignment, budget_s=args.time_budget)
    print(f"cnnquiz {__version__}: score {data['score']}; wrote {args.root / 'results' / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
