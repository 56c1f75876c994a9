"""``cnnquiz report``: golden terminal, JSON and HTML output; self-contained page; errors."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from cnnquiz.cli import app
from cnnquiz.report import class_report, load_class
from cnnquiz.report.html_page import report_html
from cnnquiz.report.terminal import report_renderables

from .report_helpers import answers_class, code_class, golden

ENV = {"COLUMNS": "130", "NO_COLOR": "1", "TERM": "dumb"}
runner = CliRunner()


def _terminal(folder: Path) -> str:
    console = Console(width=130, record=True, color_system=None, file=open("/dev/null", "w"))
    console.print(report_renderables(class_report(load_class(folder))))
    return console.export_text()


def test_terminal_report_golden_code(tmp_path: Path) -> None:
    golden("code_report.txt", _terminal(code_class(tmp_path / "out")))


def test_terminal_report_golden_answers(tmp_path: Path) -> None:
    golden("answers_report.txt", _terminal(answers_class(tmp_path / "out")))


@pytest.mark.parametrize(("make", "name"), [(code_class, "code_report.json"), (answers_class, "answers_report.json")])
def test_json_golden(tmp_path: Path, make, name: str) -> None:
    result = runner.invoke(app, ["report", str(make(tmp_path / "out")), "--json"], env=ENV)
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)  # exactly one JSON object
    golden(name, result.stdout)


def test_html_page_golden_without_plots(tmp_path: Path) -> None:
    report = class_report(load_class(code_class(tmp_path / "out")))
    page = report_html(report, {"histogram": "<svg>histogram</svg>"}).replace(str(tmp_path), "TMP")
    golden("code_report.html", page)


def test_html_with_plots_is_self_contained(tmp_path: Path) -> None:
    folder = code_class(tmp_path / "out")
    target = tmp_path / "class.html"
    result = runner.invoke(app, ["report", str(folder), "--html", str(target)], env=ENV)
    assert result.exit_code == 0, result.output
    page = target.read_text(encoding="utf-8")
    assert page.count("<svg") == 3  # histogram, scatter, mistake bars
    assert 'id="plot-mistakes"' in page
    # Nothing is fetched at view time: no external source, link or import.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "<script" not in page
    # Same class, same page (no date, fixed SVG ids).
    runner.invoke(app, ["report", str(folder), "--html", str(tmp_path / "again.html")], env=ENV)
    assert (tmp_path / "again.html").read_text(encoding="utf-8") == page


def test_student_text_is_escaped_in_html_and_terminal(tmp_path: Path) -> None:
    folder = code_class(tmp_path / "out")
    data = json.loads((folder / "report.json").read_text())
    data[0]["student"] = "<script>alert(1)</script>[bold]x\x1b[31m"
    data[0]["tests"][2] = data[1]["tests"][2]  # ann now shows kernel_flipped: her name is in the map
    (folder / "report.json").write_text(json.dumps(data))
    report = class_report(load_class(folder))
    page = report_html(report, {})
    assert "<script>" not in page and "&lt;script&gt;" in page
    text = _terminal(folder)
    assert "\x1b" not in text and "[bold]x" in text


def test_bidi_controls_in_a_student_name_do_not_reach_the_terminal(tmp_path: Path) -> None:
    folder = code_class(tmp_path / "out")
    data = json.loads((folder / "report.json").read_text())
    data[4]["student"] = "ab\u202ecd\u2066"  # eve (not graded) is listed by name
    (folder / "report.json").write_text(json.dumps(data))
    result = runner.invoke(app, ["report", str(folder)], env=ENV)
    assert result.exit_code == 0, result.output
    assert not set(result.output) & {chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]}
    assert "ab\\u202ecd" in result.output


def test_help_shows_the_extra_to_install(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--help"], env={**ENV, "COLUMNS": "200"})
    assert result.exit_code == 0 and "(needs cnnquiz[report])" in result.output


def test_html_without_matplotlib_is_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    folder = code_class(tmp_path / "out")
    result = runner.invoke(app, ["report", str(folder), "--html", str(tmp_path / "r.html")], env=ENV)
    assert result.exit_code == 2
    assert "error: --html needs matplotlib: pip install 'cnnquiz[report]'" in result.output
    assert "Traceback" not in result.output
    # Without --html, the report needs no matplotlib.
    assert runner.invoke(app, ["report", str(folder), "--json"], env=ENV).exit_code == 0


def test_missing_folder_exits_2_with_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path / "nope")], env=ENV)
    assert result.exit_code == 2
    assert "no such folder" in result.output


def test_a_class_with_nothing_graded(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text('[{"student": "a", "score": 0, "max_score": 0, "status": "error", "tests": []}]')
    result = runner.invoke(app, ["report", str(out)], env=ENV)
    assert result.exit_code == 0 and "No graded item" in result.output and "not graded (no statistics): a" in result.output
    as_json = runner.invoke(app, ["report", str(out), "--json"], env=ENV)
    assert json.loads(as_json.stdout) == {"students": 1, "mean": 0.0, "items": [], "mistakes": []}
