"""Answer sheets: reading YAML / JSON / CSV, one-line validation errors, grading one sheet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cnnquiz import mistakes
from cnnquiz.bank.question import Paper, Question, WrongAnswer
from cnnquiz.bank.sheets import Sheet, SheetEntry, grade_answers, grade_sheet, grades_csv, read_sheets
from cnnquiz.errors import BankError, GradingError, SheetError


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def _one(path: Path) -> SheetEntry:
    entries = read_sheets(path)
    assert len(entries) == 1
    return entries[0]


def test_yaml_answers_are_read_exactly_as_typed(tmp_path: Path) -> None:
    entry = _one(_write(tmp_path, "alice.yaml", """
student: alice
seed: 42
count: 3
topics: [output_size, pool_size]
answers:
  q1: 0.50
  q2: 32 x 32 x 10
  q3: [10, 32, 32]
  q4: 1:30
  q5: 28_326
  q6: [[4, 3], [2, 4]]
  q7:
"""))
    assert entry.error is None and entry.sheet is not None
    sheet = entry.sheet
    assert (sheet.student, sheet.seed, sheet.count, sheet.topics) == ("alice", 42, 3, ["output_size", "pool_size"])
    assert sheet.answers == {"q1": "0.50", "q2": "32 x 32 x 10", "q3": "[10, 32, 32]", "q4": "1:30",
                             "q5": "28_326", "q6": "[[4, 3], [2, 4]]", "q7": ""}


def test_json_numbers_become_text(tmp_path: Path) -> None:
    data = {"student": "bob", "student_id": "bob", "answers": {"q1": 28, "q2": 0.5, "q3": [10, 32, 32]}}
    entry = _one(_write(tmp_path, "bob.json", json.dumps(data)))
    assert entry.sheet is not None and entry.sheet.count == 10
    assert entry.sheet.answers == {"q1": "28", "q2": "0.5", "q3": "[10, 32, 32]"}


def test_a_class_csv_gives_one_sheet_per_row(tmp_path: Path) -> None:
    path = _write(tmp_path, "class.csv", "\ufeffStudent,Seed,Student-ID,count,topics,q1,q2\n"
                  "carol,7,,2,output_size;pool_size,28,\"32, 32\"\n"
                  "dave,,dave,,,,b\n\n")
    carol, dave = read_sheets(path)
    assert carol.source == f"{path}: row 2"
    assert carol.sheet is not None and carol.sheet.topics == ["output_size", "pool_size"]
    assert carol.sheet.answers == {"q1": "28", "q2": "32, 32"}
    assert dave.sheet is not None and (dave.sheet.student_id, dave.sheet.seed, dave.sheet.count) == ("dave", None, 10)
    assert dave.sheet.answers == {"q1": "", "q2": "b"}


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("a.yaml", "student: a\nanswers: {q1: '1'}\n", "a.yaml: sheet: give the paper's seed or its student_id (exactly one)"),
        ("a.yaml", "student: a\nseed: 1\nstudent_id: a\n", "a.yaml: sheet: give the paper's seed or its student_id"),
        ("a.yaml", "student: a\nseed: one\n", "a.yaml: seed: Input should be a valid integer"),
        ("a.yaml", "student: a\nseed: 1\ncount: 0\n", "a.yaml: count: Input should be greater than or equal to 1"),
        ("a.yaml", "student: a\nseed: 1\nanswers: {x1: '2'}\n", "a.yaml: answers: question ids look like q1, q2, ...; got 'x1'"),
        ("a.yaml", "student: a\nseed: 1\nsede: 2\n", "a.yaml: sede: Extra inputs are not permitted"),
        ("a.yaml", "student: ../evil\nseed: 1\n", "a.yaml: student: must be a name usable as a file name"),
        ("a.yaml", "seed: 1\n", "a.yaml: student: Field required"),
        ("a.yaml", "student: a\nseed: [1\n", "a.yaml: line 3:"),
        ("a.yaml", "- just\n- a list\n", "a.yaml#1: a sheet must be a mapping"),
        ("a.json", '{"student": "a", "seed": 1,}', "a.json: line 1: Expecting property name"),
        ("a.json", '{"student": "a", "seed": 1, "answers": {"q1": true}}', "a.json: answers: an answer must be text"),
        ("a.csv", "student,seed,q1\na,1,2,3\n", "a.csv: row 2: 4 cells but 3 columns"),
    ],
)
def test_a_sheet_that_does_not_validate_is_one_line_naming_file_and_field(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    entries = read_sheets(_write(tmp_path, name, text))
    assert entries[0].sheet is None
    assert entries[0].error.startswith(f"{tmp_path}/{message}"), entries[0].error
    assert "\n" not in entries[0].error


def test_a_directory_reads_every_sheet_file_and_ignores_others(tmp_path: Path) -> None:
    _write(tmp_path, "b.yml", "student: b\nseed: 1\n")
    _write(tmp_path, "a.json", '{"student": "a", "seed": 1}')
    _write(tmp_path, "notes.txt", "not a sheet")
    _write(tmp_path, ".hidden.yaml", "student: h\nseed: 1\n")
    assert [e.student for e in read_sheets(tmp_path)] == ["a", "b"]


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing", "no such file or directory"),
    (lambda d: d, "no answer sheets here"),
    (lambda d: _write(d, "x.txt", ""), "an answer sheet must be .yaml, .yml, .json, .csv"),
])
def test_nothing_to_grade_is_a_sheet_error(tmp_path: Path, make: Any, message: str) -> None:
    with pytest.raises(SheetError, match=message):
        read_sheets(make(tmp_path))


# --- grading with a hand-made paper ----------------------------------------------------

def _paper_question(qid: str, size: int) -> Question:
    params = dict(size=size, kernel_size=3, padding=0, stride=2)
    return Question(
        id=qid, template="hand-size", topic="output_size", difficulty=1, kind="integer", prompt=f"size {size}?",
        params=params, answer=mistakes.compute("conv2d_output_size", params), computation="conv2d_output_size",
        wrong_answers=[WrongAnswer(mistake=k, value=v) for k, v in mistakes.mistaken_values("conv2d_output_size", params).items()],
        working=mistakes.working("conv2d_output_size", params),
    )


def fake_generate(bank: Any, *, seed: int | None = None, student: str | None = None, count: int = 10,
                  topics: tuple[str, ...] = (), difficulty: int | None = None) -> Paper:
    if "nope" in topics:
        raise BankError("unknown topic 'nope' (known: output_size)")
    seed = seed if seed is not None else len(student or "")
    return Paper(seed=seed, student=student, count=count, topics=list(topics),
                 questions=[_paper_question(f"q{i}", 10 + seed + i) for i in range(1, count + 1)])


def _entry(**fields: Any) -> SheetEntry:
    sheet = Sheet.model_validate({"student": "s", **fields})
    return SheetEntry("s.yaml", sheet.student, sheet=sheet)


def test_grade_sheet_scores_names_mistakes_and_skips_blanks() -> None:
    paper = fake_generate(None, seed=1, count=3)
    q1, q2, _ = paper.questions
    forgot = next(w.value for w in q2.wrong_answers if w.mistake == "forgot_plus_one")
    result = grade_sheet(_entry(seed=1, count=3, answers={"q1": str(q1.answer), "q2": str(forgot), "q3": " "}),
                         None, fake_generate)
    assert (result.status, result.score, result.max_score) == ("graded", 1.0, 3)
    statuses = [(q.status, q.mistake, q.answer) for q in result.questions]
    assert statuses == [("correct", None, str(q1.answer)), ("wrong", "forgot_plus_one", str(forgot)), ("skipped", None, None)]
    assert result.questions[1].mistake_name == "you forgot the +1"
    assert result.questions[1].working == q2.working
    assert result.paper == {"seed": 1, "student_id": None, "count": 3, "topics": [], "difficulty": None}


def test_answers_to_questions_not_on_the_paper_are_an_error() -> None:
    result = grade_sheet(_entry(seed=1, count=2, answers={"q1": "1", "q5": "2"}), None, fake_generate)
    assert result.status == "error"
    assert result.error == "s.yaml: answers.q5: not on this paper (it has q1..q2); check the seed, student_id and count"


def test_a_paper_that_cannot_be_generated_is_an_error_for_that_student() -> None:
    result = grade_sheet(_entry(seed=1, topics=["nope"]), None, fake_generate)
    assert result.status == "error" and "the paper cannot be generated: unknown topic 'nope'" in result.error


def test_grades_csv_format() -> None:
    ok = grade_sheet(_entry(seed=1, count=3, answers={"q1": "6"}), None, fake_generate)
    text = grades_csv([ok.model_copy(update={"score": 2 / 3})])
    assert text == "student,score,max_score,status\ns,0.67,3,graded\n"


def test_grade_answers_writes_every_student_and_flags_duplicates(tmp_path: Path) -> None:
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    _write(sheets, "a.yaml", "student: ann\nseed: 0\ncount: 1\nanswers: {q1: '6'}\n")
    _write(sheets, "b.yaml", "student: ann\nseed: 1\ncount: 1\n")
    _write(sheets, "c.yaml", "student: [\n")
    results = grade_answers(sheets, tmp_path / "out", bank=object(), generate=fake_generate)
    # One row per student: two sheets for ann are an error for ann alone.
    assert [(r.student, r.status) for r in results] == [("ann", "error"), ("c", "error")]
    assert "student 'ann' has 2 sheets (a.yaml, b.yaml); keep one" in results[0].error
    assert json.loads((tmp_path / "out" / "ann.json").read_text())["status"] == "error"
    assert json.loads((tmp_path / "out" / "c.json").read_text())["status"] == "error"
    rows = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["ann", "c"]


def test_student_json_is_clean_utf8_whatever_the_sheet_held(tmp_path: Path) -> None:
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    # A JSON escape can spell a lone surrogate; an answer may hold any letter.
    _write(sheets, "ann.json", '{"student": "ann", "seed": 0, "count": 2, "answers": {"q1": "6\\udcff", "q2": "é"}}')
    (sheets / "bob.yaml").write_bytes(b"student: bob\nanswers: {q1: '6\xff'}\n")  # not UTF-8 at all
    results = grade_answers(sheets, tmp_path / "out", bank=object(), generate=fake_generate)
    assert [(r.student, r.status) for r in results] == [("ann", "graded"), ("bob", "error")]
    for name in ("ann", "bob"):
        raw = (tmp_path / "out" / f"{name}.json").read_bytes()
        raw.decode("utf-8")  # strict: raises on anything that is not UTF-8
        # A "\\udcff" escape in the file would load as a lone surrogate, which UTF-8 cannot encode.
        json.dumps(json.loads(raw), ensure_ascii=False).encode("utf-8")
    ann = json.loads((tmp_path / "out" / "ann.json").read_bytes())
    assert [q["answer"] for q in ann["questions"]] == ["6\\xff", "é"]  # the surrogate shown, the letter kept
    assert ann["questions"][0]["status"] == "format_error"
    assert "é" in (tmp_path / "out" / "ann.json").read_text(encoding="utf-8")  # UTF-8 itself, not an escape
    bob = json.loads((tmp_path / "out" / "bob.json").read_bytes())
    assert "cannot read" in bob["error"]


def test_an_unwritable_output_is_a_grading_error(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", "student: ann\nseed: 0\ncount: 1\n")
    blocker = _write(tmp_path, "out", "a file, not a directory")
    with pytest.raises(GradingError, match="--out .*out: cannot create the directory"):
        grade_answers(tmp_path / "a.yaml", blocker, bank=object(), generate=fake_generate)
