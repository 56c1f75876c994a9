"""Answer sheets: read them, regenerate each student's paper, grade it, write the results.

A sheet names the student, the options the paper was generated with (``seed`` or
``student_id``, ``count``, ``topics``, ``difficulty``) and maps question ids to the
answers as typed. Formats, one student per file or one class per CSV::

    # alice.yaml (or alice.json with the same keys)
    student: alice
    seed: 42                 # or  student_id: alice  (cnnquiz generate --student alice)
    count: 10
    topics: [output_size, parameters]
    answers:
      q1: "28"
      q2: 32 x 32 x 10
      q3: "4 3 4; 2 4 3; 2 3 4"

    # class.csv: one row per student, one column per question
    student,seed,student_id,count,topics,difficulty,q1,q2,q3
    alice,42,,3,output_size;parameters,,28,32x32x10,b

YAML scalars are read as typed (``0.50`` stays ``0.50``). A sheet that cannot be read
or does not fit its paper becomes an ``error`` result for that student alone.
Results: ``grades.csv`` (``student,score,max_score,status``) and ``<student>.json``,
written atomically.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cnnquiz import atomic, gradebook
from cnnquiz.bank.answer_check import Graded, check, skipped, total
from cnnquiz.bank.question import Paper
from cnnquiz.errors import CnnquizError, GradingError, SheetError
from cnnquiz.gradebook import GradebookRow
from cnnquiz.grading.reports import OUTPUT_FILES, names_an_output
from cnnquiz.sanitize import for_json
from cnnquiz.yamlfile import describe_yaml_error, strings_load, validation_problems

__all__ = [
    "Sheet",
    "SheetEntry",
    "QuestionResult",
    "StudentResult",
    "SHEET_SUFFIXES",
    "read_sheets",
    "grade_sheet",
    "grade_answers",
    "grades_csv",
]

SHEET_SUFFIXES = (".yaml", ".yml", ".json", ".csv")
_STUDENT_RE = re.compile(r"^[^\x00-\x1f/\\.][^\x00-\x1f/\\]{0,99}$")
_QUESTION_RE = re.compile(r"^q\d+$")


def _typed(value: Any) -> str:
    """An answer as text: YAML/JSON may hand over numbers or lists."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise ValueError("an answer must be text, not true/false")
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_typed(v) for v in value) + "]"
    raise ValueError(f"an answer must be text; got {type(value).__name__}")


