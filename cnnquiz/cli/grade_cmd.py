"""``cnnquiz grade``, ``cnnquiz check`` and ``cnnquiz merge``: grade student code.

Every text that came from a student (ids, outputs, messages) passes
:func:`cnnquiz.sanitize.for_terminal` before it reaches the screen: escape sequences are
shown, not run, and console markup is printed as typed.
"""

from __future__ import annotations

import ast
import math
import os
from collections import Counter
from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cnnquiz.cli._app import app, cli_errors, console, err_console
from cnnquiz.cli.gradebook_cmd import (
    GRADEBOOK_HELP,
    LATE_HELP,
    ROSTER_HELP,
    check_gradebook_options,
    gradebook_after_grading,
)
from cnnquiz.errors import GradingError
from cnnquiz.grading.assignment import DEFAULT_ASSIGNMENT, resolve_assignment
from cnnquiz.grading.batch import BatchSummary, Grader, Shard, grade_batch
from cnnquiz.grading.notebook import NotebookError, find_notebook
from cnnquiz.grading.reports import GRADES_FILE, REPORT_FILE, github_annotations, merge_outputs, write_junit
from cnnquiz.grading.results import StudentResult, StudentStatus, TestStatus, number
from cnnquiz.grading.sandbox import IsolationLevel
from cnnquiz.grading.sandbox.scan import parse_python
from cnnquiz.grading.secret import PREDICTABLE_NOTE
from cnnquiz.sanitize import for_terminal

__all__ = ["grade", "check", "merge"]

_ASSIGNMENT_HELP = "A shipped assignment's name or an assignment YAML file."
_ISOLATION_HELP = "Sandbox isolation level (default: the strongest available)."
_MARKS = {
    TestStatus.PASSED: "[green]passed[/]",
    TestStatus.FAILED: "[red]failed[/]",
    TestStatus.ERROR: "[red]error[/]",
    TestStatus.TIMEOUT: "[red]timeout[/]",
}


def _points(value: float) -> str:
    return str(number(value))


def _failures_by_function(result: StudentResult) -> str:
    """What the table's last column shows (plain text; the caller sanitises it)."""
    if result.status is StudentStatus.ERROR:
        reason = next((line for line in result.output.splitlines() if line.startswith("Not graded")), "not graded")
        return reason.removeprefix("Not graded: ")
    counts = Counter(test.function for test in result.failed)
    return ", ".join(f"{name} ({count})" for name, count in counts.items()) or "-"


def _row(result: StudentResult) -> tuple[str, ...]:
    status = "[red]error[/]" if result.status is StudentStatus.ERROR else "graded"
    return (for_terminal(result.student), _points(result.score), _points(result.max_score), status,
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
    assignment: str = typer.Option(DEFAULT_ASSIGNMENT, "--assignment", "-a", help=_ASSIGNMENT_HELP),
    isolation: Optional[IsolationLevel] = typer.Option(None, "--isolation", help=_ISOLATION_HELP, case_sensitive=False),
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


def _min_score(text: str | None) -> tuple[float, bool] | None:
    """``"12"`` -> ``(12.0, False)``, ``"80%"`` -> ``(80.0, True)``; checked before grading starts."""
    if text is None:
        return None
    body = text.strip()
    percent = body.endswith("%")
    try:
        value = float(body[:-1] if percent else body)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise GradingError(f"--min-score {text!r}: expected points (e.g. 12) or a percentage (e.g. 80%)")
    return value, percent


def _threshold(min_score: tuple[float, bool] | None, max_score: float) -> float | None:
    if min_score is None:
        return None
    value, percent = min_score
    return value / 100 * max_score if percent else value


def _def_lines(source: Path) -> dict[str, int]:
    if source.suffix != ".py":
        return {}  # a notebook: the feedback names the cell and line instead
    try:
        tree = parse_python(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError, MemoryError, RecursionError):  # hostile nesting too
        return {}
    return {node.name: node.lineno for node in tree.body if isinstance(node, ast.FunctionDef)}


@app.command("check")
@cli_errors
def check(
    path: Path = typer.Argument(Path("."), help="The folder with your cnn.py or notebook (or the file itself)."),
    min_score: Optional[str] = typer.Option(None, "--min-score", help="Pass at this score: points (12) or a percentage (80%)."),
    junit_xml: Optional[Path] = typer.Option(None, "--junit-xml", help="Also write JUnit XML."),
    assignment: str = typer.Option(DEFAULT_ASSIGNMENT, "--assignment", "-a", help=_ASSIGNMENT_HELP),
    isolation: Optional[IsolationLevel] = typer.Option(None, "--isolation", help=_ISOLATION_HELP, case_sensitive=False),
) -> None:
    """Run the public tests on one submission; exit 0 when they all pass (or --min-score is reached)."""
    wanted = _min_score(min_score)
    spec = resolve_assignment(assignment)
    folder = path.parent if path.is_file() else path
    if not folder.is_dir():
        raise GradingError(f"{path}: no such folder")
    grader = Grader(spec, public_only=True, isolation=isolation)
    result = grader.grade(folder)
    threshold = _threshold(wanted, result.max_score)

    table = Table(title=f"Public tests of {spec.filename}", title_justify="left")
    table.add_column("test", overflow="fold")
    table.add_column("result")
    table.add_column("points", justify="right")
    for test in result.tests:
        table.add_row(for_terminal(test.name), _MARKS[test.status], f"{_points(test.score)}/{_points(test.max_score)}")
    console.print(table)
    for test in result.failed:
        console.rule(f"[red]{for_terminal(test.name)}", align="left")
        console.print(for_terminal(test.output, markup=False), markup=False, highlight=False, soft_wrap=True)
    console.print(for_terminal(result.output, markup=False), markup=False, highlight=False, soft_wrap=True)
    if junit_xml is not None:
        write_junit(junit_xml, [result])
    if os.environ.get("GITHUB_ACTIONS") == "true":
        source = _graded_file(folder, spec.filename)
        for command in github_annotations(result, os.path.relpath(source), _def_lines(source)):
            typer.echo(command)
    all_passed = result.status is StudentStatus.GRADED and not result.failed
    passed = all_passed or (threshold is not None and result.score >= threshold - 1e-9)
    verdict = "[green]PASS[/]" if passed else "[red]FAIL[/]"
    goal = f" (needed {_points(threshold)})" if threshold is not None else ""
    console.print(f"{verdict} {_points(result.score)}/{_points(result.max_score)} points{goal}")
    console.print(f"cnnquiz check runs the {len(result.tests)} public tests only; {grader.hidden_tests} hidden tests "
                  "run only when your course grades the submission (cnnquiz grade).", highlight=False, soft_wrap=True)
    raise typer.Exit(0 if passed else 1)


def _graded_file(folder: Path, filename: str) -> Path:
    """The file the annotations point to: ``cnn.py``, or the notebook graded in its place."""
    try:
        return find_notebook(folder, filename) or folder / filename
    except NotebookError:
        return folder / filename


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
