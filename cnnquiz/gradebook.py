"""The gradebook: one row type and one ``grades.csv`` writer for code and answer sheets.

``cnnquiz grade`` (student code) and ``cnnquiz grade-answers`` (typed answer sheets)
both end in ``OUT_DIR/grades.csv`` with the columns ``student,score,max_score,status``
(contract sections 4 and 7), one row per student in the order given. Both build
:class:`GradebookRow` values and call :func:`grades_csv` / :func:`write_grades`, so the
file has one format whatever was graded:

- scores are rounded to **2 decimal places** (what spreadsheets and LMS gradebooks
  show), whole numbers without a decimal point (``3``, not ``3.0``);
- ``status`` is ``graded`` or ``error`` (nothing could be graded);
- every text cell passes :func:`cnnquiz.sanitize.for_csv_cell`: valid UTF-8, and a
  student id such as ``=HYPERLINK(...)`` is shown as text, never run as a formula.

Examples
--------
>>> print(grades_csv([GradebookRow("ann", 2 / 3, 3, "graded"), GradebookRow("=1+1", 0, 3, "error")]), end="")
student,score,max_score,status
ann,0.67,3,graded
'=1+1,0,3,error
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from cnnquiz import atomic
from cnnquiz.errors import GradingError
from cnnquiz.sanitize import for_csv_cell

__all__ = ["GradebookRow", "GRADES_FILE", "COLUMNS", "SCORE_DECIMALS", "score_cell", "grades_csv", "write_grades"]

GRADES_FILE = "grades.csv"
COLUMNS = ("student", "score", "max_score", "status")
SCORE_DECIMALS = 2


@dataclass(frozen=True)
class GradebookRow:
    """One student's line in ``grades.csv``."""

    student: str
    score: float
    max_score: float
    status: str  # "graded" or "error"


def score_cell(value: float) -> int | float:
    """A score as the gradebook shows it: rounded to 2 places, ``3`` rather than ``3.0``.

    >>> score_cell(2.0), score_cell(1 / 3), score_cell(0.005)
    (2, 0.33, 0.01)
    """
    rounded = round(float(value) + 0.0, SCORE_DECIMALS)
    return int(rounded) if rounded.is_integer() else rounded


def grades_csv(rows: Iterable[GradebookRow]) -> str:
    """``student,score,max_score,status``, one line per row, in the order given."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([for_csv_cell(row.student), score_cell(row.score), score_cell(row.max_score),
                         for_csv_cell(row.status)])
    return buffer.getvalue()


def write_grades(out_dir: str | Path, rows: Iterable[GradebookRow]) -> Path:
    """Write ``out_dir/grades.csv`` atomically.

    Raises
    ------
    GradingError
        When the file cannot be written (names the path and the reason).
    """
    path = Path(out_dir) / GRADES_FILE
    try:
        return atomic.write_text(path, grades_csv(rows))
    except OSError as error:
        raise GradingError(f"{path}: cannot write: {error.strerror or error}") from None
