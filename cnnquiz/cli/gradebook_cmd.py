"""``cnnquiz gradebook OUT_DIR --lms canvas|moodle|csv --roster FILE``: a file the LMS imports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cnnquiz.cli._app import app, cli_errors, console, err_console

if TYPE_CHECKING:
    from cnnquiz.report.gradebook import GradebookExport, GradebookKind

__all__ = ["gradebook", "report_gradebook", "check_gradebook_options", "gradebook_after_grading", "GRADEBOOK_HELP",
           "ROSTER_HELP", "LATE_HELP"]

# The help of the options that grade, merge and grade-answers share with this command.
GRADEBOOK_HELP = "Also write OUT_DIR/gradebook-<lms>.csv for canvas, moodle or csv (needs --roster)."
ROSTER_HELP = "CSV with a 'folder' column and the LMS identities (for --gradebook)."
LATE_HELP = "Late policy YAML: due, per_day, cap, times (for --gradebook)."


def report_gradebook(export: "GradebookExport", out_dir: Path) -> None:
    """Print where the files went and every unknown or missing student (stderr)."""
    kind = export.kind.value
    console.print(f"wrote {out_dir / f'gradebook-{kind}.csv'} and its notes {out_dir / f'gradebook-{kind}.txt'}",
                  highlight=False, markup=False, soft_wrap=True)
    for label, names in (("not on the roster", export.unknown), ("no result", export.missing)):
        if names:
            err_console.print(f"warning: {len(names)} {label}: {', '.join(names)}", highlight=False, markup=False,
                              soft_wrap=True)


def _kind(lms: str) -> "GradebookKind":
    from cnnquiz.report.gradebook import GradebookKind
    from cnnquiz.report.load import ReportError

    try:
        return GradebookKind(lms)
    except ValueError:
        raise ReportError(f"--lms must be canvas, moodle or csv; got {lms!r}") from None


def check_gradebook_options(lms: str | None, roster: Path | None, late_policy: Path | None, *,
                            shard: str | None = None) -> None:
    """Refuse bad ``--gradebook/--roster/--late-policy`` before grading starts (reads both files).

    Raises
    ------
    ReportError
        When only one of ``--gradebook`` and ``--roster`` is given, a file does not read, or
        a gradebook is asked of one shard (it would miss every other shard's students).
    """
    from cnnquiz.report.late import load_policy
    from cnnquiz.report.load import ReportError
    from cnnquiz.report.roster import read_roster

    if lms is None and roster is None and late_policy is None:
        return
    if lms is None or roster is None:
        raise ReportError("--gradebook and --roster go together (--late-policy needs both)")
    if shard is not None:
        raise ReportError("--gradebook with --shard would miss the other shards' students: "
                          "give --gradebook to cnnquiz merge")
    _kind(lms)
    read_roster(roster)
    if late_policy is not None:
        load_policy(late_policy)


def gradebook_after_grading(out_dir: Path, lms: str | None, roster: Path | None, late_policy: Path | None) -> None:
    """What ``--gradebook/--roster/--late-policy`` do at the end of grade, merge and grade-answers."""
    from cnnquiz.report.gradebook import export_gradebook

    check_gradebook_options(lms, roster, late_policy)
    if lms is None or roster is None:
        return
    export = export_gradebook(out_dir, _kind(lms), roster, late_policy=late_policy)
    report_gradebook(export, out_dir)


@app.command("gradebook")
@cli_errors
def gradebook(
    out_dir: Path = typer.Argument(..., help="The --out folder of grade, merge or grade-answers."),
    lms: str = typer.Option(..., "--lms", help="canvas, moodle or csv."),
    roster: Path = typer.Option(..., "--roster", help="CSV with a 'folder' column and the LMS identities."),
    assignment: str = typer.Option("cnnquiz", "--assignment", help="Canvas column name, e.g. 'CNN homework (1234)'."),
    late_policy: Path = typer.Option(None, "--late-policy", help="YAML: due, per_day, cap, times (see README)."),
    points: float = typer.Option(None, "--points", help="The assignment's points (default: the usual maximum)."),
    moodle_id: str = typer.Option("email", "--moodle-id", help="Moodle identifier column: email or idnumber."),
) -> None:
    """Write OUT_DIR/gradebook-<lms>.csv for the LMS, and a companion listing every problem."""
    from cnnquiz.report.gradebook import export_gradebook

    export = export_gradebook(out_dir, _kind(lms), roster, assignment=assignment, late_policy=late_policy,
                              points=points, moodle_id=moodle_id)
    report_gradebook(export, out_dir)
