"""``cnnquiz similarity SUBMISSIONS_DIR``: pairwise code similarity (it changes no grade)."""

from __future__ import annotations

from pathlib import Path

import typer

from cnnquiz.cli._app import app, cli_errors, console

__all__ = ["similarity"]


@app.command("similarity")
@cli_errors
def similarity(
    submissions: Path = typer.Argument(..., help="Folder of student folders (as for `cnnquiz grade`)."),
    html: Path = typer.Option(None, "--html",
                              help="Also write one self-contained HTML page with the regions side by side."),
    starter: Path = typer.Option(None, "--starter", help="The code students were given, a file or folder (ignored as "
                                                         "boilerplate); default: the shipped submissions/starter."),
    reference: Path = typer.Option(None, "--reference", help="The solution to flag copies of, a file or folder "
                                                             "(default: the source of cnnquiz.solver)."),
    threshold: float = typer.Option(0.5, "--threshold", help="Flag a share of matching code at or above this (0..1)."),
    top: int = typer.Option(10, "--top", min=0, help="How many pairs of students to list."),
) -> None:
    """Similarity of students' code with each other and with the reference solver (copydetect)."""
    from cnnquiz import atomic
    from cnnquiz.report.load import ReportError
    from cnnquiz.report.similarity import similarity_report
    from cnnquiz.report.similarity_view import similarity_html, similarity_renderables

    result = similarity_report(submissions, starter=starter, threshold=threshold, top=top, reference=reference)
    if html is not None:
        try:
            atomic.write_text(html, similarity_html(result))
        except OSError as error:
            raise ReportError(f"--html {html}: cannot write: {error.strerror or error}") from None
    console.print(similarity_renderables(result))
    if html is not None:
        console.print(f"HTML report: {html}", highlight=False, markup=False)
