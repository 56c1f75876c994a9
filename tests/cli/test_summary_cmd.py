"""``cnnquiz summary``: golden table text, the contract's JSON, one-line errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cnnquiz.cli import app
from cnnquiz.network import load_network, resolve_network, summarize

GOLDEN = Path(__file__).parent / "golden"
runner = CliRunner()


def _invoke(*args: str):
    # A fixed width and no colour, so that the table text is stable.
    return runner.invoke(app, list(args), env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"})


@pytest.mark.parametrize("network", ["lenet5", "lecture_cnn", "vgg16"])
def test_table_matches_golden_text(network: str) -> None:
    result = _invoke("summary", network)
    assert result.exit_code == 0, result.output
    golden = GOLDEN / f"summary_{network}.txt"
    if os.environ.get("CNNQUIZ_UPDATE_GOLDEN"):
        # Rewriting is never the comparison: write, then fail so the diff gets reviewed.
        golden.write_text(result.output, encoding="utf-8")
        pytest.fail(f"rewrote {golden.name}; review `git diff` and rerun without CNNQUIZ_UPDATE_GOLDEN")
    assert result.output == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize(("column", "expected_total"), [(3, 61_100_840), (4, 714_188_480)])
def test_printed_total_equals_sum_of_its_column(column: int, expected_total: int) -> None:
    """The Param # and MACs footers are their columns' sums (AlexNet: 61.1 M, 0.71 G)."""
    result = _invoke("summary", "alexnet")
    rows = [line for line in result.output.splitlines() if line.startswith("│")]
    cells = [row.split("│")[column].strip().replace(",", "") for row in rows]
    *layers, total = cells
    assert sum(int(v) for v in layers if v != "--") == int(total) == expected_total
    assert "Total MACs: 714.19 M per sample (1 MAC = 2 FLOPs; bias adds not counted)" in result.output


def test_json_is_exactly_one_object_matching_the_library() -> None:
    result = _invoke("summary", "vgg16", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == {"layers", "total_params", "total_macs", "output_shape"}
    assert all(set(layer) == {"layer", "output_shape", "params", "macs"} for layer in data["layers"])
    assert data["total_params"] == 138_357_544
    assert data["total_macs"] == sum(layer["macs"] for layer in data["layers"]) == 15_470_264_320
    assert data == summarize(load_network(resolve_network("vgg16"))).to_json()


def test_broken_spec_is_one_line_and_nonzero(tmp_path: Path) -> None:
    spec = tmp_path / "net.yaml"
    spec.write_text("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: 3}\n  - max_pool2d: {kernel_size: 9}\n")
    result = _invoke("summary", str(spec))
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "layer 1 (max_pool2d)" in lines[0] and "Traceback" not in result.output


def test_error_text_is_not_read_as_markup(tmp_path: Path) -> None:
    spec = tmp_path / "net.yaml"
    spec.write_text("input: [3, 8, 8]\nlayers:\n  - softmax: {dim: 5}\n")
    result = _invoke("summary", str(spec))
    assert result.exit_code == 2
    assert "dim=5 is out of range for shape [3, 8, 8]" in result.stderr
