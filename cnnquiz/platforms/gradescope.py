"""Gradescope: the autograder zip, and ``run_autograder``'s grading entry point.

The zip (:func:`write_bundle`) holds ``setup.sh`` and ``run_autograder`` at its root, the
cnnquiz wheel and the assignment. Gradescope unpacks it in ``/autograder/source``, runs
``setup.sh`` once, and for every submission runs ``run_autograder``, which calls
:func:`main` (``python -m cnnquiz.platforms.gradescope``) to grade
``$AUTOGRADER_ROOT/submission`` into ``$AUTOGRADER_ROOT/results/results.json``
(``AUTOGRADER_ROOT`` defaults to ``/autograder``; tests point it at a temporary folder).

Gradescope's defaults are 768 MB of memory, 0.5 vCPU and a 10 minute global timeout that
gives a blank zero: the entry point budgets the per-call limits to finish in
:data:`DEFAULT_BUDGET_S` and caps the sandbox's address space at :data:`DEFAULT_MEMORY_MB`,
leaving room for the grader itself. ``submission_metadata.json`` (when present) gives the
student id and the dates kept in ``extra_data.gradescope`` for a late policy.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from cnnquiz import __version__
from cnnquiz.grading.assignment import load_assignment
from cnnquiz.platforms.bundle import BUNDLED_ASSIGNMENT, BundleParts
from cnnquiz.platforms.common import (
    PlatformError,
    grade_on_platform,
    grader_failure,
    protect,
    write_results,
)
from cnnquiz.platforms.templates import GRADESCOPE_RUN, GRADESCOPE_SETUP, fill

__all__ = ["DEFAULT_BUDGET_S", "DEFAULT_MEMORY_MB", "ROOT_ENV", "write_bundle", "read_metadata", "grade_root", "main"]

ROOT_ENV = "AUTOGRADER_ROOT"
DEFAULT_BUDGET_S = 480.0
"""Seconds of grading per submission: two minutes under Gradescope's default 10 minute timeout."""
DEFAULT_MEMORY_MB = 512
"""Address-space cap of the sandbox: Gradescope's 768 MB less what the grader itself uses."""

_EXECUTABLE = 0o755


def _entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible zips
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_bundle(out: str | Path, parts: BundleParts, *, budget_s: float = DEFAULT_BUDGET_S,
                 memory_mb: int = DEFAULT_MEMORY_MB) -> Path:
    """Write the Gradescope autograder zip to ``out`` (atomically, mode 0600: it holds the secret)."""
    out = Path(out)
    values = {"VERSION": parts.wheel_version, "WHEEL": parts.wheel.name, "ASSIGNMENT": BUNDLED_ASSIGNMENT,
              "BUDGET": f"{budget_s:g}", "MEMORY": int(memory_mb)}
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")  # beside the target, so os.replace is atomic
    try:
        # The zip holds the assignment and the course secret: readable by its owner only, from the first byte.
        partial.unlink(missing_ok=True)
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as raw, \
                zipfile.ZipFile(raw, "w") as bundle:
            bundle.writestr(_entry("setup.sh", _EXECUTABLE), fill(GRADESCOPE_SETUP, **values))
            bundle.writestr(_entry("run_autograder", _EXECUTABLE), fill(GRADESCOPE_RUN, **values))
            for name, content in parts.files.items():
                bundle.writestr(_entry(name, 0o600), content)
            bundle.writestr(_entry(parts.wheel.name, 0o644), parts.wheel.read_bytes())
        os.replace(partial, out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise PlatformError(f"{out}: cannot write the autograder zip: {error.strerror or error}") from None
    return out


def _date(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def read_metadata(path: Path) -> tuple[str | None, dict[str, Any]]:
    """``(student id, dates)`` from Gradescope's ``submission_metadata.json``.

    The id is the first submitter's email (else their Gradescope id); the dates are the
    submission time, the due and late due dates and, when both parse, how late it was.
    A missing or unreadable file gives ``(None, {})``.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, {}
    if not isinstance(data, dict):
        return None, {}
    assignment = data.get("assignment") if isinstance(data.get("assignment"), dict) else {}
    users = [user for user in data.get("users") or [] if isinstance(user, dict)]
    student = None
    if users:  # group submissions list several users; the first one's id draws the hidden tests
        student = str(users[0].get("email") or users[0].get("id") or "") or None
    kept = {
        "submission_id": data.get("id"),
        "submitted_at": data.get("created_at"),
        "due_date": assignment.get("due_date"),
        "late_due_date": assignment.get("late_due_date"),
        "release_date": assignment.get("release_date"),
        "assignment_title": assignment.get("title"),
    }
    submitted, due = _date(kept["submitted_at"]), _date(kept["due_date"])
    if submitted is not None and due is not None and (submitted.tzinfo is None) == (due.tzinfo is None):
        kept["seconds_late"] = max(0.0, round((submitted - due).total_seconds(), 3))
    return student, {key: value for key, value in kept.items() if value is not None}


def grade_root(root: Path, assignment_file: Path, *, budget_s: float = DEFAULT_BUDGET_S,
               memory_mb: int = DEFAULT_MEMORY_MB) -> dict[str, Any]:
    """Grade ``root/submission`` and write ``root/results/results.json``; return its content."""
    results_dir, source = root / "results", root / "source"
    metadata_file = root / "submission_metadata.json"
    student, dates = read_metadata(metadata_file)
    student = student or "submission"
    results_dir.mkdir(parents=True, exist_ok=True)
    protect([source, results_dir, metadata_file])
    try:
        assignment = load_assignment(assignment_file)
        result = grade_on_platform(root / "submission", assignment, student, budget_s=budget_s, memory_mb=memory_mb,
                                   hidden=[source, results_dir])
    except Exception as error:  # noqa: BLE001 - whatever breaks, the student gets a results.json
        result = grader_failure(assignment_file.stem, student, error)
    data = result.gradescope()
    data["extra_data"]["gradescope"] = dates
    write_results(results_dir / "results.json", data)
    return data


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cnnquiz.platforms.gradescope",
                                     description="Grade a Gradescope submission (run by run_autograder).")
    parser.add_argument("--root", type=Path, default=Path(os.environ.get(ROOT_ENV) or "/autograder"))
    parser.add_argument("--assignment", type=Path, help=f"default: ROOT/source/{BUNDLED_ASSIGNMENT}")
    parser.add_argument("--time-budget", type=float, default=DEFAULT_BUDGET_S, help="seconds for the whole grading")
    parser.add_argument("--memory-mb", type=int, default=DEFAULT_MEMORY_MB)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``run_autograder``; exit status 0 whenever results.json was written."""
    args = _parser().parse_args(argv)
    assignment = args.assignment or args.root / "source" / BUNDLED_ASSIGNMENT
    data = grade_root(args.root, assignment, budget_s=args.time_budget, memory_mb=args.memory_mb)
    print(f"cnnquiz {__version__}: {data['score']}/{data['max_score']} points; "
          f"wrote {args.root / 'results' / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
