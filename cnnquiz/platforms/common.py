"""What every platform entry point needs: find the submission, budget the limits, grade once.

A course platform hands the grader one submission in a folder it chose
(``/autograder/submission``, ``/grade/student``), under a global time limit it enforces
by killing everything. :func:`grade_on_platform` turns that into one
:class:`~cnnquiz.grading.results.StudentResult`, always: the submission is looked for
(``cnn.py`` possibly in a subfolder, else a notebook), the per-call limits are cut so
that even a submission that hangs in every call finishes inside the platform's budget,
and whatever goes wrong (nothing to grade, an unreadable folder, grading itself failing or
overrunning) becomes a result that says so instead of a missing file.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Sequence

from cnnquiz import __version__, atomic
from cnnquiz.errors import CnnquizError
from cnnquiz.grading.assignment import Assignment
from cnnquiz.grading.batch import Grader
from cnnquiz.grading.compare import ungraded
from cnnquiz.grading.results import StudentResult, StudentStatus
from cnnquiz.grading.sandbox import IsolationLevel, detect_isolation
from cnnquiz.grading.sandbox.detect import ENV_VAR, forced_level, why_unavailable
from cnnquiz.grading.secret import PREDICTABLE_NOTE
from cnnquiz.sanitize import for_json

__all__ = [
    "PlatformError",
    "Located",
    "find_submission",
    "budget_limits",
    "protect",
    "not_graded",
    "grader_failure",
    "unsafe_isolation",
    "grade_on_platform",
    "write_results",
]

# Folders a zip or an editor adds that never hold the submission.
_NOT_SUBMISSION = {"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git"}
# Time the parent needs besides the sandboxed calls (drawing tests, start-up, writing).
_OVERHEAD_S = 20.0


class PlatformError(CnnquizError):
    """A platform bundle or entry point cannot do its job (bad option, missing wheel)."""


@dataclass(frozen=True)
class Located:
    """Where a submission's code is: ``folder`` to grade, or ``problem`` when there is none."""

    folder: Path | None
    problem: str = ""
    note: str = ""  # said to the student when the code was not at the top of the upload


def _candidates(root: Path, suffix_or_name: str) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=_raise):
        dirnames[:] = sorted(d for d in dirnames if d not in _NOT_SUBMISSION and not d.startswith("."))
        for name in filenames:
            if name == suffix_or_name or (suffix_or_name.startswith(".") and name.endswith(suffix_or_name)):
                found.append(Path(dirpath) / name)
    return found


def _raise(error: OSError) -> None:
    raise error


def find_submission(root: str | Path, filename: str = "cnn.py") -> Located:
    """Find the folder to grade in an upload.

    ``filename`` at the top wins; else the shallowest ``filename`` in a subfolder (a zip
    of the project folder); else the folder of the notebooks (``.ipynb``), which the
    grading library reads when it finds no ``filename`` (one notebook; several are an
    error it explains).

    Returns
    -------
    Located
        ``folder`` set, or ``problem`` naming why there is nothing to grade (empty,
        unreadable, two equally shallow candidates).
    """
    root = Path(root)
    try:
        if (root / filename).is_file():
            return Located(root)
        if not root.is_dir():
            return Located(None, f"no submission folder ({root} does not exist)")
        sources = _candidates(root, filename)
        notebooks = [] if sources else _candidates(root, ".ipynb")
    except OSError as error:
        return Located(None, f"the submission could not be read ({error.strerror or error})")
    found = sources or notebooks
    if not found:
        return Located(None, f"the submission contains no {filename} and no notebook (.ipynb)")
    depth = min(len(path.relative_to(root).parts) for path in found)
    folders = sorted({path.parent for path in found if len(path.relative_to(root).parts) == depth})
    if len(folders) > 1:
        names = ", ".join(folder.relative_to(root).as_posix() for folder in folders)
        return Located(None, f"several folders hold {filename if sources else 'a notebook'} ({names}); submit one")
    folder = folders[0]
    if folder == root:
        return Located(folder)
    return Located(folder, note=f"Graded the code found in {folder.relative_to(root).as_posix()}/ of your submission.")


def budget_limits(assignment: Assignment, calls: int, *, budget_s: float,
                  memory_mb: int | None = None) -> dict[str, Any]:
    """Per-call limit overrides so that grading ``calls`` calls ends within ``budget_s``.

    A submission may spend up to the call time limit on every call and on its import, so
    ``(calls + 1) * call_timeout_s`` must fit in the budget (less the parent's overhead).
    The assignment's own, tighter, limits are kept.

    >>> from cnnquiz.grading.assignment import resolve_assignment
    >>> budget_limits(resolve_assignment("cnn"), 100, budget_s=121)["call_timeout_s"]
    1.0
    """
    limits = assignment.limits.to_limits()
    per_call = max(0.5, (budget_s - _OVERHEAD_S) / (calls + 1))
    timeout = min(limits.call_timeout_s, per_call)
    override: dict[str, Any] = {"call_timeout_s": round(timeout, 3), "cpu_s": min(limits.cpu_s, max(1.0, timeout))}
    if memory_mb is not None:
        override["memory_mb"] = min(limits.memory_mb, memory_mb)
    return override


def protect(paths: Sequence[Path]) -> None:
    """Make ``paths`` unreadable to every uid but their owner (root on the platforms).

    What the sandbox's private uid needs (the interpreter, site-packages) stays readable;
    hidden tests, the assignment (its secret seed) and the results must not be.
    """
    for path in paths:
        try:
            mode = path.lstat().st_mode
        except OSError:
            continue
        if stat.S_ISLNK(mode):
            continue
        os.chmod(path, 0o700 if stat.S_ISDIR(mode) else 0o600)


