"""The report reads what the graders really write: the grading golden report.json, and a
grade-answers run on the shipped bank (mistakes committed on purpose, values from the solver)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from cnnquiz.bank import generate_paper, load_bank
from cnnquiz.bank.answer_format import format_answer
from cnnquiz.bank.sheets import grade_answers
from cnnquiz.report import Source, class_report, load_class

GRADING_GOLDEN = Path(__file__).parents[1] / "grading" / "golden" / "report.json"


def test_report_json_written_by_grade(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(GRADING_GOLDEN, out / "report.json")
    expected = json.loads(GRADING_GOLDEN.read_text())
    report = class_report(load_class(out))
    assert report.source is Source.CODE and report.students == len(expected)
    assert [i.id for i in report.items] == list(dict.fromkeys(t["name"] for s in expected for t in s["tests"]))
    # Every "likely mistake:" line of the grader's output is read back as a catalogue key.
    named = sum("likely mistake:" in t["output"] for s in expected for t in s["tests"])
    assert named > 0
    assert sum(len(m.students) for m in report.mistakes) >= 1
    assert {"forgot_plus_one"} <= {m.mistake for m in report.mistakes}


def test_grade_answers_output_pools_templates(tmp_path: Path) -> None:
    bank = load_bank()
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    options = {"count": 3, "topics": ["output_size"]}
    for student, seed, mode in (("alice", 1, "key"), ("bob", 2, "mistake"), ("carol", 3, "blank")):
        paper = generate_paper(bank, seed=seed, count=3, topics=("output_size",))
        answers = {}
        for q in paper.questions:
            if mode == "key":
                answers[q.id] = format_answer(q)
            elif mode == "mistake" and q.wrong_answers:
                answers[q.id] = format_answer(q, q.wrong_answers[0].value)
            else:
                answers[q.id] = ""
        (sheets / f"{student}.yaml").write_text(yaml.safe_dump({"student": student, "seed": seed, **options,
                                                                "answers": answers}))
    grade_answers(sheets, tmp_path / "out", bank=bank, generate=generate_paper)
    report = class_report(load_class(tmp_path / "out"))
    assert report.source is Source.ANSWERS and report.students == 3
    templates = {q.template for seed in (1, 2, 3) for q in generate_paper(bank, seed=seed, count=3,
                                                                          topics=("output_size",)).questions}
    assert {i.id for i in report.items} == templates  # items are templates, pooled over students
    assert all(i.group == "output_size" for i in report.items)
    bob_mistakes = {m.mistake for m in report.mistakes if "bob" in m.students}
    assert bob_mistakes and not any("alice" in m.students for m in report.mistakes)
