"""``cnnquiz check``: the public tests on one submission, for a student's terminal or CI.

Start-up order matters here (issue 11): the isolation probe, a real sandbox that mostly
waits for its child, is started first, in a thread, and runs while this process imports
the grading machinery and draws the tests, instead of after them. So this module imports
only what the command line needs; the rest is imported inside :func:`check`.

Every text that came from the student passes :func:`cnnquiz.sanitize.for_terminal`.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Optional

import typer

from cnnquiz.cli._app import app, cli_errors, console
from cnnquiz.errors import GradingError
from cnnquiz.grading.sandbox.detect import detect_in_background
from cnnquiz.grading.sandbox.model import IsolationLevel

__all__ = ["check", "points", "DEFAULT_ASSIGNMENT", "ASSIGNMENT_HELP", "ISOLATION_HELP"]

#: cnnquiz.grading.assignment.DEFAULT_ASSIGNMENT, without importing that module (and
#: pydantic) before the probe starts; tests/grading/test_cli.py checks they agree.
DEFAULT_ASSIGNMENT = "cnn"

# Shared with ``cnnquiz grade`` (grade_cmd imports them from here, the lighter module).
ASSIGNMENT_HELP = "A shipped assignment's name or an assignment YAML file."
ISOLATION_HELP = "Sandbox isolation level (default: the strongest available)."
_MARKS = {"passed": "[green]passed[/]", "failed": "[red]failed[/]", "error": "[red]error[/]",
          "timeout": "[red]timeout[/]"}


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
    import ast

    from cnnquiz.grading.sandbox.scan import parse_python

    if source.suffix != ".py":
        return {}  # a notebook: the feedback names the cell and line instead
    try:
        tree = parse_python(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError, MemoryError, RecursionError):  # hostile nesting too
        return {}
    return {node.name: node.lineno for node in tree.body if isinstance(node, ast.FunctionDef)}


def _graded_file(folder: Path, filename: str) -> Path:
    """The file the annotations point to: ``cnn.py``, or the notebook graded in its place."""
    from cnnquiz.grading.notebook import NotebookError, find_notebook

    try:
        return find_notebook(folder, filename) or folder / filename
    except NotebookError:
        return folder / filename


@app.command("check")
@cli_errors
def check(
    path: Path = typer.Argument(Path("."), help="The folder with your cnn.py or notebook (or the file itself)."),
    min_score: Optional[str] = typer.Option(None, "--min-score", help="Pass at this score: points (12) or a percentage (80%)."),
    junit_xml: Optional[Path] = typer.Option(None, "--junit-xml", help="Also write JUnit XML."),
    assignment: str = typer.Option(DEFAULT_ASSIGNMENT, "--assignment", "-a", help=ASSIGNMENT_HELP),
    isolation: Optional[IsolationLevel] = typer.Option(None, "--isolation", help=ISOLATION_HELP, case_sensitive=False),
) -> None:
    """Run the public tests on one submission; exit 0 when they all pass (or --min-score is reached)."""
    wanted = _min_score(min_score)
    probe = detect_in_background(isolation)
    try:
        folder, grader, result = _grade(path, assignment, isolation)
    finally:
        probe.join()  # never leave a probe sandbox behind, even when grading could not start
    _report(result, grader, folder, _threshold(wanted, result.max_score), junit_xml)


def _grade(path: Path, assignment: str, isolation: IsolationLevel | None) -> tuple[Path, Any, Any]:
    """(the folder graded, the Grader, its StudentResult)."""
    from cnnquiz.grading.assignment import resolve_assignment
    from cnnquiz.grading.grader import Grader

    spec = resolve_assignment(assignment)  # first, as before: a bad --assignment is named first
    folder = path.parent if path.is_file() else path
    if not folder.is_dir():
        raise GradingError(f"{path}: no such folder")
    grader = Grader(spec, public_only=True, isolation=isolation)  # waits for the probe's level
    return folder, grader, grader.grade(folder)


def points(value: float) -> str:
    """A score as the tables show it (``2`` and ``1.5``, never ``2.0``); ``grade`` uses it too."""
    from cnnquiz.grading.results import number

    return str(number(value))


def _report(result: Any, grader: Any, folder: Path, threshold: float | None, junit_xml: Optional[Path]) -> None:
    from rich.table import Table

    from cnnquiz.grading.reports import github_annotations, write_junit
    from cnnquiz.grading.results import StudentStatus
    from cnnquiz.sanitize import for_terminal

    filename, hidden_tests = grader.assignment.filename, grader.hidden_tests

    table = Table(title=f"Public tests of {filename}", title_justify="left")
    table.add_column("test", overflow="fold")
    table.add_column("result")
    table.add_column("points", justify="right")
    for test in result.tests:
        table.add_row(for_terminal(test.name), _MARKS[test.status.value], f"{points(test.score)}/{points(test.max_score)}")
    console.print(table)
    for test in result.failed:
        console.rule(f"[red]{for_terminal(test.name)}", align="left")
        console.print(for_terminal(test.output, markup=False), markup=False, highlight=False, soft_wrap=True)
    console.print(for_terminal(result.output, markup=False), markup=False, highlight=False, soft_wrap=True)
    if junit_xml is not None:
        write_junit(junit_xml, [result])
    if os.environ.get("GITHUB_ACTIONS") == "true":
        source = _graded_file(folder, filename)
        for command in github_annotations(result, os.path.relpath(source), _def_lines(source)):
            typer.echo(command)
    all_passed = result.status is StudentStatus.GRADED and not result.failed
    passed = all_passed or (threshold is not None and result.score >= threshold - 1e-9)
    verdict = "[green]PASS[/]" if passed else "[red]FAIL[/]"
    goal = f" (needed {points(threshold)})" if threshold is not None else ""
    console.print(f"{verdict} {points(result.score)}/{points(result.max_score)} points{goal}")
    console.print(f"cnnquiz check runs the {len(result.tests)} public tests only; {hidden_tests} hidden tests "
                  "run only when your course grades the submission (cnnquiz grade).", highlight=False, soft_wrap=True)
    raise typer.Exit(0 if passed else 1)
