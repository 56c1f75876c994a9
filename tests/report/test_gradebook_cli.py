"""--gradebook/--roster/--late-policy on grade, merge and grade-answers: the same files as
`cnnquiz gradebook`, written at the end of the run; bad options refused before grading."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from cnnquiz.bank import generate_paper, load_bank
from cnnquiz.bank.answer_format import format_answer
from cnnquiz.cli import app

EXAMPLES = Path(__file__).parents[2] / "submissions" / "examples"
ENV = {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
runner = CliRunner()


def test_grade_and_merge_write_the_gradebook(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    for name in ("alice_correct", "carol_forgot_plus_one"):
        shutil.copytree(EXAMPLES / name, subs / name)
    (tmp_path / "roster.csv").write_text("folder,Student,ID,SIS User ID,SIS Login ID,Section\n"
                                         "alice_correct,Alice,1,S1,alice,A\nzoe,Zoe,2,S2,zoe,A\n")
    graded = runner.invoke(app, ["grade", str(subs), "--out", str(tmp_path / "out"), "--gradebook", "canvas",
                                 "--roster", str(tmp_path / "roster.csv")], env=ENV)
    assert graded.exit_code == 0, graded.output
    canvas = (tmp_path / "out" / "gradebook-canvas.csv").read_text().splitlines()
    assert canvas[0].endswith(",cnnquiz") and canvas[1].startswith("    Points Possible")
    assert canvas[2].startswith("Alice,1,S1,alice,A,") and canvas[3] == "Zoe,2,S2,zoe,A,"
    assert "1 not on the roster: carol_forgot_plus_one" in graded.stderr and "1 no result: zoe" in graded.stderr
    merged = runner.invoke(app, ["merge", str(tmp_path / "out"), "--out", str(tmp_path / "merged"), "--gradebook",
                                 "csv", "--roster", str(tmp_path / "roster.csv")], env=ENV)
    assert merged.exit_code == 0, merged.output
    assert (tmp_path / "merged" / "gradebook-csv.csv").read_text().count("\n") == 4  # header, 2 roster, 1 unknown


def test_bad_gradebook_options_stop_before_grading(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = runner.invoke(app, ["grade", str(EXAMPLES), "--out", str(out), "--gradebook", "canvas"], env=ENV)
    assert done.exit_code == 2 and "--gradebook and --roster go together" in done.output
    assert not out.exists()  # nothing was graded
    (tmp_path / "r.csv").write_text("folder\nann\n")
    sharded = runner.invoke(app, ["grade", str(EXAMPLES), "--out", str(out), "--shard", "1/2", "--gradebook", "csv",
                                  "--roster", str(tmp_path / "r.csv")], env=ENV)
    assert sharded.exit_code == 2 and "give --gradebook to cnnquiz merge" in sharded.output


def test_grade_answers_writes_the_gradebook(tmp_path: Path) -> None:
    bank = load_bank()
    paper = generate_paper(bank, seed=5, count=2, topics=("output_size",))
    sheet = {"student": "ann", "seed": 5, "count": 2, "topics": ["output_size"],
             "answers": {q.id: format_answer(q) for q in paper.questions}}
    (tmp_path / "ann.yaml").write_text(yaml.safe_dump(sheet))
    (tmp_path / "roster.csv").write_text("folder,email\nann,ann@uni.edu\n")
    done = runner.invoke(app, ["grade-answers", str(tmp_path / "ann.yaml"), "--out", str(tmp_path / "out"),
                               "--gradebook", "moodle", "--roster", str(tmp_path / "roster.csv")], env=ENV)
    assert done.exit_code == 0, done.output
    assert (tmp_path / "out" / "gradebook-moodle.csv").read_text().splitlines()[1] == "ann@uni.edu,2,cnnquiz: 2/2"
