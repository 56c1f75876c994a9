"""Gradebook files an LMS imports, from a ``grade``, ``merge`` or ``grade-answers`` folder.

``export_gradebook(out_dir, kind, roster)`` writes ``OUT_DIR/gradebook-<kind>.csv`` and
its companion ``OUT_DIR/gradebook-<kind>.txt``:

- ``canvas``: ``Student, ID, SIS User ID, SIS Login ID, Section, <assignment>``, then
  Canvas's ``Points Possible`` row, then one row per roster student (the layout of
  Canvas's gradebook export, which its import reads back; name the column
  ``Assignment (id)`` as Canvas shows it to update an existing assignment);
- ``moodle``: an identifier column (``email`` or ``idnumber``), ``grade`` and
  ``feedback`` (map them in Moodle's *Import grades from CSV*); students with no
  result are left out, so that Moodle keeps their grade;
- ``csv``: every roster field, the raw and final score, the late statement.

Nothing is silently dropped: a graded folder that is not on the roster (*unknown*) and
a roster student with no result (*missing*, left blank so the LMS keeps its grade) are
listed in the companion and returned, so the command prints them on stderr. Scores are
on the assignment's points (``points``, default: the most common maximum); a student
whose paper had another maximum is scaled to it, and the companion says so. A late
policy (:mod:`cnnquiz.report.late`) deducts and states itself per student. Every text
cell goes through :func:`cnnquiz.sanitize.for_csv_cell` (no formula injection).
"""

from __future__ import annotations

import csv
import enum
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from cnnquiz import atomic
from cnnquiz.gradebook import score_cell
from cnnquiz.report.late import LatePolicy, LateVerdict, load_policy, submission_times
from cnnquiz.report.load import ReportError, StudentRecord, load_class
from cnnquiz.report.roster import RosterEntry, read_roster
from cnnquiz.sanitize import for_csv_cell

__all__ = ["GradebookKind", "GradebookLine", "GradebookExport", "gradebook_lines", "render_gradebook",
           "export_gradebook"]

_CANVAS_POINTS_ROW = "    Points Possible"  # as Canvas's own export spells it


class GradebookKind(str, enum.Enum):
    CANVAS = "canvas"
    MOODLE = "moodle"
    CSV = "csv"


@dataclass(frozen=True)
class GradebookLine:
    """One roster student (or unknown folder) with the grade to import and why."""

    entry: RosterEntry
    result: StudentRecord | None
    final: float | None  # None: no result (the cell stays blank)
    notes: tuple[str, ...] = ()
    late: LateVerdict | None = None


@dataclass(frozen=True)
class GradebookExport:
    kind: GradebookKind
    text: str
    companion: str
    points: float
    unknown: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    lines: tuple[GradebookLine, ...] = field(default=(), repr=False)


def _points(results: Sequence[StudentRecord]) -> float:
    maxima = Counter(r.max_score for r in results if r.max_score > 0)
    return maxima.most_common(1)[0][0] if maxima else 0.0


def _line(entry: RosterEntry, result: StudentRecord | None, points: float, policy: LatePolicy | None,
          times: dict) -> GradebookLine:
    if result is None:
        return GradebookLine(entry, None, None, ("missing: no result for this student (cell left blank)",))
    notes, score = [], result.score
    if result.status != "graded":
        notes.append("not graded (status error): scored 0 as in grades.csv")
    if result.max_score > 0 and points > 0 and result.max_score != points:
        score = result.score * points / result.max_score
        notes.append(f"scaled from {score_cell(result.score)}/{score_cell(result.max_score)} "
                     f"to {score_cell(score)}/{score_cell(points)}")
    late = None
    if policy is not None:
        late = policy.verdict(times.get(result.student), points or result.max_score)
        score = max(0.0, score - late.deduction)
        notes.append(late.statement)
    return GradebookLine(entry, result, score, tuple(notes), late)


def gradebook_lines(results: Sequence[StudentRecord], roster: Sequence[RosterEntry], *, points: float | None = None,
                    policy: LatePolicy | None = None) -> tuple[list[GradebookLine], list[str], list[str], float]:
    """``(lines, unknown, missing, points)``: roster students first (roster order), then the
    results of folders the roster does not name."""
    points = _points(results) if points is None else points
    by_student = {r.student: r for r in results}
    times = dict(submission_times(policy, list(by_student))) if policy is not None else {}
    lines = [_line(entry, by_student.get(entry.folder), points, policy, times) for entry in roster]
    named = {entry.folder for entry in roster}
    unknown = [r.student for r in results if r.student not in named]
    lines += [_line(RosterEntry(folder=s), by_student[s], points, policy, times) for s in unknown]
    missing = [entry.folder for entry in roster if entry.folder not in by_student]
    return lines, unknown, missing, points


def _cell(value: float | None) -> str:
    return "" if value is None else str(score_cell(value))


