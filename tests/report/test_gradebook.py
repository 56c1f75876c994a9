"""LMS gradebooks (Canvas, Moodle, CSV) with a roster and a late policy: goldens and hand checks."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cnnquiz.cli import app
from cnnquiz.report import ReportError
from cnnquiz.report.gradebook import export_gradebook
from cnnquiz.report.late import load_policy, submission_times
from cnnquiz.report.roster import read_roster

from .report_helpers import answers_class, code_class, golden

ENV = {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
runner = CliRunner()

ROSTER = """\
folder,Student,ID,SIS User ID,SIS Login ID,Section,Email
ann,"Lee, Ann",101,S1,alee,A,ann@uni.edu
bob,=HYPERLINK(1),102,S2,bsmith,A,
cat,Cat Chu,103,S3,cchu,B,cat@uni.edu
eve,Eve Ng,105,S5,eng,B,eve@uni.edu
zed,Zed Z,106,S6,zz,B,zed@uni.edu
"""
# dan is graded but not on the roster (unknown); zed is on the roster with no result (missing).

TIMES = """\
student,submitted_at
ann,2026-03-01T23:00:00Z
bob,2026-03-02T00:10:00+00:00
cat,2026-03-03T12:00:00+00:00
dan,2026-03-10T08:00:00+00:00
"""

POLICY = """\
due: 2026-03-01T23:59:00+00:00
per_day: 10
cap: 25
grace_minutes: 15
times: {from: csv, path: times.csv}
"""


@pytest.fixture()
def course(tmp_path: Path) -> Path:
    code_class(tmp_path / "out")
    (tmp_path / "roster.csv").write_text(ROSTER)
    (tmp_path / "times.csv").write_text(TIMES)
    (tmp_path / "late.yaml").write_text(POLICY)
    return tmp_path


@pytest.mark.parametrize("kind", ["canvas", "moodle", "csv"])
@pytest.mark.parametrize("suffix", ["csv", "txt"])
def test_gradebook_goldens(course: Path, kind: str, suffix: str) -> None:
    export_gradebook(course / "out", kind, course / "roster.csv", assignment="CNN homework (77)",
                     late_policy=course / "late.yaml")
    golden(f"gradebook-{kind}.{suffix}", (course / "out" / f"gradebook-{kind}.{suffix}").read_text())


def test_late_policy_by_hand(course: Path) -> None:
    export = export_gradebook(course / "out", "csv", course / "roster.csv", late_policy=course / "late.yaml",
                              write=False)
    final = {line.entry.folder: line.final for line in export.lines}
    # ann on time (4); bob 11 minutes late, inside the 15-minute grace (3);
    # cat 1 day 11 h 46 min after due + grace -> 2 started days -> 20 % of 4 = 0.8 -> 1 - 0.8 = 0.2;
    # dan 8 days 7 h 46 min -> 9 started days -> 90 %, capped at 25 % of 4 = 1 -> 1 - 1 = 0;
    # eve (error) has no time: no deduction, 0; zed has no result: blank (None).
    assert final == {"ann": 4, "bob": 3, "cat": pytest.approx(0.2), "eve": 0, "zed": None, "dan": 0}
    late = {line.entry.folder: line.late for line in export.lines if line.late}
    assert late["cat"].days == 2 and late["dan"].days == 9 and late["bob"].days == 0
    assert "late by 2 days (submitted 2026-03-03 12:00 UTC, due 2026-03-01 23:59 UTC): -20% of 4 = -0.8 points" \
        in late["cat"].statement
    assert "-25% (the cap)" in late["dan"].statement
    assert "no submission time found" in late["eve"].statement
    assert (export.unknown, export.missing) == (("dan",), ("zed",))


def test_canvas_file_has_the_points_row_and_no_formula(course: Path) -> None:
    text = export_gradebook(course / "out", "canvas", course / "roster.csv", write=False).text
    lines = text.splitlines()
    assert lines[0] == "Student,ID,SIS User ID,SIS Login ID,Section,cnnquiz"
    assert lines[1] == "    Points Possible,,,,,4"
    assert "'=HYPERLINK(1),102" in text  # a roster cell is text, never a formula
    assert "dan" not in text and lines[-1].startswith("Zed Z,106") and lines[-1].endswith(",")  # missing: blank


def test_answer_sheets_with_different_maxima_are_scaled(course: Path, tmp_path: Path) -> None:
    answers_class(tmp_path / "sheets")
    (tmp_path / "r.csv").write_text("folder,email\nal,al@x\nbo,bo@x\ncy,cy@x\n")
    export = export_gradebook(tmp_path / "sheets", "moodle", tmp_path / "r.csv", write=False)
    # al 1.5/3, bo 1/2, cy 1/2: the usual maximum is 2, so al is scaled to 1/2.
    assert export.points == 2
    assert export.text.splitlines() == [
        "email,grade,feedback", "al@x,1,cnnquiz: 1.5/3; scaled from 1.5/3 to 1/2", "bo@x,1,cnnquiz: 1/2",
        "cy@x,1,cnnquiz: 1/2"]


def test_gradescope_and_git_times(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    (subs / "ann").mkdir(parents=True)
    (subs / "ann" / "submission_metadata.json").write_text(json.dumps({"created_at": "2026-03-02T10:00:00.5+01:00"}))
    (tmp_path / "g.yaml").write_text("due: 2026-03-01T00:00:00Z\nper_day: 5\ntimes: {from: gradescope, path: subs}\n")
    times = submission_times(load_policy(tmp_path / "g.yaml"), ["ann", "bob"])
    assert times == {"ann": dt.datetime(2026, 3, 2, 9, 0, 0, 500000, tzinfo=dt.timezone.utc)}
    repo = subs / "bob"
    repo.mkdir()
    (repo / "cnn.py").write_text("x = 1\n")
    env = {"GIT_COMMITTER_DATE": "2026-03-04T05:06:07+00:00", "GIT_AUTHOR_DATE": "2026-03-04T05:06:07+00:00",
           "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for args in (["init", "-q"], ["add", "."], ["-c", "user.email=b@x", "-c", "user.name=b", "commit", "-qm", "hw"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)
    (tmp_path / "git.yaml").write_text("due: 2026-03-01T00:00:00Z\nper_day: 5\ntimes: {from: git, path: subs}\n")
    assert submission_times(load_policy(tmp_path / "git.yaml"), ["bob"]) == {
        "bob": dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.timezone.utc)}


@pytest.mark.parametrize(("policy", "message"), [
    ("due: 2026-03-01T00:00:00\nper_day: 5\ntimes: {from: csv, path: t.csv}\n", "due: .*time zone"),
    ("due: 2026-03-01T00:00:00Z\nper_day: 0\ntimes: {from: csv, path: t.csv}\n", "per_day: .*greater than 0"),
    ("due: 2026-03-01T00:00:00Z\nper_day: 5\ntimes: {from: moodle, path: t.csv}\n", "times.from"),
    ("- 1\n", "a late policy is a mapping"),
])
def test_bad_policies_are_one_line_errors(tmp_path: Path, policy: str, message: str) -> None:
    (tmp_path / "p.yaml").write_text(policy)
    with pytest.raises(ReportError, match=message):
        load_policy(tmp_path / "p.yaml")


@pytest.mark.parametrize(("roster", "message"), [
    ("Student,ID\nAnn,1\n", "needs a 'folder' column"),
    ("folder\nann\nann\n", "row 3: folder 'ann' is also on row 2"),
    ("folder\n", "no students"),
])
def test_bad_rosters(tmp_path: Path, roster: str, message: str) -> None:
    (tmp_path / "r.csv").write_text(roster)
    with pytest.raises(ReportError, match=message):
        read_roster(tmp_path / "r.csv")


def test_cli_lists_unknown_and_missing_on_stderr(course: Path) -> None:
    result = runner.invoke(app, ["gradebook", str(course / "out"), "--lms", "canvas", "--roster",
                                 str(course / "roster.csv")], env=ENV)
    assert result.exit_code == 0, result.output
    assert "warning: 1 not on the roster: dan" in result.stderr
    assert "warning: 1 no result: zed" in result.stderr
    assert (course / "out" / "gradebook-canvas.csv").is_file()
    bad = runner.invoke(app, ["gradebook", str(course / "out"), "--lms", "blackboard", "--roster",
                              str(course / "roster.csv")], env=ENV)
    assert bad.exit_code == 2 and "--lms must be canvas, moodle or csv" in bad.output


def test_options_shared_with_grading_are_checked_first(course: Path) -> None:
    from cnnquiz.cli.gradebook_cmd import check_gradebook_options, gradebook_after_grading

    check_gradebook_options(None, None, None)  # nothing asked: nothing to check
    with pytest.raises(ReportError, match="--gradebook and --roster go together"):
        check_gradebook_options("canvas", None, None)
    with pytest.raises(ReportError, match="give --gradebook to cnnquiz merge"):
        check_gradebook_options("canvas", course / "roster.csv", None, shard="1/2")
    with pytest.raises(ReportError, match="--roster .*: cannot read"):
        check_gradebook_options("canvas", course / "nope.csv", None)
    gradebook_after_grading(course / "out", "moodle", course / "roster.csv", course / "late.yaml")
    assert "late by 2 days" in (course / "out" / "gradebook-moodle.csv").read_text()


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-02T10:00:00Z", dt.datetime(2026, 3, 2, 10, tzinfo=dt.timezone.utc)),
    ("2026-03-02T10:00:00.5+01:00", dt.datetime(2026, 3, 2, 9, 0, 0, 500000, tzinfo=dt.timezone.utc)),
    ("2026-03-02 10:00:00-08:00", dt.datetime(2026, 3, 2, 18, tzinfo=dt.timezone.utc)),
])
def test_submission_times_in_any_iso_form(text: str, expected: dt.datetime) -> None:
    from cnnquiz.report.late import parse_time

    assert parse_time(text, "t") == expected


@pytest.mark.parametrize(("text", "message"), [("yesterday", "not an ISO 8601 time"),
                                               ("2026-03-02T10:00:00", "has no time zone")])
def test_bad_submission_times(text: str, message: str) -> None:
    from cnnquiz.report.late import parse_time

    with pytest.raises(ReportError, match=f"times.csv: row 2: .*{message}"):
        parse_time(text, "times.csv: row 2")
