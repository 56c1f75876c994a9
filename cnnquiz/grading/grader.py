"""Grade one submission: its tests (hidden ones per student), the sandbox, the verdicts.

:class:`Grader` draws an assignment's public tests once and, with a course secret
(:mod:`cnnquiz.grading.secret`), each student's hidden tests from the secret and the
student id; then grades one submission folder: ``cnn.py`` (or the one notebook of a
folder without it, :mod:`cnnquiz.grading.notebook`) -> sandbox -> compare -> a
:class:`StudentResult`. It never raises for a student's sake: a submission that cannot
be graded (a broken notebook, an import error) is that student's ``error`` result, and
any failure of grading itself is a ``grader_error`` result naming the exception.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from pathlib import Path
from typing import Any, Sequence

from cnnquiz import __version__
from cnnquiz.grading.assignment import Assignment
from cnnquiz.grading.cases import TestCase, build_cases
from cnnquiz.grading.compare import judge_submission, ungraded
from cnnquiz.grading.notebook import NotebookError, NotebookModule, find_notebook, read_notebook
from cnnquiz.grading.results import StudentResult, StudentStatus, TestResult
from cnnquiz.grading.sandbox import IsolationLevel, detect_isolation, run_submission
from cnnquiz.grading.sandbox.intake import submission_digest
from cnnquiz.grading.sandbox.levels import LEVELS
from cnnquiz.grading.secret import CourseSecret, load_secret
from cnnquiz.sanitize import escape_name

__all__ = ["Grader", "ISOLATION_NOTES"]

#: isolation level -> what it protects, one line for humans (from the sandbox's level table)
ISOLATION_NOTES = {level.value: facts.protects for level, facts in LEVELS.items()}


class Grader:
    """An assignment's tests and the sandbox settings to run them with.

    Parameters
    ----------
    assignment : Assignment
    public_only : bool
        Only the public tests (``cnnquiz check``); the course secret is not read.
    isolation : IsolationLevel or str, optional
        The sandbox isolation level; the best available one by default.
    limits : dict, optional
        Overrides of the assignment's per-call limits (e.g. ``{"call_timeout_s": 1}``).
    hidden_paths : sequence of paths
        Host folders the sandbox hides from student code (other submissions, the output).

    Raises
    ------
    CnnquizError
        When the assignment's tests cannot be drawn, its ``secret_file`` cannot be read,
        or ``isolation`` is not available here.
    """

    def __init__(self, assignment: Assignment, *, public_only: bool = False,
                 isolation: IsolationLevel | str | None = None, limits: dict[str, Any] | None = None,
                 hidden_paths: Sequence[str | Path] = ()) -> None:
        self.assignment = assignment
        self.public_only = public_only
        self.secret: CourseSecret | None = None if public_only else load_secret(assignment)
        # Without a secret every student gets these; with one, only their public part is shared.
        self.cases: list[TestCase] = build_cases(assignment, public_only=public_only)
        self.hidden_tests = sum(g.count for f in assignment.functions for g in f.tests if not g.public)
        self.isolation = detect_isolation(IsolationLevel(isolation) if isolation is not None else None)
        self.hidden_paths = tuple(Path(p) for p in hidden_paths)
        self.limits = assignment.limits.to_limits(**(limits or {}))
        secret = self.secret.fingerprint if self.secret else "none"
        self.digest = hashlib.sha256(f"{assignment.digest()} public_only={public_only} secret={secret}".encode()).hexdigest()

    @property
    def predictable(self) -> bool:
        """True when hidden tests are graded but drawn without a course secret."""
        return not self.public_only and self.secret is None and self.hidden_tests > 0

    def cases_for(self, student: str) -> list[TestCase]:
        """The tests of ``student``: the shared public ones and, with a secret, their own hidden ones."""
        if self.secret is None:
            return self.cases
        return build_cases(self.assignment, secret=self.secret.value, student=student)

    def overview(self, level: str) -> str:
        """The first lines of every student's output: the tests, the version, the sandbox.

        Students read this, so it never says that hidden tests are predictable
        (:data:`~cnnquiz.grading.secret.PREDICTABLE_NOTE` is for the instructor).
        """
        public = sum(case.public for case in self.cases)
        if self.public_only:
            tests = (f"{public} public tests only; {self.hidden_tests} hidden tests run only when the course grades "
                     "the submission (cnnquiz grade)")
        else:
            # Without a secret the hidden tests are predictable: the instructor is told so
            # (``cnnquiz grade``'s summary, the platforms' log), never the students who read this.
            drawn = "; hidden tests drawn for each student from the course secret" if self.secret else ""
            tests = f"{public + self.hidden_tests} tests ({public} public, {self.hidden_tests} hidden{drawn})"
        return (
            f"Assignment {self.assignment.name}: {tests}. Graded by cnnquiz {__version__} with sandbox isolation "
            f"level {level} ({ISOLATION_NOTES.get(level, level)})."
        )

    def grade(self, folder: str | Path, student: str | None = None, *, hide: Sequence[Path] = ()) -> StudentResult:
        """Grade one submission folder; never raises for the student's sake.

        ``student`` is the id (default: the folder's name, escaped when not UTF-8); ``hide``
        adds host folders to hide from the student's code for this call.
        """
        folder = Path(folder)
        student = student or escape_name(os.fsencode(folder.resolve().name))
        started = time.perf_counter()
        try:
            return self._grade(folder, student, hide, started)
        except Exception as error:  # noqa: BLE001 - one student's failure must not lose the others
            return self.error_result(student, error, started=started)

    def error_result(self, student: str, error: BaseException, *, started: float | None = None,
                     what: str = "grading itself failed") -> StudentResult:
        """The ``grader_error`` result of a student whose grading failed with ``error``."""
        reason = f"{what} ({type(error).__name__}: {error})"
        try:
            cases = self.cases_for(student)
        except Exception:  # noqa: BLE001 - the reason above is what matters
            cases = self.cases
        seconds = time.perf_counter() - started if started is not None else 0.0
        return self._result(student, StudentStatus.ERROR, ungraded(cases, reason), [f"Not graded: {reason}."],
                            self.isolation.value, "", seconds, grader_error=True)

    def _grade(self, folder: Path, student: str, hide: Sequence[Path], started: float) -> StudentResult:
        digest = submission_digest(folder)  # bounded, iterative; the same hash --resume compares
        cases = self.cases_for(student)
        filename = self.assignment.filename
        try:
            notebook_path = find_notebook(folder, filename)
            module = read_notebook(notebook_path) if notebook_path is not None else None
        except NotebookError as error:
            reason = str(error)
            return self._result(student, StudentStatus.ERROR, ungraded(cases, reason), [f"Not graded: {reason}."],
                                self.isolation.value, digest, time.perf_counter() - started)
        sandboxed = self._run(folder, cases, module, hide)
        status, tests, remarks = judge_submission(cases, sandboxed, filename=filename)
        printed = (sandboxed.stdout_tail or "").strip()
        if printed:
            remarks.append(f"What {filename} printed (last lines):\n{printed[-2000:]}")
        if module is not None:
            tests, remarks = _point_into_notebook(module, filename, tests, remarks)
        isolation = IsolationLevel(sandboxed.isolation).value
        return self._result(student, status, tests, remarks, isolation, digest, time.perf_counter() - started)

    def _run(self, folder: Path, cases: list[TestCase], module: NotebookModule | None, hide: Sequence[Path]) -> Any:
        options = dict(
            module=self.assignment.module, limits=self.limits, isolation=self.isolation,
            forbidden_modules=tuple(self.assignment.forbidden_imports), hidden_paths=(*self.hidden_paths, *hide),
        )
        calls = [case.call() for case in cases]
        if module is not None:  # the notebook's code cells become cnn.py in the scratch copy
            options["extra_files"] = {self.assignment.filename: module.text.encode("utf-8", "surrogateescape")}
        return run_submission(folder, calls, **options)

    def _result(self, student: str, status: StudentStatus, tests: list[TestResult], remarks: list[str],
                isolation: str, digest: str, seconds: float, *, grader_error: bool = False) -> StudentResult:
        result = StudentResult(
            student=student, status=status, tests=tests, isolation=isolation, output="",
            assignment=self.assignment.name, assignment_sha256=self.digest, submission_sha256=digest,
            execution_time=seconds, grader_error=grader_error,
        )
        score = f"Score: {result.score:g}/{result.max_score:g} ({len(result.failed)} of {len(tests)} tests did not pass)."
        return dataclasses.replace(result, output="\n".join([self.overview(isolation), score, *remarks]))


def _point_into_notebook(module: NotebookModule, filename: str, tests: list[TestResult],
                         remarks: list[str]) -> tuple[list[TestResult], list[str]]:
    """Feedback that names ``cnn.py, line N`` names the notebook's cell and line instead."""
    mapped = [
        dataclasses.replace(test, output=module.map_feedback(test.output, filename),
                            summary=module.map_feedback(test.summary, filename))
        for test in tests
    ]
    dropped = f"; {module.dropped} magic or shell line(s) ignored" if module.dropped else ""
    note = f"Graded from the code cells of {module.notebook} (never executed as a notebook{dropped})."
    return mapped, [note, *(module.map_feedback(remark, filename) for remark in remarks)]
