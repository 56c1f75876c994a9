"""cnnquiz.gradebook: the one grades.csv of code grading and answer sheets.

(The module is cnnquiz/gradebook.py; its tests live with grading, its main user.)
"""

from __future__ import annotations

import csv
import io

import pytest
from grading_helpers import check_golden

from cnnquiz.bank.sheets import StudentResult as SheetResult
from cnnquiz.bank.sheets import grades_csv as sheet_grades_csv
from cnnquiz.errors import GradingError
from cnnquiz.gradebook import COLUMNS, GradebookRow, grades_csv, score_cell, write_grades
from cnnquiz.grading.reports import grades_csv as code_grades_csv
from cnnquiz.grading.results import StudentResult, StudentStatus, TestResult, TestStatus

ROWS = [
    GradebookRow("ann", 2 / 3, 3, "graded"),
    GradebookRow("ben", 12.0, 12.0, "graded"),
    GradebookRow('=HYPERLINK("https://evil.example","x")', 0.0, 12.0, "error"),
    GradebookRow("caf\\xe9", 0.125, 1, "graded"),
    GradebookRow("-1+1", 1.005, 2, "graded"),
]


def test_grades_csv_matches_the_golden_file():
    check_golden("gradebook.csv", grades_csv(ROWS))


def test_scores_are_rounded_to_two_places_and_whole_numbers_have_no_point():
    assert [score_cell(v) for v in (3.0, 2 / 3, 0.125, 1e-9, -0.0)] == [3, 0.67, 0.12, 0, 0]
    rows = list(csv.reader(io.StringIO(grades_csv(ROWS))))
    assert tuple(rows[0]) == COLUMNS
    assert rows[1] == ["ann", "0.67", "3", "graded"] and rows[2] == ["ben", "12", "12", "graded"]


def test_no_cell_starts_a_formula():
    for row in list(csv.reader(io.StringIO(grades_csv(ROWS))))[1:]:
        assert not row[0].startswith(("=", "+", "-", "@", "\t", "\r")), row


def _code_result(name: str, score: float, max_score: float) -> StudentResult:
    test = TestResult("t", "relu", True, score, max_score, TestStatus.PASSED if score == max_score else TestStatus.FAILED, "")
    return StudentResult(name, StudentStatus.GRADED, [test], "bwrap", "")


def test_code_grading_and_answer_sheets_write_the_same_rows():
    code = code_grades_csv([_code_result("ann", 2 / 3, 3), _code_result("=1+1", 1, 1)])
    sheets = sheet_grades_csv([
        SheetResult(student="ann", status="graded", score=2 / 3, max_score=3, source="a.yaml"),
        SheetResult(student="=1+1", status="graded", score=1, max_score=1, source="b.yaml"),
    ])
    assert code == sheets == "student,score,max_score,status\nann,0.67,3,graded\n'=1+1,1,1,graded\n"


def test_an_unwritable_gradebook_names_the_file(tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("a file, not a folder")
    with pytest.raises(GradingError, match="out/grades.csv: cannot write"):
        write_grades(blocker, ROWS)
    assert write_grades(tmp_path, ROWS).read_text() == grades_csv(ROWS)
