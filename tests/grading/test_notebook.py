"""Notebook submissions: code cells -> cnn.py (never executed), feedback names the cell."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from buggy import CORRECT
from grading_helpers import EXAMPLES, FAST, REPO, invoke, read_json
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from cnnquiz.grading.batch import Grader
from cnnquiz.grading.notebook import NotebookError, find_notebook, read_notebook

NOTEBOOK_EXAMPLE = EXAMPLES / "hana_notebook"
STARTER = REPO / "submissions" / "starter" / "cnn.ipynb"


def _write(folder, *cells, name="work.ipynb", minor=5):
    notebook = new_notebook(cells=list(cells))
    notebook.nbformat_minor = minor
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    nbformat.write(notebook, path)
    return path


def test_code_cells_in_order_magics_blank_and_lines_mapped(tmp_path):
    path = _write(
        tmp_path,
        new_markdown_cell("# title"),
        new_code_cell("%matplotlib inline\nimport numpy as np\n  !pip install torch"),
        new_code_cell("def relu(x):\n    return np.maximum(x, 0)"),
    )
    module = read_notebook(path)
    assert module.text == "\nimport numpy as np\n\n\ndef relu(x):\n    return np.maximum(x, 0)\n\n"
    assert module.dropped == 2
    lines = module.text.splitlines()
    assert lines.index("def relu(x):") + 1 == 5 and module.where(5) == "cell 3, line 1"
    assert module.where(2) == "cell 2, line 2" and module.where(99) == "line 99"
    assert "!pip" not in module.text and "%matplotlib" not in module.text


def test_feedback_points_into_the_notebook():
    module = read_notebook(NOTEBOOK_EXAMPLE / "cnn_building_blocks.ipynb")
    text = "ValueError: bad (cnn.py, line 5)\n  File \"cnn.py\", line 5, in f"
    mapped = module.map_feedback(text)
    assert "(cnn_building_blocks.ipynb, cell 4, line 1)" in mapped
    assert 'File "cnn_building_blocks.ipynb", cell 4, line 1' in mapped and "cnn.py" not in mapped


@pytest.mark.parametrize("minor", [0, 4, 5])
def test_any_v4_minor_is_read_quietly(tmp_path, minor, recwarn, capsys):
    path = _write(tmp_path, new_code_cell("x = 1"), minor=minor)
    data = json.loads(path.read_text())
    for cell in data["cells"]:
        cell.pop("id", None)  # hand-edited and old notebooks have no cell ids
    path.write_text(json.dumps(data))
    assert read_notebook(path).text == "x = 1\n\n"
    assert not recwarn.list and capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", r"not a valid Jupyter notebook \(the file is not JSON\)"),
        ("[1, 2]", r"not a valid Jupyter notebook \(no notebook format version\)"),
        (json.dumps({"nbformat": 4, "nbformat_minor": 5, "cells": "nope"}), "not a valid Jupyter notebook"),
        (json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": []}), r"notebook format 3.0 is not supported"),
        (b"\xff\xfe", "not a notebook: byte 0 is not UTF-8"),
    ],
)
def test_a_broken_notebook_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(NotebookError, match=message) as error:
        read_notebook(path)
    assert str(error.value).startswith("bad.ipynb: ") and "\n" not in str(error.value)


def test_odd_cell_sources_are_read_as_text(tmp_path):
    path = tmp_path / "odd.ipynb"
    cells = [{"cell_type": "code", "source": ["x = ", 1, "\n"], "metadata": {}, "outputs": []},
             {"cell_type": "code", "source": "y = 2", "metadata": {}, "outputs": []}, "not a cell"]
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 2, "metadata": {}, "cells": cells}))
    assert read_notebook(path).text == "x = 1\n\ny = 2\n\n"


def test_a_notebook_without_code_is_a_clear_error(tmp_path):
    path = _write(tmp_path, new_markdown_cell("just prose"), new_code_cell("%time\n   "))
    with pytest.raises(NotebookError, match="work.ipynb: the notebook has no code cells with code in them"):
        read_notebook(path)


def test_which_notebook_counts(tmp_path):
    assert find_notebook(tmp_path) is None
    _write(tmp_path, new_code_cell("x = 1"), name="a.ipynb")
    assert find_notebook(tmp_path).name == "a.ipynb"
    _write(tmp_path, new_code_cell("x = 1"), name=".backup.ipynb")  # hidden files do not count
    (tmp_path / ".ipynb_checkpoints").mkdir()
    _write(tmp_path / ".ipynb_checkpoints", new_code_cell("x = 1"), name="a-checkpoint.ipynb")
    assert find_notebook(tmp_path).name == "a.ipynb"
    _write(tmp_path, new_code_cell("x = 2"), name="b.ipynb")
    with pytest.raises(NotebookError, match=r"no cnn.py and 2 notebooks \(a.ipynb, b.ipynb\): hand in exactly one"):
        find_notebook(tmp_path)
    (tmp_path / "cnn.py").write_text("x = 3\n")
    assert find_notebook(tmp_path) is None  # cnn.py wins


def test_the_example_notebook_grades_like_the_equivalent_cnn_py(cnn):
    grader = Grader(cnn, limits=FAST)
    from_notebook = grader.grade(NOTEBOOK_EXAMPLE, "hana")
    from_file = grader.grade(CORRECT.parent, "hana")
    assert [(t.name, t.score, t.status) for t in from_notebook.tests] == [(t.name, t.score, t.status) for t in from_file.tests]
    assert from_notebook.score == from_notebook.max_score > 0
    assert "Graded from the code cells of cnn_building_blocks.ipynb" in from_notebook.output


def test_a_buggy_notebook_loses_the_same_points_and_names_the_cell(tmp_path, cnn):
    source = CORRECT.read_text().replace("return np.maximum(x, 0)", 'raise ValueError("no relu yet")')
    head, _, rest = source.partition("\ndef relu(")
    path = _write(tmp_path / "nb", new_markdown_cell("intro"), new_code_cell(head), new_code_cell("def relu(" + rest))
    (tmp_path / "py").mkdir()
    (tmp_path / "py" / "cnn.py").write_text(source)
    grader = Grader(cnn, limits=FAST)
    from_notebook, from_file = grader.grade(path.parent, "nb"), grader.grade(tmp_path / "py", "py")
    assert [t.score for t in from_notebook.tests] == [t.score for t in from_file.tests]
    relu = [t for t in from_notebook.tests if t.function == "relu"]
    assert relu and all("(work.ipynb, cell 3, line 2)" in t.output for t in relu)


def test_a_broken_notebook_is_that_students_error_row(tmp_path, cnn):
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / "cnn.ipynb").write_text("{not json")
    result = Grader(cnn, limits=FAST).grade(tmp_path / "ann", "ann")
    assert result.status.value == "error" and not result.grader_error and result.score == 0
    assert "Not graded: cnn.ipynb: not a valid Jupyter notebook" in result.output


def test_a_syntax_error_in_a_cell_names_the_cell(tmp_path, cnn):
    path = _write(tmp_path, new_code_cell("import numpy as np"), new_code_cell("def relu(x)\n    return x"))
    result = Grader(cnn, limits=FAST).grade(path.parent, "s")
    assert result.status.value == "error"
    assert "(work.ipynb, cell 2, line 1)" in result.output


def test_check_and_grade_take_notebooks(tmp_path):
    result = invoke("check", NOTEBOOK_EXAMPLE)
    assert result.exit_code == 0 and "PASS" in result.stdout
    for name in ("alice_correct", "hana_notebook"):
        shutil.copytree(EXAMPLES / name, tmp_path / "subs" / name)
    graded = invoke("grade", tmp_path / "subs", "--out", tmp_path / "out", "-j", "2")
    assert graded.exit_code == 0, graded.output
    report = {entry["student"]: entry for entry in read_json(tmp_path / "out" / "report.json")}
    assert report["hana_notebook"]["tests"] == report["alice_correct"]["tests"]


def test_the_starter_notebook_is_the_starter_file_as_cells():
    module = read_notebook(STARTER)
    starter = (REPO / "submissions" / "starter" / "cnn.py").read_text()
    for line in ("import numpy as np", "def conv2d_output_size(size, kernel_size, stride=1, padding=0):",
                 "def softmax(z):"):
        assert line in module.text and line in starter
    assert nbformat.read(STARTER, as_version=4).nbformat == 4
    assert compile(module.text, "cnn.py", "exec")
