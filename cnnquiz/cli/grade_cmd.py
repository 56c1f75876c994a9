"""``cnnquiz grade`` and ``cnnquiz merge``: grade a class's code (``check``: ``check_cmd``).

Every text that came from a student (ids, outputs, messages) passes
:func:`cnnquiz.sanitize.for_terminal` before it reaches the screen: escape sequences are
shown, not run, and console markup is printed as typed.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cnnquiz.cli._app import app, cli_errors, console, err_console
from cnnquiz.cli.check_cmd import ASSIGNMENT_HELP, ISOLATION_HELP, points
from cnnquiz.cli.gradebook_cmd import (
    GRADEBOOK_HELP,
    LATE_HELP,
    ROSTER_HELP,
    check_gradebook_options,
    gradebook_after_grading,
)
from cnnquiz.grading.assignment import DEFAULT_ASSIGNMENT, resolve_assignment
from cnnquiz.grading.batch import BatchSummary, Grader, Shard, grade_batch
from cnnquiz.grading.reports import GRADES_FILE, REPORT_FILE, merge_outputs, write_junit
from cnnquiz.grading.results import StudentResult, StudentStatus
from cnnquiz.grading.sandbox import IsolationLevel
from cnnquiz.grading.secret import PREDICTABLE_NOTE
from cnnquiz.sanitize import for_terminal

__all__ = ["grade", "merge"]



def _failures_by_function(result: StudentResult) -> str:
    """What the table's last column shows (plain text; the caller sanitises it)."""
    if result.status is StudentStatus.ERROR:
        reason = next((line for line in result.output.splitlines() if line.startswith("Not graded")), "not graded")
        return reason.removeprefix("Not graded: ")
    counts = Counter(test.function for test in result.failed)
    return ", ".join(f"{name} ({count})" for name, count in counts.items()) or "-"


def _row(result: StudentResult) -> tuple[str, ...]:
    status = "[red]error[/]" if result.status is StudentStatus.ERROR else "graded"
    return (for_terminal(result.student), points(result.score), points(result.max_score), status,
            for_terminal(_failures_by_function(result)))


def _class_table(results: list[StudentResult], limit: int = 100) -> Table:
    table = Table(title="Grades", title_justify="left")
    table.add_column("student")
    table.add_column("score", justify="right")
    table.add_column("max", justify="right")
    table.add_column("status")
    table.add_column("not passed", overflow="fold")
    for result in results[:limit]:
        try:
            row = _row(result)
        except Exception as error:  # noqa: BLE001 - one odd result must not lose the table
            row = (for_terminal(str(result.student)), "?", "?", "[red]error[/]",
                   for_terminal(f"cannot be shown ({type(error).__name__}); see {GRADES_FILE}"))
        table.add_row(*row)
    if len(results) > limit:
        table.add_row(f"... {len(results) - limit} more", "", "", "", f"see {GRADES_FILE}")
    return table


