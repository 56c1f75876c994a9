"""``cnnquiz gradebook OUT_DIR --lms canvas|moodle|csv --roster FILE``: a file the LMS imports."""

from __future__ import annotations

from pathlib import Path

import typer

from cnnquiz.cli._app import app, cli_errors, console, err_console

__all__ = ["gradebook", "report_gradebook"]


def report_gradebook(export: object, out_dir: Path) -> None:
    """Print where the files went and every unknown or missing student (stderr)."""
    kind = export.kind.value  # type: ignore[attr-defined]
    console.print(f"wrote {out_dir / f'gradebook-{kind}.csv'} and its notes {out_dir / f'gradebook-{kind}.txt'}",
                  highlight=False, markup=False, soft_wrap=True)
    for label, names in (("not on the roster", export.unknown), ("no result", export.missing)):  # type: ignore[attr-defined]
        if names:
            err_console.print(f"warning: {len(names)} {label}: {', '.join(names)}", highlight=False, markup=False,
                              soft_wrap=True)


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
    from cnnquiz.report.gradebook import GradebookKind, export_gradebook
    from cnnquiz.report.load import ReportError

    try:
        kind = GradebookKind(lms)
    except ValueError:
        raise ReportError(f"--lms must be canvas, moodle or csv; got {lms!r}") from None
    export = export_gradebook(out_dir, kind, roster, assignment=assignment, late_policy=late_policy, points=points,
                              moodle_id=moodle_id)
    report_gradebook(export, out_dir)
