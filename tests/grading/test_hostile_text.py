"""Hostile text and broken pieces never stop a class: every student gets a row, every sink is safe.

One class, graded once through the CLI, next to honest students: a lone surrogate in an
exception, a folder whose name is not UTF-8 (honest code), console markup in an import
error, clear-screen / cursor / OSC 8 escapes in a message and in printed output, and a
folder named like a spreadsheet formula. Then the failure-isolation cases: a
results.json that cannot be written, an exception while summarising, and ``--resume``
on a 1,100-deep folder tree.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from buggy import CORRECT
from grading_helpers import FAST, check_golden, invoke, read_json

from cnnquiz.grading import reports
from cnnquiz.grading.batch import Grader, grade_batch
from cnnquiz.grading.results import StudentResult, StudentStatus
from cnnquiz.sanitize import escape_name, unescape_name

ESCAPES = "\\x1b[2J\\x1b[H\\x1b[5A\\x1b]8;;https://evil.example/\\x1b\\\\click\\x1b]8;;\\x1b\\\\"
FORMULA = '=HYPERLINK("evil.example","click")'
NOT_UTF8 = b"caf\xe9_honest"


def _with(source: str, function: str, body: str) -> str:
    """``source`` with ``function`` raising or printing as ``body`` says (first statement)."""
    head = f"def {function}("
    start = source.index(head)
    colon = source.index(":\n", start) + 2
    return source[:colon] + f"    {body}\n" + source[colon:]


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile") / "subs"
    correct = CORRECT.read_text(encoding="utf-8")
    students = {
        "alice": correct,
        "surrogate": _with(correct, "relu", 'raise ValueError("\\udcff")'),
        "markup": 'raise ImportError("cannot import [/] or [bold red]x[/bold red]")\n',
        "escapes": _with(correct, "sigmoid", f'raise ValueError("{ESCAPES}")'),
        "printer": correct + f'\nprint("{ESCAPES} [/]")\n',
        FORMULA: correct,
    }
    for name, source in students.items():
        (root / name).mkdir(parents=True)
        (root / name / "cnn.py").write_text(source, encoding="utf-8")
    odd = os.path.join(os.fsencode(root), NOT_UTF8)
    os.mkdir(odd)
    shutil.copy(CORRECT, os.path.join(odd, b"cnn.py"))
    out = root.parent / "out"
    result = invoke("grade", root, "--out", out, "-j", "2", "--junit-xml", out / "junit.xml", env={"COLUMNS": "200"})
    return root, out, result


def _no_escapes(text: str) -> None:
    assert "\x1b" not in text and "\x9b" not in text and "\r" not in text.replace("\r\n", "\n")


def test_grading_runs_and_exits_0(hostile_class):
    _, _, result = hostile_class
    assert result.exit_code == 0, result.output
    assert "7 students: 6 graded, 1 not gradable" in result.stdout


def test_every_output_is_valid_utf8_and_complete(hostile_class):
    _, out, _ = hostile_class
    for path in [out / "grades.csv", out / "report.json", out / "junit.xml", *out.glob("*/results.json")]:
        path.read_bytes().decode("utf-8")  # strict
    rows = list(csv.reader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8"))))
    assert len(rows) == 8
    report = {entry["student"]: entry for entry in read_json(out / "report.json")}
    assert len(report) == 7
    assert len(ET.parse(out / "junit.xml").getroot().findall("testsuite")) == 7


def test_honest_students_keep_full_marks_next_to_hostile_ones(hostile_class):
    _, out, _ = hostile_class
    report = {entry["student"]: entry for entry in read_json(out / "report.json")}
    full = report["alice"]["max_score"]
    assert report["alice"]["score"] == full
    assert report[escape_name(NOT_UTF8)]["score"] == full and report[FORMULA]["score"] == full
    assert report["printer"]["score"] == full


def test_a_non_utf8_folder_is_graded_under_an_escaped_id_that_round_trips(hostile_class):
    root, out, _ = hostile_class
    student = escape_name(NOT_UTF8)
    assert student == "caf\\xe9_honest"
    assert (out / student / "results.json").is_file()
    assert os.path.isdir(os.path.join(os.fsencode(root), unescape_name(student)))


def test_a_lone_surrogate_in_a_message_is_shown_escaped(hostile_class):
    _, out, _ = hostile_class
    tests = read_json(out / "surrogate" / "results.json")["tests"]
    relu = [t for t in tests if t["name"].startswith("relu")]
    assert relu and all("ValueError: \\xff" in t["output"] for t in relu)


def test_the_formula_folder_is_text_in_the_gradebook(hostile_class):
    _, out, _ = hostile_class
    rows = list(csv.reader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8"))))
    names = [row[0] for row in rows[1:]]
    assert "'" + FORMULA in names and FORMULA not in names
    assert not any(name.startswith(("=", "+", "-", "@", "\t", "\r")) for name in names)


def test_markup_and_escapes_never_reach_the_terminal_raw(hostile_class):
    _, out, result = hostile_class
    _no_escapes(result.stdout)
    assert "cannot import [/] or [bold red]x[/bold red]" in " ".join(result.stdout.split())
    assert "ImportError: cannot import [/]" in read_json(out / "markup" / "results.json")["output"]
    escaped = read_json(out / "escapes" / "results.json")
    sigmoid = [t for t in escaped["tests"] if t["name"].startswith("sigmoid")]
    assert sigmoid and all("\x1b[2J" in t["output"] for t in sigmoid)  # kept as data; JSON escapes it


def test_check_shows_escapes_and_markup_as_text(hostile_class):
    root, _, _ = hostile_class
    for student, code in (("escapes", 1), ("printer", 0), ("markup", 1)):
        result = invoke("check", root / student, env={"COLUMNS": "200"})
        assert result.exit_code == code, result.output
        _no_escapes(result.stdout)
    shown = invoke("check", root / "escapes").stdout
    assert "\\x1b[2J" in shown and "\\x1b]8;;https://evil.example/" in shown
    assert "[/]" in invoke("check", root / "markup").stdout


def test_check_github_annotations_carry_no_escapes(hostile_class):
    root, _, _ = hostile_class
    result = invoke("check", root / "escapes", env={"GITHUB_ACTIONS": "true"})
    lines = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert lines and all("\x1b" not in line for line in lines)


# --- failure isolation --------------------------------------------------------------

@pytest.fixture
def small_class(tmp_path):
    root = tmp_path / "subs"
    for name in ("ann", "ben", "cat"):
        (root / name).mkdir(parents=True)
        shutil.copy(CORRECT, root / name / "cnn.py")
    return root


def test_a_results_file_that_cannot_be_written_is_that_students_error_row(small_class, tmp_path, cnn, monkeypatch):
    real = reports.write_student

    def refuse_ben(out_dir, result):
        if result.student == "ben":
            raise OSError(36, "File name too long")
        return real(out_dir, result)

    monkeypatch.setattr(reports, "write_student", refuse_ben)
    summary = grade_batch(small_class, tmp_path / "out", Grader(cnn, limits=FAST), jobs=2)
    by_name = {r.student: r for r in summary.results}
    assert by_name["ben"].grader_error and by_name["ben"].score == 0
    assert "its results.json could not be written (OSError" in by_name["ben"].output
    assert by_name["ann"].score == by_name["ann"].max_score > 0
    rows = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["ann", "ben", "cat"] and rows[2].endswith(",error")


def test_an_exception_while_grading_one_student_spares_the_others(small_class, tmp_path, cnn, monkeypatch):
    real = Grader.cases_for

    def broken_for_cat(self, student):
        if student == "cat":
            raise RuntimeError("summary exploded")
        return real(self, student)

    monkeypatch.setattr(Grader, "cases_for", broken_for_cat)
    result = invoke("grade", small_class, "--out", tmp_path / "out", "-j", "2", "--junit-xml", tmp_path / "j.xml")
    assert result.exit_code == 0, result.output
    report = {entry["student"]: entry for entry in read_json(tmp_path / "out" / "report.json")}
    assert report["cat"]["status"] == "error" and report["ann"]["score"] == report["ann"]["max_score"]
    assert len(ET.parse(tmp_path / "j.xml").getroot().findall("testsuite")) == 3


def test_an_unwritable_output_still_stops_the_run(small_class, tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("a file")
    result = invoke("grade", small_class, "--out", blocker)
    assert result.exit_code == 2 and "cannot write" in result.output


def test_resume_on_a_1100_deep_folder_tree(small_class, tmp_path):
    deep = small_class / "ben"
    for _ in range(1100):  # os.makedirs itself recurses; build it one level at a time
        deep = deep / "d"
        deep.mkdir()
    (deep / "notes.txt").write_text("deep")
    out = tmp_path / "out"
    try:
        first = invoke("grade", small_class, "--out", out, "-j", "2")
        assert first.exit_code == 0, first.output
        again = invoke("grade", small_class, "--out", out, "-j", "2", "--resume")
        assert again.exit_code == 0, again.output
    finally:
        _unlink_deep(small_class / "ben")  # pytest's clean-up of tmp_path would recurse too deep
    rows = (out / "grades.csv").read_text().splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == ["ann", "ben", "cat"]
    assert all(row.endswith(",graded") for row in rows)
    assert "3 unchanged since their recorded result" in " ".join(again.stdout.split())


def _unlink_deep(folder: Path) -> None:
    """Remove a tree deeper than the recursion limit (shutil.rmtree recurses)."""
    depth = 0
    current = folder
    while (current / "d").is_dir():
        current, depth = current / "d", depth + 1
    (current / "notes.txt").unlink(missing_ok=True)
    for _ in range(depth):
        current.rmdir()
        current = current.parent


class _Odd:
    """A result whose tests cannot be read (what a bug in summarising one student looks like)."""

    student = "odd"
    execution_time = 0.0

    @property
    def tests(self):
        raise RuntimeError("no tests here")


def test_an_entry_that_cannot_be_built_is_an_error_row_in_every_file(tmp_path):
    fine = StudentResult("ann", StudentStatus.GRADED, [], "bwrap", "")
    results = [fine, _Odd()]  # type: ignore[list-item]
    suite = ET.fromstring(reports.junit_xml(results)).findall("testsuite")[1]
    assert suite.get("name") == "odd" and suite.get("errors") == "1"
    assert "no tests here" in json.dumps(reports.junit_xml(results))
    reports.write_gradebook(tmp_path, results)
    assert (tmp_path / "grades.csv").read_text().splitlines()[1:] == ["ann,0,0,graded", "odd,0,0,error"]
    entries = read_json(tmp_path / "report.json")
    assert [e["student"] for e in entries] == ["ann", "odd"] and entries[1]["status"] == "error"


def test_the_class_table_matches_the_golden_file(hostile_class):
    _, _, result = hostile_class
    table = result.stdout.split("\n7 students:")[0]
    assert "HYPERLINK" in table and "caf\\xe9_honest" in table
    check_golden("hostile_grade_table.txt", table + "\n")
