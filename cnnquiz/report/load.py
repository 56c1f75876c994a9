"""Read a grading output folder into one table of item scores per student.

Two producers write the folders a class report reads (contract sections 4 and 7):

- ``cnnquiz grade`` writes ``report.json``: one entry per student whose ``tests`` are the
  items; a test's group is the student function it exercised, and its named mistakes
  are its ``mistakes`` list of catalogue keys (a report.json written before that field
  existed: the ``likely mistake:`` line of its ``output``).
- ``cnnquiz grade-answers`` writes ``<student>.json``: one per student whose
  ``questions`` carry a ``template``, a ``topic``, a ``credit`` and a ``mistake`` key
  (catalogue keys joined by ``+`` when several give the same value).
  Students draw different variants of a template (and different question ids), so the
  item is the *template*: its variants are pooled, and the variant (the prompt) is kept
  for the per-template view.

Mistakes that give the same value cannot be told apart; a student showing them counts
once for each catalogue key, and only catalogue keys count.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnnquiz.errors import CnnquizError
from cnnquiz.mistakes import CATALOGUE

__all__ = ["ReportError", "Source", "ItemScore", "StudentRecord", "ClassData", "load_class", "mistakes_in_output",
           "catalogue_keys"]

_REPORT_FILE = "report.json"
_MISTAKE_PREFIX = "likely mistake: "
# The plain name of each mistake (as the grader writes it) -> its catalogue key.
_BY_NAME = {m.name: m.key for m in CATALOGUE.values()}


class ReportError(CnnquizError):
    """A grading output folder that cannot be read as a class."""


class Source(str, enum.Enum):
    """Which command wrote the folder: its items are tests or question templates."""

    CODE = "code"  # cnnquiz grade: items are tests, grouped by function
    ANSWERS = "answers"  # cnnquiz grade-answers: items are templates, grouped by topic

    @property
    def group_label(self) -> str:
        return "function" if self is Source.CODE else "topic"


@dataclass(frozen=True)
class ItemScore:
    """What one student earned on one item (a test, or one question of a template)."""

    item: str
    group: str
    score: float
    max_score: float
    mistakes: tuple[str, ...] = ()
    variant: str = ""  # answer sheets: the prompt the student saw (one variant of the template)


@dataclass(frozen=True)
class StudentRecord:
    """A student as the gradebook lists them, with their item scores."""

    student: str
    status: str  # "graded" or "error"
    score: float
    max_score: float
    items: tuple[ItemScore, ...] = ()

    @property
    def graded(self) -> bool:
        return self.status == "graded" and bool(self.items)


@dataclass(frozen=True)
class ClassData:
    """Every student of one grading output folder."""

    source: Source
    folder: str
    students: tuple[StudentRecord, ...]


def mistakes_in_output(output: str) -> tuple[str, ...]:
    """The catalogue keys a test's ``output`` names on its ``likely mistake:`` line.

    Only for a ``report.json`` written before its tests carried ``mistakes``. Several
    mistakes that give the same value are named together (``"a, or b"``): each is one key.

    >>> mistakes_in_output("got: 27\\nlikely mistake: you forgot the +1. The number ...")
    ('forgot_plus_one',)
    """
    for line in output.splitlines():
        if not line.startswith(_MISTAKE_PREFIX):
            continue
        head = line[len(_MISTAKE_PREFIX):]
        # "name. explanation" or "name1, or name2. explanations": a name counts where it
        # starts the line or follows ", or ", and ends at "." or ", or " (not inside a longer name).
        found = {}
        for name, key in _BY_NAME.items():
            match = re.search(rf"(?:^|, or ){re.escape(name)}(?=\.|, or |$)", head)
            if match:
                found[key] = match.start()
        return tuple(sorted(found, key=found.get))
    return ()


def catalogue_keys(value: Any) -> tuple[str, ...]:
    """The catalogue keys in a ``mistakes`` list or a ``mistake`` text (``"a+b"``), each
    once, in order; anything that is not a catalogue key is dropped.

    >>> catalogue_keys("forgot_plus_one+padding_once"), catalogue_keys(["kernel_flipped", "typo"])
    (('forgot_plus_one', 'padding_once'), ('kernel_flipped',))
    """
    if isinstance(value, str):
        parts = value.split("+")
    elif isinstance(value, list):
        parts = [str(part) for part in value]
    else:  # None: no mistake named
        parts = []
    return tuple(dict.fromkeys(key for key in parts if key in CATALOGUE))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ReportError(f"{path}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ReportError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise ReportError(f"{path}: line {error.lineno}: {error.msg}") from None


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ReportError(f"{where}: expected a number, got {value!r}")
    return float(value)


def _code_student(entry: Any, where: str) -> StudentRecord:
    if not isinstance(entry, dict) or "student" not in entry:
        raise ReportError(f"{where}: not a student entry of report.json (no 'student')")
    items = []
    for number, test in enumerate(entry.get("tests") or [], 1):
        at = f"{where}.tests[{number}]"
        if not isinstance(test, dict) or "name" not in test:
            raise ReportError(f"{at}: a test needs a 'name'")
        if "mistakes" in test:
            found = catalogue_keys(test["mistakes"])
        else:  # a report.json from before the field: the feedback names them
            found = mistakes_in_output(str(test.get("output", "")))
        items.append(ItemScore(str(test["name"]), str(test.get("function") or test["name"]),
                               _number(test.get("score", 0), at), _number(test.get("max_score", 0), at), found))
    return StudentRecord(str(entry["student"]), str(entry.get("status", "graded")),
                         _number(entry.get("score", 0), where), _number(entry.get("max_score", 0), where),
                         tuple(items))


def _answers_student(data: Any, path: Path) -> StudentRecord:
    if not isinstance(data, dict) or "student" not in data:
        raise ReportError(f"{path}: not a grade-answers result (no 'student')")
    items = []
    for number, question in enumerate(data.get("questions") or [], 1):
        at = f"{path}: questions[{number}]"
        if not isinstance(question, dict) or "template" not in question:
            raise ReportError(f"{at}: a question needs a 'template'")
        items.append(ItemScore(str(question["template"]), str(question.get("topic") or "?"),
                               _number(question.get("credit", 0), at), 1.0,
                               catalogue_keys(question.get("mistake")), str(question.get("prompt", ""))))
    return StudentRecord(str(data["student"]), str(data.get("status", "graded")),
                         _number(data.get("score", 0), str(path)), _number(data.get("max_score", 0), str(path)),
                         tuple(items))


def load_class(out_dir: str | Path) -> ClassData:
    """The class in ``out_dir``: ``report.json`` when ``grade`` wrote it, else the
    ``<student>.json`` files of ``grade-answers``.

    Raises
    ------
    ReportError
        When the folder does not exist, holds neither kind of output, or a file in it
        is not what its producer writes (the message names the file and the entry).
    """
    folder = Path(out_dir)
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such folder (give the --out folder of grade or grade-answers)")
    report = folder / _REPORT_FILE
    if report.is_file():
        data = _read_json(report)
        if not isinstance(data, list):
            raise ReportError(f"{report}: expected a JSON list of students")
        students = [_code_student(entry, f"{report}: [{i}]") for i, entry in enumerate(data, 1)]
        return ClassData(Source.CODE, str(folder), tuple(sorted(students, key=lambda s: s.student)))
    sheets = sorted(p for p in folder.glob("*.json") if p.is_file() and not p.name.startswith("."))
    students = [_answers_student(_read_json(path), path) for path in sheets]
    if not students:
        raise ReportError(f"{folder}: neither report.json (grade) nor <student>.json files (grade-answers)")
    return ClassData(Source.ANSWERS, str(folder), tuple(sorted(students, key=lambda s: s.student)))
