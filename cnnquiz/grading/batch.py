"""Grade one submission, or a whole class in parallel: resume, shards, a result for everyone.

:class:`Grader` draws an assignment's tests once (inputs, expected values, mistakes'
values) and grades one submission folder with them: sandbox -> compare -> a
:class:`StudentResult`. It never raises for a student's sake: when grading itself fails
for one student, that student gets an ``error`` result naming the reason.

:func:`grade_batch` grades every immediate subfolder of a submissions folder (sorted,
hidden ones skipped) on a thread pool (each sandbox is its own process), writes each
student's ``results.json`` atomically as soon as it is known, skips unchanged students
with ``resume`` (same submission hash and same assignment), grades a deterministic
``Shard`` of the class, and rebuilds ``grades.csv`` / ``report.json`` at the end.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import stat
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from cnnquiz import __version__, atomic
from cnnquiz.errors import GradingError
from cnnquiz.grading import reports
from cnnquiz.grading.assignment import Assignment
from cnnquiz.grading.cases import TestCase, build_cases
from cnnquiz.grading.compare import judge_submission, ungraded
from cnnquiz.grading.results import StudentResult, StudentStatus
from cnnquiz.grading.sandbox import IsolationLevel, detect_isolation, run_submission

__all__ = ["Grader", "Shard", "BatchSummary", "submission_hash", "find_students", "grade_batch", "default_jobs", "ISOLATION_NOTES"]

ISOLATION_NOTES = {
    "bwrap": "bubblewrap: own namespaces, no network, read-only system, capabilities dropped",
    "unshare": "unshare: own namespaces, no network, unprivileged user",
    "rlimits": "resource limits only: no file-system or network isolation",
}
_SKIPPED_DIRS = {"__pycache__"}


def submission_hash(folder: str | Path) -> str:
    """sha256 over the relative paths and contents of every file (``__pycache__`` left out)."""
    root = Path(folder)
    digest = hashlib.sha256()
    entries = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED_DIRS)
        entries.extend(Path(dirpath) / name for name in filenames)
    for path in sorted(entries, key=lambda p: p.relative_to(root).as_posix()):
        digest.update(path.relative_to(root).as_posix().encode("utf-8", "surrogateescape") + b"\0")
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            digest.update(b"symlink:" + os.readlink(path).encode("utf-8", "surrogateescape"))
        elif not stat.S_ISREG(mode):  # a FIFO would block open() forever; devices and sockets are not content
            digest.update(b"special:%o" % stat.S_IFMT(mode))
        else:
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 16), b""):
                    digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (1-based): the students whose stable hash falls in it."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> "Shard":
        """``"2/4"`` -> ``Shard(2, 4)``.

        >>> Shard.parse("2/4")
        Shard(index=2, count=4)
        """
        try:
            index, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise GradingError(f"--shard {text!r}: expected K/N, e.g. 2/4") from None
        if not 1 <= index <= count:
            raise GradingError(f"--shard {text!r}: K must be between 1 and N")
        return cls(index, count)

    def __contains__(self, student: str) -> bool:
        value = int.from_bytes(hashlib.sha256(student.encode("utf-8", "surrogateescape")).digest()[:8], "big")
        return value % self.count == self.index - 1


def find_students(submissions_dir: str | Path) -> list[Path]:
    """The immediate subfolders of ``submissions_dir``, sorted, hidden ones skipped."""
    root = Path(submissions_dir)
    if not root.is_dir():
        raise GradingError(f"{root}: not a folder of submissions")
    return sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name not in _SKIPPED_DIRS),
        key=lambda p: p.name,
    )


class Grader:
    """An assignment's tests, drawn once, and the sandbox settings to run them with.

    Parameters
    ----------
    assignment : Assignment
    public_only : bool
        Only the public tests (``cnnquiz check``).
    isolation : IsolationLevel or str, optional
        The sandbox isolation level; the best available one by default.
    limits : dict, optional
        Overrides of the assignment's per-call limits (e.g. ``{"call_timeout_s": 1}``).
    hidden_paths : sequence of paths
        Host folders the sandbox hides from student code (other submissions, the output).

    Raises
    ------
    CnnquizError
        When the assignment's tests cannot be drawn or ``isolation`` is not available here.
    """

    def __init__(self, assignment: Assignment, *, public_only: bool = False,
                 isolation: IsolationLevel | str | None = None, limits: dict[str, Any] | None = None,
                 hidden_paths: Sequence[str | Path] = ()) -> None:
        self.assignment = assignment
        self.public_only = public_only
        self.cases: list[TestCase] = build_cases(assignment, public_only=public_only)
        self.calls = [case.call() for case in self.cases]
        self.isolation = detect_isolation(IsolationLevel(isolation) if isolation is not None else None)
        self.hidden_paths = tuple(Path(p) for p in hidden_paths)
        self.limits = assignment.limits.to_limits(**(limits or {}))
        self.digest = hashlib.sha256(f"{assignment.digest()} public_only={public_only}".encode()).hexdigest()

    def _overview(self, level: str) -> str:
        public = sum(case.public for case in self.cases)
        hidden = len(self.cases) - public
        return (
            f"Assignment {self.assignment.name}: {len(self.cases)} tests ({public} public, {hidden} hidden), "
            f"graded by cnnquiz {__version__} with sandbox isolation level {level} ({ISOLATION_NOTES.get(level, level)})."
        )

    def grade(self, folder: str | Path, student: str | None = None, *, hide: Sequence[Path] = ()) -> StudentResult:
        """Grade one submission folder; a failure of grading itself becomes an ``error`` result.

        ``hide`` adds host folders to hide from the student's code for this call.
        """
        folder = Path(folder)
        student = student or folder.resolve().name
        started = time.perf_counter()
        digest = ""
        try:
            digest = submission_hash(folder)
            sandboxed = run_submission(
                folder, self.calls, module=self.assignment.module, limits=self.limits,
                isolation=self.isolation, forbidden_modules=tuple(self.assignment.forbidden_imports),
                hidden_paths=(*self.hidden_paths, *hide),
            )
            status, tests, remarks = judge_submission(self.cases, sandboxed, filename=self.assignment.filename)
            isolation = IsolationLevel(sandboxed.isolation).value
            printed = (sandboxed.stdout_tail or "").strip()
            if printed:
                remarks.append(f"What {self.assignment.filename} printed (last lines):\n{printed[-2000:]}")
            grader_error = False
        except Exception as error:  # noqa: BLE001 - one student's failure must not lose the others
            reason = f"grading itself failed ({type(error).__name__}: {error})"
            status, tests, remarks = StudentStatus.ERROR, ungraded(self.cases, reason), [f"Not graded: {reason}."]
            isolation, grader_error = self.isolation.value, True
        result = StudentResult(
            student=student, status=status, tests=tests, isolation=isolation, output="",
            assignment=self.assignment.name, assignment_sha256=self.digest, submission_sha256=digest,
            execution_time=time.perf_counter() - started, grader_error=grader_error,
        )
        score = f"Score: {result.score:g}/{result.max_score:g} ({len(result.failed)} of {len(tests)} tests did not pass)."
        output = "\n".join([self._overview(isolation), score, *remarks])
        return dataclasses.replace(result, output=output)


@dataclass
class BatchSummary:
    """What one ``grade_batch`` run did."""

    results: list[StudentResult]  # every student of the run (or shard), sorted
    graded: int = 0  # graded in this run
    reused: int = 0  # skipped by resume (unchanged since their recorded result)
    seconds: float = 0.0
    isolation: str = ""


def _check_writable(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        atomic.write_text(out_dir / ".cnnquiz-write-test", "ok\n").unlink()
    except OSError as error:
        raise GradingError(f"{out_dir}: cannot write: {error.strerror or error}") from None


def grade_batch(
    submissions_dir: str | Path,
    out_dir: str | Path,
    grader: Grader,
    *,
    jobs: int | None = None,
    resume: bool = False,
    shard: Shard | None = None,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[StudentResult, bool], None] | None = None,
) -> BatchSummary:
    """Grade every student folder of ``submissions_dir`` into ``out_dir``.

    ``on_start(n)`` is called with the number of students, ``on_result(result, reused)``
    once per student as it finishes (from the calling thread).

    Raises
    ------
    GradingError
        When the submissions folder does not exist or the output cannot be written.
    """
    started = time.perf_counter()
    out = Path(out_dir)
    # An output folder inside the submissions folder (--out submissions/grades) is not a student.
    folders = [folder for folder in find_students(submissions_dir) if folder.resolve() != out.resolve()]
    if shard is not None:
        folders = [folder for folder in folders if folder.name in shard]
    # OUT_DIR/<student>/ sits beside OUT_DIR/grades.csv: a student named like an output
    # file would make the gradebook unwritable after everyone was graded. Say so first.
    clashes = sorted(f.name for f in folders if f.name in (reports.GRADES_FILE, reports.REPORT_FILE))
    if clashes:
        raise GradingError(f"{submissions_dir}: student folder {clashes[0]!r} has the name of an output file; rename it")
    _check_writable(out)
    hide = (Path(submissions_dir).resolve(), out.resolve())  # other submissions and the grades
    if on_start is not None:
        on_start(len(folders))

    def work(folder: Path) -> tuple[StudentResult, bool]:
        if resume:
            previous = reports.read_student(out / folder.name)
            if (
                previous is not None and not previous.grader_error and previous.assignment_sha256 == grader.digest
                and previous.submission_sha256 == _safe_hash(folder)
            ):
                return previous, True
        result = grader.grade(folder, folder.name, hide=hide)
        reports.write_student(out, result)
        return result, False

    summary = BatchSummary(results=[], isolation=grader.isolation.value)
    workers = max(1, jobs or default_jobs())
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cnnquiz-grade")
    pending: set[Future] = set()
    try:
        pending = {executor.submit(work, folder) for folder in folders}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                result, reused = future.result()  # only a GradingError (unwritable output) raises here
                summary.reused += reused
                summary.graded += not reused
                if on_result is not None:
                    on_result(result, reused)
    except BaseException:
        for future in pending:
            future.cancel()
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)
    summary.results = reports.load_students(out, [folder.name for folder in folders])
    reports.write_gradebook(out, summary.results)
    summary.seconds = time.perf_counter() - started
    return summary


def default_jobs() -> int:
    """The number of CPU cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _safe_hash(folder: Path) -> str:
    try:
        return submission_hash(folder)
    except OSError:
        return ""
