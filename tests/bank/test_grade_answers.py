"""``cnnquiz grade-answers`` end to end: YAML, JSON and a class CSV, broken sheets among good
ones, a golden grades.csv.

The sheets are written at test time from the regenerated papers (keys and known wrong
values via the generator and the solver), so the golden file holds only the outcome of
choices made here: which answers are right, which commit which mistake.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from cnnquiz.bank import generate_paper, load_bank
from cnnquiz.bank.answer_check import format_key
from cnnquiz.bank.question import Paper, Question
from cnnquiz.cli import app

BANK = Path(__file__).parent / "data" / "quiz_bank"
GOLDEN = Path(__file__).parent / "golden" / "grade_answers" / "grades.csv"
ENV = {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
runner = CliRunner()


def _paper(**options: Any) -> Paper:
    return generate_paper(load_bank([BANK]), count=4, topics=("quiz_test",), **options)


def _wrong(q: Question, mistake: str) -> str:
    return format_key(q, next(w.value for w in q.wrong_answers if w.mistake == mistake))


def _answers(paper: Paper, choose: dict[str, str]) -> dict[str, str]:
    """Per template: "key", "blank", "format", "partial" or a mistake key."""
    out = {}
    for q in paper.questions:
        how = choose.get(q.template, "key")
        if how == "key":
            out[q.id] = format_key(q)
        elif how == "blank":
            out[q.id] = ""
        elif how == "format":
            out[q.id] = "no idea"
        elif how == "partial":  # one cell of the feature map off by one
            rows = [list(r) for r in q.answer]
            rows[0][0] += 1
            out[q.id] = "; ".join(" ".join(str(v) for v in r) for r in rows)
        else:
            out[q.id] = _wrong(q, how)
    return out


def _sheets(root: Path) -> Path:
    sheets = root / "sheets"
    sheets.mkdir()
    alice = _paper(seed=1)
    (sheets / "alice.yaml").write_text(yaml.safe_dump({
        "student": "alice", "seed": 1, "count": 4, "topics": ["quiz_test"],
        "answers": _answers(alice, {"qt-volume": "channels_kept", "qt-conv-size": "forgot_plus_one"}),
    }, sort_keys=False))
    bob = _paper(student="bob")
    (sheets / "bob.json").write_text(json.dumps({
        "student": "bob", "student_id": "bob", "count": 4, "topics": ["quiz_test"],
        "answers": _answers(bob, {"qt-feature-map": "partial", "qt-order": "key"}),
    }))
    carol, dave = _paper(seed=2), _paper(student="dave")
    carol_answers = _answers(carol, {"qt-volume": "blank", "qt-feature-map": "format", "qt-order": "blank"})
    dave_answers = _answers(dave, {"qt-feature-map": "kernel_flipped"})
    with (sheets / "class.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "seed", "student_id", "count", "topics", "q1", "q2", "q3", "q4"])
        writer.writerow(["carol", 2, "", 4, "quiz_test", *(carol_answers[f"q{i}"] for i in range(1, 5))])
        writer.writerow(["dave", "", "dave", 4, "quiz_test", *(dave_answers[f"q{i}"] for i in range(1, 5))])
        writer.writerow(["erin", "", "", 4, "quiz_test", "1", "2", "3", "4"])  # no seed, no student id
    (sheets / "broken.yaml").write_text("student: frank\nseed: [1\n")
    (sheets / "gina.yaml").write_text("student: gina\nseed: 3\ncount: 2\ntopics: [quiz_test]\nanswers: {q7: '1'}\n")
    return sheets


def _grade(tmp_path: Path, *extra: str):
    sheets = _sheets(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["grade-answers", str(sheets), "--out", str(out), "--bank", str(BANK), *extra], env=ENV)
    return result, out


def test_grades_csv_matches_the_golden_file(tmp_path: Path) -> None:
    result, out = _grade(tmp_path)
    assert result.exit_code == 0, result.output
    text = (out / "grades.csv").read_text()
    if os.environ.get("CNNQUIZ_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()


def test_every_student_gets_a_json_with_verdicts_mistakes_and_workings(tmp_path: Path) -> None:
    result, out = _grade(tmp_path)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "alice.json", "bob.json", "broken.json", "carol.json", "dave.json", "erin.json", "gina.json", "grades.csv"]
    alice = json.loads((out / "alice.json").read_text())
    assert (alice["status"], alice["max_score"], alice["paper"]["seed"]) == ("graded", 4, 1)
    by_template = {q["template"]: q for q in alice["questions"]}
    forgot = by_template["qt-conv-size"]
    assert (forgot["status"], forgot["credit"], forgot["mistake"]) == ("wrong", 0.0, "forgot_plus_one")
    assert forgot["mistake_name"] == "you forgot the +1" and "you forgot the +1" in forgot["feedback"]
    assert forgot["working"].startswith("out = (in + 2 x padding - kernel) / stride + 1")
    kept = by_template["qt-volume"]
    assert (kept["status"], kept["mistake"]) == ("partial", "channels_kept") and abs(kept["credit"] - 2 / 3) < 1e-9
    assert {q["id"] for q in alice["questions"]} == {"q1", "q2", "q3", "q4"}

    dave = json.loads((out / "dave.json").read_text())
    flipped = next(q for q in dave["questions"] if q["template"] == "qt-feature-map")
    assert flipped["mistake"] == "kernel_flipped" and "flipped kernel" in flipped["feedback"]
    assert dave["paper"]["student_id"] == "dave"

    carol = json.loads((out / "carol.json").read_text())
    assert sorted(q["status"] for q in carol["questions"]) == ["correct", "format_error", "skipped", "skipped"]


def test_broken_sheets_are_errors_for_those_students_alone(tmp_path: Path) -> None:
    result, out = _grade(tmp_path)
    assert result.exit_code == 0
    broken = json.loads((out / "broken.json").read_text())
    assert broken["status"] == "error" and broken["error"].startswith("broken.yaml: line 3:")
    erin = json.loads((out / "erin.json").read_text())
    assert erin["error"] == "class.csv: row 4: sheet: give the paper's seed or its student_id (exactly one)"
    gina = json.loads((out / "gina.json").read_text())
    assert "answers.q7: not on this paper (it has q1..q2)" in gina["error"]
    output = " ".join(result.output.split())
    assert "erin: class.csv: row 4: sheet: give the paper's seed or its student_id" in output


def test_student_names_reach_the_terminal_as_typed(tmp_path: Path) -> None:
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    # A name is file-name safe (no '/', no control characters), but may hold console markup.
    (sheets / "mallory.json").write_text(json.dumps({"student": "mal[red]lory", "seed": 1, "count": 1,
                                                      "topics": ["quiz_test"], "answers": {"q1": "1"}}))
    result = runner.invoke(app, ["grade-answers", str(sheets), "--out", str(tmp_path / "o"),
                                 "--bank", str(BANK)], env=ENV)
    assert result.exit_code == 0, result.output
    assert "mal[red]lory" in result.output


def test_a_student_named_like_an_output_file_is_an_error_row_not_a_file(tmp_path: Path) -> None:
    sheets = _sheets(tmp_path)
    for name in ("report", "Grades"):  # OUT/report.json would read as the class report of grade
        (sheets / f"{name}-sheet.json").write_text(json.dumps({
            "student": name, "seed": 1, "count": 4, "topics": ["quiz_test"], "answers": {"q1": "1"}}))
    out = tmp_path / "out"
    result = runner.invoke(app, ["grade-answers", str(sheets), "--out", str(out), "--bank", str(BANK)], env=ENV)
    assert result.exit_code == 0, result.output
    assert not (out / "report.json").exists() and not (out / "Grades.json").exists()
    rows = {row["student"]: row for row in csv.DictReader((out / "grades.csv").open())}
    assert (rows["report"]["status"], rows["Grades"]["status"]) == ("error", "error")
    assert "report-sheet.json: student 'report' has the name of an output file" in " ".join(result.output.split())
    report = runner.invoke(app, ["report", str(out), "--json"], env=ENV)
    assert report.exit_code == 0, report.output
    assert json.loads(report.output)["students"] == 7


def test_a_single_sheet_file(tmp_path: Path) -> None:
    sheets = _sheets(tmp_path)
    result = runner.invoke(app, ["grade-answers", str(sheets / "bob.json"), "--out", str(tmp_path / "o"),
                                 "--bank", str(BANK)], env=ENV)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "grades.csv").read_text().splitlines()[1:] == ["bob,3.75,4,graded"]


def test_it_exits_non_zero_only_when_grading_cannot_run(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["grade-answers", str(tmp_path / "nope"), "--out", str(tmp_path / "o")], env=ENV)
    assert missing.exit_code == 2 and "no such file or directory" in missing.output
    sheets = _sheets(tmp_path)
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    unwritable = runner.invoke(app, ["grade-answers", str(sheets), "--out", str(blocker), "--bank", str(BANK)], env=ENV)
    assert unwritable.exit_code == 2 and "cannot create the directory" in unwritable.output
    bad_bank = runner.invoke(app, ["grade-answers", str(sheets), "--out", str(tmp_path / "o"),
                                   "--bank", str(tmp_path / "no_bank")], env=ENV)
    assert bad_bank.exit_code == 2 and "error:" in bad_bank.output


def test_papers_made_without_the_shipped_bank_are_regraded_with_no_shipped(tmp_path: Path) -> None:
    # cnnquiz generate --no-shipped --bank BANK: without the shipped templates the paper differs,
    # so the sheet can only be graded against the same bank (--no-shipped here too).
    paper = generate_paper(load_bank([BANK], include_shipped=False), seed=5, count=3)
    sheet = tmp_path / "zoe.yaml"
    sheet.write_text(yaml.safe_dump({"student": "zoe", "seed": 5, "count": 3,
                                     "answers": {q.id: format_key(q) for q in paper.questions}}))
    out = tmp_path / "out"
    result = runner.invoke(app, ["grade-answers", str(sheet), "--out", str(out), "--bank", str(BANK),
                                 "--no-shipped"], env=ENV)
    assert result.exit_code == 0, result.output
    assert (out / "grades.csv").read_text().splitlines()[1:] == ["zoe,3,3,graded"]
