"""``cnnquiz summary NETWORK``: a torchinfo-style table of a network spec.

Columns: layer, output shape, parameters, MACs (multiply-accumulates per sample;
1 MAC = 2 FLOPs, bias adds not counted, linear: in x out). Each footer total is
its column's sum.
"""

from __future__ import annotations

import json

import typer
from rich.table import Table

from cnnquiz.cli._app import app, cli_errors, console
from cnnquiz.network import Summary, load_network, resolve_network, summarize

__all__ = ["summary", "summary_table", "summary_footer"]

# torchinfo's convention: parameter memory assumes float32 (4 bytes a parameter).
_BYTES_PER_PARAM = 4
_MAC_CONVENTION = "1 MAC = 2 FLOPs; bias adds not counted"


def _count(value: int) -> str:
    return f"{value:,}" if value else "--"


def _scaled(value: int) -> str:
    """15470264320 -> '15.47 G' (decimal prefixes, as torchinfo)."""
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:.2f} {prefix}"
    return str(value)


def summary_table(result: Summary) -> Table:
    """One row per layer, then the totals (the totals are the column's sum)."""
    title = f"{result.name}: input {list(result.input_shape)}" if result.name else f"input {list(result.input_shape)}"
    table = Table(title=title, show_footer=True, title_justify="left")
    table.add_column("Layer (type:idx)", footer="Total")
    table.add_column("Output Shape", footer="")
    table.add_column("Param #", justify="right", footer=f"{result.total_params:,}")
    table.add_column("MACs", justify="right", footer=f"{result.total_macs:,}")
    for row in result.layers:
        table.add_row(f"{row.layer}:{row.index}", str(list(row.output_shape)), _count(row.params), _count(row.macs))
    return table


def summary_footer(result: Summary) -> str:
    return (
        f"Output shape: {list(result.output_shape)}\n"
        f"Total MACs: {_scaled(result.total_macs)} per sample ({_MAC_CONVENTION})\n"
        f"Params size (MB): {result.total_params * _BYTES_PER_PARAM / 1e6:.2f} (float32, 4 bytes a parameter)"
    )


@app.command("summary")
@cli_errors
def summary(
    network: str = typer.Argument(..., help="Network spec YAML, or a shipped network: lenet5, alexnet, vgg16, lecture_cnn, lecture_fc."),
    as_json: bool = typer.Option(False, "--json", help="Print exactly one JSON object (contract sections 2 and 1b)."),
) -> None:
    """Per-layer output shape, parameter count and MACs of a network spec."""
    path = resolve_network(network)
    result = summarize(load_network(path), source=str(path))
    if as_json:
        typer.echo(json.dumps(result.to_json()))
    else:
        console.print(summary_table(result))
        console.print(summary_footer(result), highlight=False)