@app.command("grade")
@cli_errors
def grade(
    submissions: Path = typer.Argument(..., help="Folder with one sub-folder per student (its name is the id)."),
    out: Path = typer.Option(..., "--out", "-o", help="Where results.json per student, grades.csv and report.json go."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Students graded at once (default: CPU cores)."),
    junit_xml: Optional[Path] = typer.Option(None, "--junit-xml", help="Also write JUnit XML (one testsuite per student)."),
    resume: bool = typer.Option(False, "--resume", help="Skip students whose submission is unchanged since their recorded result."),
    shard: Optional[str] = typer.Option(None, "--shard", help="Grade only shard K of N (K/N); combine with cnnquiz merge."),
    assignment: str = typer.Option(DEFAULT_ASSIGNMENT, "--assignment", "-a", help=ASSIGNMENT_HELP),
    isolation: Optional[IsolationLevel] = typer.Option(None, "--isolation", help=ISOLATION_HELP, case_sensitive=False),
    gradebook: Optional[str] = typer.Option(None, "--gradebook", help=GRADEBOOK_HELP),
    roster: Optional[Path] = typer.Option(None, "--roster", help=ROSTER_HELP),
    late_policy: Optional[Path] = typer.Option(None, "--late-policy", help=LATE_HELP),
) -> None:
    """Grade every student's code (cnn.py, or one notebook) in SUBMISSIONS with the public and hidden tests.

    Set CNNQUIZ_SECRET (or secret_file: in the assignment) to draw each student's hidden tests from it.
    """
    check_gradebook_options(gradebook, roster, late_policy, shard=shard)
    grader = Grader(resolve_assignment(assignment), isolation=isolation)
    part = Shard.parse(shard) if shard else None
    if grader.isolation is IsolationLevel.RLIMITS:
        err_console.print("warning: isolation level rlimits: student code can read and change other submissions "
                          "and the grades; install bubblewrap (bwrap) for full isolation", highlight=False)
    if grader.predictable:
        err_console.print(f"warning: {PREDICTABLE_NOTE}", highlight=False, markup=False)
    progress = Progress(
        TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"),
        console=err_console, disable=not err_console.is_terminal, transient=True,
    )
    task = progress.add_task("", total=None)
    try:
        with progress:
            summary = grade_batch(
                submissions, out, grader, jobs=jobs, resume=resume, shard=part,
                on_start=lambda n: progress.update(task, total=n),
                on_result=lambda result, reused: progress.update(
                    task, advance=1, description=for_terminal(result.student)),
            )
    except KeyboardInterrupt:
        err_console.print(f"interrupted: the students graded so far are saved in {out}; "
                          "run the same command with --resume to continue", highlight=False)
        raise typer.Exit(130) from None
    if junit_xml is not None:
        write_junit(junit_xml, summary.results)
    _print_batch(summary, out, part, grader)
    if summary.others:
        err_console.print(f"warning: {out} also holds the results.json of {summary.others} students not in this run; "
                          f"they are not in its {GRADES_FILE} and {REPORT_FILE} (cnnquiz merge combines runs)",
                          highlight=False, soft_wrap=True, markup=False)
    gradebook_after_grading(out, gradebook, roster, late_policy)


def _print_batch(summary: BatchSummary, out: Path, part: Shard | None, grader: Grader | None = None) -> None:
    if summary.results:
        console.print(_class_table(summary.results))
    errors = sum(result.status is StudentStatus.ERROR for result in summary.results)
    which = f" (shard {part.index}/{part.count})" if part else ""
    resumed = f" ({summary.reused} unchanged since their recorded result, not graded again)" if summary.reused else ""
    console.print(
        f"{len(summary.results)} students{which}: {len(summary.results) - errors} graded, {errors} not gradable"
        f"{resumed}; {summary.seconds:.1f} s, isolation level {summary.isolation}. "
        f"Wrote {out / GRADES_FILE} and {out / REPORT_FILE}.",
        highlight=False, soft_wrap=True, markup=False,
    )
    if grader is not None and grader.hidden_tests:
        hidden = ("Hidden tests were drawn for each student from the course secret." if grader.secret
                  else f"Note: {PREDICTABLE_NOTE}.")
        console.print(hidden, highlight=False, soft_wrap=True, markup=False)


@app.command("merge")
@cli_errors
def merge(
    out_dirs: list[Path] = typer.Argument(..., help="Output folders of cnnquiz grade (e.g. one per shard)."),
    out: Path = typer.Option(..., "--out", "-o", help="Where the combined gradebook goes."),
    junit_xml: Optional[Path] = typer.Option(None, "--junit-xml", help="Also write JUnit XML."),
    gradebook: Optional[str] = typer.Option(None, "--gradebook", help=GRADEBOOK_HELP),
    roster: Optional[Path] = typer.Option(None, "--roster", help=ROSTER_HELP),
    late_policy: Optional[Path] = typer.Option(None, "--late-policy", help=LATE_HELP),
) -> None:
    """Combine the outputs of several cnnquiz grade runs (shards) into one gradebook."""
    check_gradebook_options(gradebook, roster, late_policy)
    results = merge_outputs(out_dirs, out)
    if junit_xml is not None:
        write_junit(junit_xml, results)
    if results:
        console.print(_class_table(results))
    console.print(f"{len(results)} students from {len(out_dirs)} folders; wrote {out / GRADES_FILE} and {out / REPORT_FILE}.",
                  highlight=False, soft_wrap=True)
    gradebook_after_grading(out, gradebook, roster, late_policy)
