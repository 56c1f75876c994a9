"""``cnnquiz report OUT_DIR``: the class report (contract section 9)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from cnnquiz.cli._app import app, cli_errors, console
from cnnquiz.report import class_report, load_class, write_html

__all__ = ["report"]


@app.command("report")
@cli_errors
def report(
    out_dir: Path = typer.Argument(..., help="The --out folder of `cnnquiz grade` or `cnnquiz grade-answers`."),
    html: Path = typer.Option(None, "--html",
                              help="Also write one self-contained HTML page with plots (needs cnnquiz\\[report])."),
    as_json: bool = typer.Option(False, "--json", help="Print exactly one JSON object (contract section 9)."),
) -> None:
    """Item facility and discrimination, score distribution, mastery and the misconception map."""
    result = class_report(load_class(out_dir))
    if html is not None:
        write_html(result, str(html))
    if as_json:
        typer.echo(json.dumps(result.contract_json(), ensure_ascii=False, allow_nan=False))
        return
    from cnnquiz.report.terminal import report_renderables

    console.print(report_renderables(result))
    if html is not None:
        console.print(f"HTML report: {html}", highlight=False, markup=False)