class Sheet(BaseModel):
    """One student's answers and the options of their paper."""

    model_config = ConfigDict(extra="forbid")

    student: str
    seed: int | None = Field(None, ge=0)
    student_id: str | None = None
    count: int = Field(10, ge=1, le=200)
    topics: list[str] = []
    difficulty: int | None = Field(None, ge=1, le=3)
    answers: dict[str, str] = {}

    @field_validator("student")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        value = value.strip()
        if not _STUDENT_RE.match(value):
            raise ValueError(
                f"must be a name usable as a file name (no '/', '\\', leading '.'); got {value!r}"
            )
        return value

    @field_validator("topics", mode="before")
    @classmethod
    def _split_topics(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [t for t in re.split(r"[;,\s]+", value) if t]
        return value

    @field_validator("answers", mode="before")
    @classmethod
    def _answers_as_text(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError("must map question ids (q1, q2, ...) to answers")
        out = {}
        for key, answer in value.items():
            key = str(key).strip()
            if not _QUESTION_RE.match(key):
                raise ValueError(f"question ids look like q1, q2, ...; got {key!r}")
            out[key] = _typed(answer)
        return out

    @model_validator(mode="after")
    def _one_paper(self) -> "Sheet":
        if (self.seed is None) == (self.student_id is None):
            raise ValueError("give the paper's seed or its student_id (exactly one)")
        return self


@dataclass(frozen=True)
class SheetEntry:
    """A sheet as read from ``source`` (``file`` or ``file:row N``), or why it could not be."""

    source: str
    student: str
    sheet: Sheet | None = None
    error: str | None = None


# --- reading -------------------------------------------------------------------------

def _validation_line(source: str, error: ValidationError) -> str:
    loc, message = validation_problems(error)[0]
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{source}: {loc or 'sheet'}: {message}{more}"


def _entry(source: str, data: Any, fallback: str) -> SheetEntry:
    student = str(data.get("student") or fallback).strip() if isinstance(data, dict) else fallback
    if not isinstance(data, dict):
        return SheetEntry(source, fallback, error=f"{source}: a sheet must be a mapping (student, seed, answers, ...)")
    try:
        return SheetEntry(source, student, sheet=Sheet.model_validate(data))
    except ValidationError as error:
        return SheetEntry(source, student if _STUDENT_RE.match(student) else fallback,
                          error=_validation_line(source, error))


def _documents(path: Path, display: str) -> list[SheetEntry]:
    """A YAML or JSON file: one sheet (a mapping) or several (a list of mappings)."""
    try:
        text = path.read_text(encoding="utf-8")
        # BaseLoader keeps every scalar as typed: "0.50" stays "0.50", "1:30" is not 90.
        data = json.loads(text) if path.suffix == ".json" else strings_load(text)
    except (OSError, UnicodeDecodeError) as error:
        return [SheetEntry(display, path.stem, error=f"{display}: cannot read: {error}")]
    except json.JSONDecodeError as error:
        return [SheetEntry(display, path.stem, error=f"{display}: line {error.lineno}: {error.msg}")]
    except yaml.YAMLError as error:
        return [SheetEntry(display, path.stem, error=f"{display}: {describe_yaml_error(error)}")]
    if isinstance(data, list):
        return [_entry(f"{display}#{i}", item, f"{path.stem}#{i}") for i, item in enumerate(data, 1)]
    return [_entry(display, data, path.stem)]


_CSV_ALIASES = {"student id": "student_id", "student-id": "student_id"}


def _csv_rows(path: Path, display: str) -> list[SheetEntry]:
    """A class CSV: one row per student; columns q1..qN hold the answers."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        return [SheetEntry(display, path.stem, error=f"{display}: cannot read: {error}")]
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return [SheetEntry(display, path.stem, error=f"{display}: the CSV is empty")]
    header = [_CSV_ALIASES.get(h.strip().lower(), h.strip().lower().replace("-", "_")) for h in rows[0]]
    entries = []
    for number, row in enumerate(rows[1:], 2):
        source = f"{display}: row {number}"
        if len(row) > len(header):
            entries.append(SheetEntry(source, f"{path.stem}-row{number}",
                                      error=f"{source}: {len(row)} cells but {len(header)} columns"))
            continue
        data: dict[str, Any] = {"answers": {}}
        for column, cell in zip(header, row):
            if _QUESTION_RE.match(column):
                data["answers"][column] = cell
            elif cell.strip():
                data[column] = cell.strip()
        entries.append(_entry(source, data, f"{path.stem}-row{number}"))
    return entries


def read_sheets(path: str | Path) -> list[SheetEntry]:
    """Every sheet in ``path`` (a file, or the sheet files directly inside a directory).

    Raises
    ------
    SheetError
        When ``path`` does not exist or holds no sheet file: nothing can be graded.
    """
    root = Path(path)
    if root.is_dir():
        files = sorted(p for p in root.iterdir()
                       if p.is_file() and p.suffix.lower() in SHEET_SUFFIXES and not p.name.startswith("."))
        if not files:
            raise SheetError(f"{root}: no answer sheets here ({', '.join(SHEET_SUFFIXES)})")
    elif root.is_file():
        if root.suffix.lower() not in SHEET_SUFFIXES:
            raise SheetError(f"{root}: an answer sheet must be {', '.join(SHEET_SUFFIXES)}")
        files = [root]
    else:
        raise SheetError(f"{root}: no such file or directory")
    entries: list[SheetEntry] = []
    for file in files:
        display = file.name if root.is_dir() else str(file)
        reader = _csv_rows if file.suffix.lower() == ".csv" else _documents
        entries.extend(reader(file, display))
    return entries


# --- grading -------------------------------------------------------------------------

class QuestionResult(BaseModel):
    """One question in a student's ``<student>.json``."""

    id: str
    template: str
    topic: str
    kind: str
    prompt: str
    answer: str | None
    status: str  # correct | partial | wrong | format_error | skipped
    credit: float
    mistake: str | None = None
    mistake_name: str | None = None
    feedback: str
    expected: str
    working: str


class StudentResult(BaseModel):
    """A student's ``<student>.json`` and their ``grades.csv`` row."""

    student: str
    status: str  # graded | error
    score: float = 0.0
    max_score: int = 0
    source: str
    paper: dict[str, Any] | None = None
    error: str | None = None
    questions: list[QuestionResult] = []


Generate = Callable[..., Paper]


def _result(graded: Graded, prompt: str, kind: str) -> QuestionResult:
    v = graded.verdict
    return QuestionResult(
        id=graded.id, template=graded.template, topic=graded.topic, kind=kind, prompt=prompt,
        answer=graded.answer, status=v.status, credit=v.credit, mistake=v.mistake,
        mistake_name=v.mistake_name, feedback=v.feedback, expected=v.expected, working=v.working,
    )


def grade_sheet(entry: SheetEntry, bank: Any, generate: Generate) -> StudentResult:
    """Regenerate the paper of one sheet and grade every question (never raises for
    a problem of this sheet: it becomes an ``error`` result)."""
    if entry.sheet is None:
        return StudentResult(student=entry.student, status="error", source=entry.source, error=entry.error)
    if names_an_output(entry.student, stem=True):
        return StudentResult(student=entry.student, status="error", source=entry.source,
                             error=f"{entry.source}: student {entry.student!r} has the name of an output file "
                                   f"({', '.join(OUTPUT_FILES)}); rename the student and grade again")
    sheet = entry.sheet
    options = {"seed": sheet.seed, "student_id": sheet.student_id, "count": sheet.count,
               "topics": sheet.topics, "difficulty": sheet.difficulty}
    try:
        paper = generate(bank, seed=sheet.seed, student=sheet.student_id, count=sheet.count,
                         topics=tuple(sheet.topics), difficulty=sheet.difficulty)
    except CnnquizError as error:
        return StudentResult(student=sheet.student, status="error", source=entry.source, paper=options,
                             error=f"{entry.source}: the paper cannot be generated: {error}")
    ids = [q.id for q in paper.questions]
    unknown = [key for key, text in sheet.answers.items() if key not in ids and text.strip()]
    if unknown:
        return StudentResult(
            student=sheet.student, status="error", source=entry.source, paper=options,
            error=f"{entry.source}: answers.{unknown[0]}: not on this paper (it has {ids[0]}..{ids[-1]}); "
                  "check the seed, student_id and count",
        )
    results, graded = [], []
    for question in paper.questions:
        text = sheet.answers.get(question.id, "")
        verdict = check(question, text) if text.strip() else skipped(question)
        item = Graded(id=question.id, topic=question.topic, template=question.template,
                      answer=text if text.strip() else None, verdict=verdict)
        graded.append(item)
        results.append(_result(item, question.prompt, question.kind.value))
    score, max_score = total(graded)
    options["seed"] = paper.seed
    return StudentResult(student=sheet.student, status="graded", score=score, max_score=max_score,
                         source=entry.source, paper=options, questions=results)


def grades_csv(results: Sequence[StudentResult]) -> str:
    """``student,score,max_score,status``, one row per result, in the order given
    (the one gradebook format of :mod:`cnnquiz.gradebook`, shared with code grading)."""
    return gradebook.grades_csv(GradebookRow(r.student, r.score, r.max_score, r.status) for r in results)


def _student_json(result: StudentResult) -> str:
    """``<student>.json``: UTF-8 text; a lone surrogate (a JSON sheet can spell one) shown as ``\\xNN``."""
    return json.dumps(for_json(result.model_dump(mode="json")), indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def grade_answers(
    sheets: str | Path,
    out_dir: str | Path,
    *,
    bank: Any = None,
    generate: Generate | None = None,
) -> list[StudentResult]:
    """Grade every sheet under ``sheets`` and write ``out_dir/grades.csv`` and
    ``out_dir/<student>.json``. Results are sorted by student.

    ``bank`` defaults to the shipped bank; ``generate`` to
    :func:`cnnquiz.bank.generate_paper` (both replaceable for tests).

    Raises
    ------
    SheetError
        When ``sheets`` holds nothing to grade.
    GradingError
        When ``out_dir`` cannot be written.
    """
    entries = read_sheets(sheets)
    if generate is None or bank is None:
        from cnnquiz.bank import generate_paper, load_bank

        generate = generate or generate_paper
        bank = bank if bank is not None else load_bank()
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise GradingError(f"--out {out}: cannot create the directory: {error.strerror}") from None
    by_student: dict[str, list[StudentResult]] = {}
    for entry in entries:
        result = grade_sheet(entry, bank, generate)
        by_student.setdefault(result.student, []).append(result)
    # One row per student (contract section 7). Two sheets for one student are an error
    # for that student: which one counts is the instructor's call, not ours.
    results: list[StudentResult] = []
    for student, graded in sorted(by_student.items()):
        if len(graded) == 1:
            results.append(graded[0])
            continue
        sources = ", ".join(r.source for r in graded)
        results.append(StudentResult(
            student=student, status="error", source=graded[0].source,
            error=f"student {student!r} has {len(graded)} sheets ({sources}); keep one and grade again",
        ))
    try:
        for result in results:
            # A student named like an output file keeps its error row, not a file
            # (OUT/report.json is the class report of grade).
            if not names_an_output(result.student, stem=True):
                atomic.write_text(out / f"{result.student}.json", _student_json(result))
        atomic.write_text(out / "grades.csv", grades_csv(results))
    except OSError as error:
        raise GradingError(f"--out {out}: cannot write: {error.strerror or error}") from None
    return results