def not_graded(assignment_name: str, student: str, reason: str, *, cases: Sequence = (),
               isolation: str = "") -> StudentResult:
    """A result for a submission nothing could be graded of: every test (if known) not run."""
    tests = ungraded(cases, reason) if cases else []
    return StudentResult(
        student=student, status=StudentStatus.ERROR, tests=tests, isolation=isolation,
        output=f"Not graded: {reason}. (cnnquiz {__version__}, assignment {assignment_name})",
        assignment=assignment_name, grader_error=False,
    )


def grader_failure(assignment_name: str, student: str, error: BaseException) -> StudentResult:
    """A result for a run where grading itself broke (a bad bundle, a broken machine)."""
    what = str(error) if isinstance(error, CnnquizError) else f"{type(error).__name__}: {error}"
    result = not_graded(assignment_name, student, f"the autograder itself failed ({what}); this is not a verdict "
                        "on your code, please tell your instructor")
    return replace(result, grader_error=True)


def unsafe_isolation(isolation: IsolationLevel | None = None) -> str:
    """Why student code must not run here, or ``""`` when the isolation level is safe enough.

    On a platform the grader runs as root beside the bundle (hidden tests, the assignment,
    the course secret). At the ``rlimits`` level student code runs as that same root with
    only resource limits, so it could read all of it (contract §8). That level is used
    only when asked for: ``isolation`` passed explicitly or ``CNNQUIZ_ISOLATION=rlimits``;
    detection falling back to it is refused, with what the instructor can do about it.

    Raises
    ------
    CnnquizError
        When ``CNNQUIZ_ISOLATION`` names no isolation level.
    """
    if isolation is not None or forced_level() is not None:
        return ""
    if detect_isolation() is not IsolationLevel.RLIMITS:
        return ""
    tried = "; ".join(f"{level.value}: {why_unavailable(level) or 'unavailable'}"
                      for level in IsolationLevel if level is not IsolationLevel.RLIMITS)
    return (
        "grading could not run safely: no sandbox isolation level stronger than rlimits works in this container "
        f"({tried}), and at rlimits the submission would run as root and could read the hidden tests and the "
        "course secret. Instructor: install bubblewrap in the image (setup.sh / the Dockerfile do it where apt "
        "exists), or use a Python interpreter readable by other users so the uid level works, or set "
        f"{ENV_VAR}=rlimits to accept the risk. This is not a verdict on your code: please tell your instructor"
    )


def _tell_instructor(message: str) -> None:
    """Say ``message`` in the platform's grader log (stderr), which instructors see and students do not."""
    print(f"cnnquiz: warning: {message}", file=sys.stderr, flush=True)


def _with_note(result: StudentResult, note: str) -> StudentResult:
    if not note:
        return result
    return replace(result, output=f"{note}\n{result.output}")


def grade_on_platform(
    submission: str | Path,
    assignment: Assignment,
    student: str,
    *,
    budget_s: float,
    memory_mb: int | None = None,
    hidden: Sequence[Path] = (),
    isolation: IsolationLevel | None = None,
) -> StudentResult:
    """Grade one upload with all tests, within ``budget_s`` seconds, whatever it holds.

    Never raises for the submission's sake: no code, an unreadable folder, grading itself
    failing, or grading overrunning the budget each give an ``error`` result that says so.
    ``hidden`` are host folders the sandbox hides from the student (the bundle's source,
    the results). ``isolation`` ``None`` is the level ``CNNQUIZ_ISOLATION`` forces, else
    the strongest available (:func:`cnnquiz.grading.sandbox.detect_isolation`) unless that
    is only ``rlimits``: then nothing runs and the result says why (:func:`unsafe_isolation`).

    Raises
    ------
    CnnquizError
        When the grader itself cannot run: a forced isolation level that is not available
        here, an unreadable course secret (the entry points turn it into a result too).
    """
    unsafe = unsafe_isolation(isolation)
    if unsafe:  # nothing of the submission runs; the instructor's remedy is in the message
        _tell_instructor(unsafe)
        return replace(not_graded(assignment.name, student, unsafe, isolation=IsolationLevel.RLIMITS.value),
                       grader_error=True)
    located = find_submission(submission, assignment.filename)
    grader = Grader(assignment, isolation=isolation, hidden_paths=hidden)
    if grader.predictable:
        _tell_instructor(PREDICTABLE_NOTE)
    cases = grader.cases_for(student)
    if located.folder is None:
        return not_graded(assignment.name, student, located.problem, cases=cases, isolation=grader.isolation.value)
    # The number of calls is known once the tests are drawn, so the budget is applied here.
    grader.limits = assignment.limits.to_limits(**budget_limits(assignment, len(cases), budget_s=budget_s,
                                                                memory_mb=memory_mb))
    outcome: list[StudentResult] = []
    worker = threading.Thread(target=lambda: outcome.append(grader.grade(located.folder, student)), daemon=True,
                              name="cnnquiz-platform-grade")
    worker.start()
    worker.join(budget_s)
    if not outcome:  # the per-call limits should prevent this; the platform would give a blank zero
        return not_graded(assignment.name, student, f"grading did not finish within {budget_s:g} s",
                          cases=cases, isolation=grader.isolation.value)
    return _with_note(outcome[0], located.note)


def write_results(path: Path, data: dict[str, Any]) -> Path:
    """Write a platform's ``results.json`` atomically; student text (folder names, output) made valid UTF-8."""
    text = json.dumps(for_json(data), indent=2, allow_nan=False, ensure_ascii=False) + "\n"
    return atomic.write_text(path, text)
