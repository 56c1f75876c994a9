"""Grade a whole class in parallel: resume, shards, and a gradebook row for everyone.

:func:`grade_batch` grades every immediate subfolder of a submissions folder (sorted,
hidden ones skipped) with a :class:`~cnnquiz.grading.grader.Grader` on a thread pool
(each sandbox is its own process), writes each student's ``results.json`` atomically as
soon as it is known, skips unchanged students with ``resume`` (same submission hash and
same assignment), grades a deterministic ``Shard`` of the class, and writes
``grades.csv`` / ``report.json`` at the end.

Failure isolation: whatever goes wrong while grading, writing or reporting one student
(an exception anywhere, a ``results.json`` that cannot be written, a folder tree too
deep to hash) becomes that student's ``grader_error`` row; the gradebook is always
written. Only a missing or empty submissions folder (no student folder: nothing to grade,
and nothing is written) or an unwritable output folder stops the run. The gradebook
lists the students of this run only; students recorded in the output folder by another
run (another shard, a subset graded with ``resume``) are counted in
:attr:`BatchSummary.others`, not mixed in (``cnnquiz merge`` combines runs).
A folder whose name is not valid UTF-8 is graded under its escaped id
(:func:`cnnquiz.sanitize.escape_name`, which round-trips).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cnnquiz import atomic
from cnnquiz.errors import GradingError
from cnnquiz.grading import reports
from cnnquiz.grading.grader import ISOLATION_NOTES, Grader
from cnnquiz.grading.results import StudentResult
from cnnquiz.grading.sandbox.intake import submission_digest
from cnnquiz.sanitize import escape_name

__all__ = ["Grader", "Shard", "BatchSummary", "submission_hash", "find_students", "student_id", "grade_batch",
           "default_jobs", "ISOLATION_NOTES"]
_SKIPPED_DIRS = {"__pycache__"}


def submission_hash(folder: str | Path) -> str:
    """sha256 of everything graded in ``folder``: names, types and contents, bounded and
    iterative (:func:`cnnquiz.grading.sandbox.intake.submission_digest`)."""
    return submission_digest(Path(folder))


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
        key=lambda p: os.fsencode(p.name),
    )


def student_id(folder: Path) -> str:
    """The id a student folder is graded under: its name, escaped when not valid UTF-8."""
    return escape_name(os.fsencode(folder.name))


@dataclass
class BatchSummary:
    """What one ``grade_batch`` run did."""

    results: list[StudentResult]  # every student of the run (or shard), sorted
    graded: int = 0  # graded in this run
    reused: int = 0  # skipped by resume (unchanged since their recorded result)
    seconds: float = 0.0
    isolation: str = ""
    others: int = 0  # students with a results.json in the output folder who are not in this run


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
        When the submissions folder does not exist or holds no student folder, or when
        the output cannot be written.
    """
    started = time.perf_counter()
    out = Path(out_dir)
    # An output folder inside the submissions folder (--out submissions/grades) is not a student.
    folders = [folder for folder in find_students(submissions_dir) if folder.resolve() != out.resolve()]
    if not folders:  # an empty class: grading cannot run, and an existing gradebook must stay
        raise GradingError(f"{submissions_dir}: no student folder in it (one folder per student); nothing graded")
    if shard is not None:
        folders = [folder for folder in folders if folder.name in shard]
    # OUT_DIR/<student>/ sits beside OUT_DIR/grades.csv: a student named like an output
    # file would make the gradebook unwritable after everyone was graded. Say so first.
    ids = {folder: student_id(folder) for folder in folders}
    clashes = sorted(name for name in ids.values() if reports.names_an_output(name))
    if clashes:
        raise GradingError(f"{submissions_dir}: student folder {clashes[0]!r} has the name of an output file; rename it")
    _check_writable(out)
    hide = (Path(submissions_dir).resolve(), out.resolve())  # other submissions and the grades
    if on_start is not None:
        on_start(len(folders))

    def work(folder: Path) -> tuple[StudentResult, bool]:
        student = ids[folder]
        try:
            previous = _unchanged(out / student, folder, grader) if resume else None
            if previous is not None:
                return previous, True
            result = grader.grade(folder, student, hide=hide)
        except Exception as error:  # noqa: BLE001 - Grader.grade does not raise; this is the last guard
            result = grader.error_result(student, error)
        try:
            reports.write_student(out, result)
        except Exception as error:  # noqa: BLE001 - e.g. a name the file system refuses: keep the row
            result = grader.error_result(student, error, what="its results.json could not be written")
            with contextlib.suppress(Exception):
                reports.write_student(out, result)
        return result, False

    summary = BatchSummary(results=[], isolation=grader.isolation.value)
    results: dict[str, StudentResult] = {}
    workers = max(1, jobs or default_jobs())
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cnnquiz-grade")
    pending: set[Future] = set()
    try:
        futures = {executor.submit(work, folder): folder for folder in folders}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                result, reused = future.result()  # work() catches everything of one student's
                results[ids[futures[future]]] = result
                summary.reused += reused
                summary.graded += not reused
                if on_result is not None:
                    with contextlib.suppress(Exception):  # a progress display must not stop grading
                        on_result(result, reused)
    except BaseException:
        for future in pending:
            future.cancel()
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)
    summary.results = [results[ids[folder]] for folder in folders]
    reports.write_gradebook(out, summary.results)
    summary.others = _recorded_elsewhere(out, set(ids.values()))
    summary.seconds = time.perf_counter() - started
    return summary


def _unchanged(recorded: Path, folder: Path, grader: Grader) -> StudentResult | None:
    """The recorded result of ``folder`` when ``--resume`` may reuse it, else None."""
    previous = reports.read_student(recorded)
    if previous is None or previous.grader_error or previous.assignment_sha256 != grader.digest:
        return None
    return previous if previous.submission_sha256 == _safe_hash(folder) else None


def _recorded_elsewhere(out: Path, students: set[str]) -> int:
    """How many ``out/<student>/results.json`` belong to students not in ``students``."""
    try:
        return sum(1 for entry in out.iterdir() if entry.name not in students and not entry.name.startswith(".")
                   and (entry / reports.RESULTS_FILE).is_file())
    except OSError:  # only a warning depends on it
        return 0


def default_jobs() -> int:
    """The number of CPU cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _safe_hash(folder: Path) -> str:
    """The submission hash, or "" (never equal to a recorded one) when it cannot be computed."""
    try:
        return submission_hash(folder)
    except (OSError, RecursionError, ValueError):
        return ""
