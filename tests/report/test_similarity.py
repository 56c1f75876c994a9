"""``cnnquiz similarity``: a renamed copy of the solver is flagged, honest work is not,
renamed copies of each other are, notebooks count, the starter is discounted."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cnnquiz.solver
from cnnquiz.cli import app
from cnnquiz.report import ReportError
from cnnquiz.report.similarity import SimilarityReport, default_starter, similarity_report

DATA = Path(__file__).parent / "data"
SOLVER = Path(cnnquiz.solver.__file__).parent
ENV = {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
runner = CliRunner()


def _renamed(code: str, names: dict[str, str]) -> str:
    for old, new in names.items():
        code = re.sub(rf"\b{old}\b", new, code)
    return code


def _student(root: Path, name: str, code: str, file: str = "cnn.py") -> None:
    (root / name).mkdir(parents=True, exist_ok=True)
    (root / name / file).write_text(code, encoding="utf-8")


def _notebook(code: str) -> str:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# Homework"},
             {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "source": "%matplotlib inline\n" + code}]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 4})


@pytest.fixture()
def submissions(tmp_path: Path) -> Path:
    root = tmp_path / "subs"
    for honest in ("honest_loops", "honest_numpy"):
        shutil.copytree(DATA / honest, root / honest)
    # mallory: the solver's activations and ops, every local name renamed.
    solver_code = (SOLVER / "activations.py").read_text() + (SOLVER / "ops.py").read_text()
    _student(root, "mallory", _renamed(solver_code, {"arr": "values", "x": "inp", "weight": "kern", "_as_array": "to_np"}))
    # trudy: honest_loops with its variables renamed, handed in as a notebook.
    loops = (DATA / "honest_loops" / "cnn.py").read_text()
    trudy = _renamed(loops, {"total": "acc", "padded": "xp", "filters": "n_out", "channels": "n_in", "result": "res"})
    assert trudy != loops
    _student(root, "trudy", _notebook(trudy), "hw.ipynb")
    (root / "empty").mkdir()
    return root


def test_copies_are_flagged_and_honest_work_is_not(submissions: Path) -> None:
    report = similarity_report(submissions)
    reference = {m.a: m.share_a for m in report.reference}
    assert [m.a for m in report.copies_of_reference] == ["mallory"]
    assert reference["mallory"] > 0.9
    assert max(reference["honest_loops"], reference["honest_numpy"], reference["trudy"]) < 0.15
    pairs = {frozenset((m.a, m.b)): m for m in report.pairs}
    assert pairs[frozenset(("honest_loops", "trudy"))].similarity > 0.9  # renamed variables, in a notebook
    assert pairs[frozenset(("honest_loops", "honest_numpy"))].similarity < 0.15  # two independent solutions
    assert [(m.a, m.b) for m in report.flagged_pairs] == [("honest_loops", "trudy")]
    assert report.skipped == (("empty", "no .py file or notebook with code"),)
    # Regions point into the notebook by cell.
    trudy_side = pairs[frozenset(("honest_loops", "trudy"))].regions_b
    assert trudy_side and all(r.file == "hw.ipynb" and r.first_where.startswith("cell 2, line") for r in trudy_side)


def test_the_starter_is_boilerplate(tmp_path: Path) -> None:
    starter_folder = default_starter()
    assert starter_folder is not None
    starter = starter_folder / "cnn.py"
    root = tmp_path / "subs"
    # Both keep every docstring and signature of the starter and add their own bodies below.
    for name in ("honest_loops", "honest_numpy"):
        _student(root, name, starter.read_text() + "\n\n" + (DATA / name / "cnn.py").read_text())
    with_starter = similarity_report(root).pairs[0].similarity
    without = similarity_report(root, use_default_starter=False).pairs[0].similarity
    # Measured: 0.42 without the starter as boilerplate, 0.05 with it (the bodies alone: 0.05).
    assert without > 0.3 and with_starter < 0.1


def test_cli_terminal_and_html(submissions: Path, tmp_path: Path) -> None:
    page = tmp_path / "sim.html"
    result = runner.invoke(app, ["similarity", str(submissions), "--html", str(page), "--top", "3"], env=ENV)
    assert result.exit_code == 0, result.output
    assert "copy of the reference?" in result.output and "it changes no grade" in result.output
    text = page.read_text(encoding="utf-8")
    assert "<mark>" in text and "mallory" in text and "hw.ipynb cell 2" in text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)


def test_student_code_is_escaped_in_html(tmp_path: Path) -> None:
    root = tmp_path / "subs"
    code = (DATA / "honest_loops" / "cnn.py").read_text() + '\nNOTE = "</pre><script>alert(1)</script>"\n'
    _student(root, "a", code)
    _student(root, "b", code)
    from cnnquiz.report.similarity_view import similarity_html

    text = similarity_html(similarity_report(root))
    assert "<script>" not in text and "&lt;script&gt;" in text


@pytest.mark.parametrize(("args", "message"), [
    (["--threshold", "2"], "--threshold must be within 0..1"),
    (["--starter", "/nonexistent/cnn.py"], "--starter /nonexistent/cnn.py: no such file or folder"),
])
def test_bad_options_are_one_line_errors(submissions: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["similarity", str(submissions), *args], env=ENV)
    assert result.exit_code == 2 and message in result.output


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="no such folder"):
        similarity_report(tmp_path / "nope")


def _view_of_fixture(tmp_path: Path) -> "SimilarityReport":
    root = tmp_path / "subs"
    for honest in ("honest_loops", "honest_numpy"):
        shutil.copytree(DATA / honest, root / honest)
    loops = (DATA / "honest_loops" / "cnn.py").read_text()
    _student(root, "trudy", _renamed(loops, {"total": "acc", "padded": "xp"}))
    reference = (DATA / "course_solution" / "activations.py").read_text()
    _student(root, "mallory", _renamed(reference, {"arr": "values", "x": "inp", "_as_array": "to_np"}))
    # A fixed reference (a copy of the solver's activations) keeps the golden independent of solver edits.
    return similarity_report(root, starter=DATA / "starter" / "cnn.py", top=3, reference=DATA / "course_solution")


@pytest.mark.parametrize("view", ["txt", "html"])
def test_similarity_terminal_and_html_goldens(tmp_path: Path, view: str) -> None:
    from rich.console import Console

    from cnnquiz.report.similarity_view import similarity_html, similarity_renderables

    from .report_helpers import golden

    report = _view_of_fixture(tmp_path)
    if view == "txt":
        console = Console(width=120, record=True, color_system=None, file=open("/dev/null", "w"))
        console.print(similarity_renderables(report))
        golden("similarity.txt", console.export_text().replace(str(DATA), "DATA"))
    else:
        golden("similarity.html", similarity_html(report).replace(str(DATA), "DATA"))


def test_without_copydetect_the_command_says_which_extra_to_install(submissions: Path, monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "copydetect", None)  # as if `cnnquiz[similarity]` were not installed
    result = runner.invoke(app, ["similarity", str(submissions)], env=ENV)
    assert result.exit_code == 2
    assert "pip install 'cnnquiz[similarity]'" in result.output
    assert "Traceback" not in result.output