def _rows(kind: GradebookKind, lines: list[GradebookLine], unknown: set[str], points: float, assignment: str,
          moodle_id: str) -> list[list[str]]:
    known = [line for line in lines if line.entry.folder not in unknown]
    if kind is GradebookKind.CANVAS:
        rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment],
                [_CANVAS_POINTS_ROW, "", "", "", "", _cell(points)]]
        return rows + [[e.name, e.canvas_id, e.sis_user_id, e.sis_login_id, e.section, _cell(line.final)]
                       for line in known for e in [line.entry]]
    if kind is GradebookKind.MOODLE:
        rows = [[moodle_id, "grade", "feedback"]]
        for line in known:
            ident = getattr(line.entry, moodle_id)
            r = line.result
            if ident and r is not None:  # a missing student is left out: Moodle keeps their grade
                rows.append([ident, _cell(line.final),
                             "; ".join([f"cnnquiz: {_cell(r.score)}/{_cell(r.max_score)}"] + list(line.notes))])
        return rows
    rows = [["folder", "name", "canvas_id", "sis_user_id", "sis_login_id", "section", "email", "idnumber",
             "score", "max_score", "status", "late_days", "deduction", "final_score", "notes"]]
    for line in lines:
        e, r = line.entry, line.result
        rows.append([e.folder, e.name, e.canvas_id, e.sis_user_id, e.sis_login_id, e.section, e.email, e.idnumber,
                     _cell(r.score) if r else "", _cell(r.max_score) if r else "", r.status if r else "missing",
                     str(line.late.days) if line.late else "", _cell(line.late.deduction) if line.late else "",
                     _cell(line.final), "; ".join(line.notes)])
    return rows


def render_gradebook(kind: GradebookKind | str, lines: list[GradebookLine], unknown: Sequence[str], points: float,
                     *, assignment: str = "cnnquiz", moodle_id: str = "email") -> str:
    """The CSV text of the LMS file (every cell through ``for_csv_cell``)."""
    kind = GradebookKind(kind)
    if moodle_id not in ("email", "idnumber"):
        raise ReportError(f"--moodle-id must be email or idnumber; got {moodle_id!r}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in _rows(kind, lines, set(unknown), points, assignment, moodle_id):
        writer.writerow([cell if cell == _CANVAS_POINTS_ROW else for_csv_cell(cell) for cell in row])
    return buffer.getvalue()


def _companion(kind: GradebookKind, lines: list[GradebookLine], unknown: Sequence[str], missing: Sequence[str],
               points: float, moodle_id: str) -> str:
    out = [f"cnnquiz gradebook ({kind.value}): {len(lines) - len(unknown)} roster students, points {_cell(points)}"]
    if unknown:
        out.append(f"UNKNOWN (graded, not on the roster; not in the {kind.value} file): {', '.join(unknown)}"
                   if kind is not GradebookKind.CSV else f"UNKNOWN (graded, not on the roster): {', '.join(unknown)}")
    if missing:
        out.append(f"MISSING (on the roster, no result; left blank): {', '.join(missing)}")
    if kind is GradebookKind.MOODLE:
        no_id = [line.entry.folder for line in lines
                 if line.entry.folder not in unknown and not getattr(line.entry, moodle_id)]
        if no_id:
            out.append(f"NO {moodle_id.upper()} in the roster (not in the moodle file): {', '.join(no_id)}")
    out.append("")
    out += [f"{line.entry.folder}: {_cell(line.final) or '-'} · " + "; ".join(line.notes) if line.notes
            else f"{line.entry.folder}: {_cell(line.final)}" for line in lines]
    return "\n".join(out) + "\n"


def export_gradebook(out_dir: str | Path, kind: GradebookKind | str, roster: str | Path, *,
                     assignment: str = "cnnquiz", late_policy: str | Path | None = None, points: float | None = None,
                     moodle_id: str = "email", write: bool = True) -> GradebookExport:
    """Build (and with ``write``, write) ``OUT_DIR/gradebook-<kind>.csv`` and its ``.txt`` companion.

    Raises
    ------
    ReportError
        When the folder, roster or late policy cannot be read, or a file cannot be written.
    """
    kind = GradebookKind(kind)
    if points is not None and points <= 0:
        raise ReportError(f"--points must be > 0; got {points}")
    results = load_class(out_dir).students
    entries = read_roster(roster)
    policy = load_policy(late_policy) if late_policy is not None else None
    lines, unknown, missing, total = gradebook_lines(results, entries, points=points, policy=policy)
    text = render_gradebook(kind, lines, unknown, total, assignment=assignment, moodle_id=moodle_id)
    companion = _companion(kind, lines, unknown, missing, total, moodle_id)
    if write:
        folder = Path(out_dir)
        try:
            atomic.write_text(folder / f"gradebook-{kind.value}.csv", text)
            atomic.write_text(folder / f"gradebook-{kind.value}.txt", companion)
        except OSError as error:
            raise ReportError(f"{folder}: cannot write the gradebook: {error.strerror or error}") from None
    return GradebookExport(kind, text, companion, total, tuple(unknown), tuple(missing), tuple(lines))
