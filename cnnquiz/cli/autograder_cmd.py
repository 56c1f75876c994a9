"""``cnnquiz autograder gradescope|prairielearn|classroom``: run where courses run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from cnnquiz.cli._app import app, cli_errors, console
from cnnquiz.errors import GradingError
from cnnquiz.grading.assignment import DEFAULT_ASSIGNMENT, resolve_assignment
from cnnquiz.platforms import gradescope, prairielearn
from cnnquiz.platforms.bundle import bundle_parts, temporary_workdir
from cnnquiz.platforms.templates import PRIVATE_IMAGE_NOTE

__all__ = ["autograder", "gradescope_bundle", "prairielearn_setup", "classroom_points"]

autograder = typer.Typer(help="Bundles for Gradescope and PrairieLearn; points for GitHub Classroom.",
                         no_args_is_help=True, add_completion=False)
app.add_typer(autograder, name="autograder")

_ASSIGNMENT_HELP = "A shipped assignment's name or an assignment YAML file (its seed draws the hidden tests)."
_WHEEL_HELP = "The cnnquiz wheel to bundle (default: build one from this checkout)."


@autograder.command("gradescope")
@cli_errors
def gradescope_bundle(
    out: Path = typer.Option(Path("autograder.zip"), "--out", "-o", help="The zip to upload to Gradescope."),
    assignment: str = typer.Option(DEFAULT_ASSIGNMENT, "--assignment", "-a", help=_ASSIGNMENT_HELP),
    wheel: Optional[Path] = typer.Option(None, "--wheel", help=_WHEEL_HELP),
    time_budget: float = typer.Option(gradescope.DEFAULT_BUDGET_S, "--time-budget", min=30,
                                      help="Seconds of grading per submission (keep it under Gradescope's timeout)."),
    memory_mb: int = typer.Option(gradescope.DEFAULT_MEMORY_MB, "--memory-mb", min=256,
                                  help="Address-space cap of student code."),
) -> None:
    """Write a Gradescope autograder zip (setup.sh, run_autograder, the wheel, the assignment)."""
    with temporary_workdir() as workdir:
        parts = bundle_parts(assignment, wheel, Path(workdir))
        written = gradescope.write_bundle(out, parts, budget_s=time_budget, memory_mb=memory_mb)
    console.print(f"Wrote {written} (cnnquiz {parts.wheel_version}, assignment {parts.assignment.name}, "
                  f"{parts.secret_note}). Upload it as the autograder of a Gradescope programming assignment.",
                  highlight=False, soft_wrap=True)


@autograder.command("prairielearn")
@cli_errors
def prairielearn_setup(
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the Dockerfile, entry point, wheel and assignment."),
    assignment: str = typer.Option(DEFAULT_ASSIGNMENT, "--assignment", "-a", help=_ASSIGNMENT_HELP),
    wheel: Optional[Path] = typer.Option(None, "--wheel", help=_WHEEL_HELP),
    time_budget: float = typer.Option(prairielearn.DEFAULT_BUDGET_S, "--time-budget", min=10,
                                      help="Seconds of grading per submission (under the question's timeout)."),
) -> None:
    """Write a PrairieLearn external-grader setup (Dockerfile on a slim Python image and its entry point)."""
    with temporary_workdir() as workdir:
        parts = bundle_parts(assignment, wheel, Path(workdir))
        written = prairielearn.write_setup(out, parts, budget_s=time_budget)
    console.print(f"Wrote {written}/ (cnnquiz {parts.wheel_version}, assignment {parts.assignment.name}, "
                  f"{parts.secret_note}). Build and push its image, then add info.json.snippet to the question's "
                  f"info.json. {PRIVATE_IMAGE_NOTE}", highlight=False, soft_wrap=True)


@autograder.command("classroom")
@cli_errors
def classroom_points(
    path: Path = typer.Argument(Path("."), help="The folder with the student's cnn.py."),
    assignment: str = typer.Option(DEFAULT_ASSIGNMENT, "--assignment", "-a", help=_ASSIGNMENT_HELP),
) -> None:
    """Grade the public tests and hand the points to GitHub Classroom's reporter (step output 'result')."""
    from cnnquiz.grading.batch import Grader
    from cnnquiz.platforms.classroom import classroom_payload, encode_payload

    if not path.is_dir():
        raise GradingError(f"{path}: no such folder")
    result = Grader(resolve_assignment(assignment), public_only=True).grade(
        path, path.resolve().name)
    payload = classroom_payload(result)
    encoded = encode_payload(payload)
    github_output = os.environ.get("GITHUB_OUTPUT")
    if github_output:
        with open(github_output, "a", encoding="utf-8") as handle:
            handle.write(f"result={encoded}\n")
    else:
        typer.echo(f"result={encoded}")
    passed = sum(test["status"] == "pass" for test in payload["tests"])
    console.print(f"Points {result.score:g}/{result.max_score:g} ({passed} of {len(payload['tests'])} public tests "
                  f"passed; status {payload['status']})", highlight=False)
