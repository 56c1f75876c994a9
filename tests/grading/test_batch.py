"""Batch grading: discovery, hashes, shards, resume after an interruption, crashes, hostiles."""

from __future__ import annotations

import shutil
import threading

import pytest
from buggy import CORRECT
from grading_helpers import EXAMPLES, FAST, read_json

from typer.testing import CliRunner

from cnnquiz.cli import app
from cnnquiz.errors import GradingError
from cnnquiz.grading import grader as grader_module
from cnnquiz.grading.reports import read_student
from cnnquiz.grading.batch import Grader, Shard, find_students, grade_batch, submission_hash
from cnnquiz.grading.results import StudentStatus, TestStatus
from cnnquiz.grading.sandbox import IsolationLevel


runner = CliRunner()
CLASS = [folder.name for folder in find_students(EXAMPLES)]  # the shipped example students


@pytest.fixture(scope="module")
def grader(cnn):
    return Grader(cnn, limits=FAST)


@pytest.fixture
def subs(tmp_path):
    root = tmp_path / "subs"
    shutil.copytree(EXAMPLES, root)
    return root


def wait_for_workers():
    for thread in threading.enumerate():
        if thread.name.startswith("cnnquiz-grade"):
            thread.join()


def test_find_students_sorted_without_hidden(tmp_path):
    for name in ("b", "a", ".git", "__pycache__"):
        (tmp_path / name).mkdir()
    (tmp_path / "notes.txt").write_text("x")
    assert [p.name for p in find_students(tmp_path)] == ["a", "b"]
    with pytest.raises(GradingError, match="not a folder of submissions"):
        find_students(tmp_path / "notes.txt")


def test_an_output_folder_inside_the_submissions_is_not_a_student(grader, tmp_path):
    subs = tmp_path / "subs"
    shutil.copytree(EXAMPLES / "alice_correct", subs / "alice")
    out = subs / "grades"
    for _ in range(2):  # the second run sees the first one's output folder
        summary = grade_batch(subs, out, grader, jobs=1)
        assert [r.student for r in summary.results] == ["alice"]
    rows = [row.split(",") for row in (out / "grades.csv").read_text().splitlines()[1:]]
    assert [(r[0], r[3]) for r in rows] == [("alice", "graded")] and rows[0][1] == rows[0][2]
    assert not (out / "grades" / "results.json").exists()


def test_a_student_named_like_an_output_file_is_refused_before_grading(grader, tmp_path):
    subs = tmp_path / "subs"
    shutil.copytree(EXAMPLES / "alice_correct", subs / "alice")
    shutil.copytree(EXAMPLES / "alice_correct", subs / "grades.csv")
    with pytest.raises(GradingError, match="student folder 'grades.csv' has the name of an output file"):
        grade_batch(subs, tmp_path / "out", grader, jobs=1)
    assert not (tmp_path / "out" / "alice").exists()


def test_an_empty_class_cannot_be_graded_and_leaves_the_gradebook_alone(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    shutil.copytree(EXAMPLES / "alice_correct", subs / "alice")
    assert runner.invoke(app, ["grade", str(subs), "--out", str(out), "-j", "1"]).exit_code == 0
    before = {name: (out / name).read_bytes() for name in ("grades.csv", "report.json")}
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a student")
    result = runner.invoke(app, ["grade", str(empty), "--out", str(out)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"error: {empty}: no student folder in it (one folder per student); nothing graded" in result.output
    assert {name: (out / name).read_bytes() for name in before} == before
    fresh = runner.invoke(app, ["grade", str(empty), "--out", str(tmp_path / "fresh")])
    assert fresh.exit_code != 0 and not (tmp_path / "fresh").exists()


def test_students_recorded_by_another_run_are_named_not_mixed_in(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    shutil.copytree(EXAMPLES / "alice_correct", subs / "alice")
    shutil.copytree(EXAMPLES / "alice_correct", subs / "bob")
    assert runner.invoke(app, ["grade", str(subs), "--out", str(out), "-j", "2"]).exit_code == 0
    subset = tmp_path / "subset"
    shutil.copytree(subs / "alice", subset / "alice")
    result = runner.invoke(app, ["grade", str(subset), "--out", str(out), "--resume"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "also holds the results.json of 1 students not in this run" in said and "cnnquiz merge" in said
    assert [row.split(",")[0] for row in (out / "grades.csv").read_text().splitlines()[1:]] == ["alice"]
    assert (out / "bob" / "results.json").is_file()  # kept: merge can still combine it
    again = runner.invoke(app, ["grade", str(subs), "--out", str(out), "--resume"])
    assert again.exit_code == 0 and "not in this run" not in again.output


def test_submission_hash_follows_everything_graded(tmp_path):
    # Issue 8: the hash covers names, types and contents of all the sandbox copies
    # (a __pycache__ folder included: it is copied too), so any change regrades.
    (tmp_path / "cnn.py").write_text("x = 1\n")
    first = submission_hash(tmp_path)
    assert submission_hash(tmp_path) == first
    seen = {first}
    (tmp_path / "cnn.py").write_text("x = 2\n")
    seen.add(submission_hash(tmp_path))
    (tmp_path / "cnn.py").write_text("x = 1\n")
    assert submission_hash(tmp_path) == first
    (tmp_path / "extra.py").write_text("")
    seen.add(submission_hash(tmp_path))
    (tmp_path / "cnn.py").unlink()  # a resubmission without cnn.py: never the stale grade
    seen.add(submission_hash(tmp_path))
    (tmp_path / "cnn.py").mkdir()  # the same name, another type
    seen.add(submission_hash(tmp_path))
    assert len(seen) == 5


def test_shards_partition_every_class():
    students = [f"s{i:03d}" for i in range(300)]
    shards = [Shard.parse(f"{k}/4") for k in range(1, 5)]
    owners = [[s for s in students if s in shard] for shard in shards]
    assert sorted(sum(owners, [])) == students
    assert all(40 < len(part) < 110 for part in owners)
    assert Shard.parse("1/1") == Shard(1, 1)
    for bad in ("0/2", "3/2", "2", "a/b"):
        with pytest.raises(GradingError, match="--shard"):
            Shard.parse(bad)


def test_an_interrupted_run_loses_nothing_and_resume_skips_the_unchanged(grader, subs, tmp_path, monkeypatch):
    out = tmp_path / "out"
    full = grade_batch(subs, tmp_path / "full", grader, jobs=2)

    def stop(result, reused):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        grade_batch(subs, out, grader, jobs=1, on_result=stop)
    wait_for_workers()
    done = {p.parent.name for p in out.glob("*/results.json")}
    assert 1 <= len(done) < len(CLASS)
    for name in done:  # written completely (atomically), and the same as in a full run
        recorded = read_student(out / name, strict=True).report_entry()
        assert recorded == read_student(tmp_path / "full" / name, strict=True).report_entry()

    graded = []
    real_grade = Grader.grade
    monkeypatch.setattr(Grader, "grade", lambda self, folder, student=None, **kw: graded.append(student) or real_grade(self, folder, student, **kw))
    resumed = grade_batch(subs, out, grader, jobs=2, resume=True)
    assert sorted(graded) == sorted({p.name for p in subs.iterdir()} - done)
    assert resumed.reused == len(done) and resumed.graded == len(CLASS) - len(done)
    assert read_json(out / "report.json") == read_json(tmp_path / "full" / "report.json")
    assert [r.student for r in full.results] == [r.student for r in resumed.results]

    graded.clear()
    (subs / "bob_flipped_kernel" / "cnn.py").write_text(CORRECT.read_text())
    again = grade_batch(subs, out, grader, jobs=2, resume=True)
    assert graded == ["bob_flipped_kernel"] and again.reused == len(CLASS) - 1
    bob = next(r for r in again.results if r.student == "bob_flipped_kernel")
    assert bob.failed == []

    graded.clear()
    other = Grader(grader.assignment, public_only=True, limits=FAST)  # other tests: nothing is reused
    assert grade_batch(subs, out, other, jobs=2, resume=True).reused == 0 and len(graded) == len(CLASS)


def test_a_crash_of_grading_itself_is_one_error_row(grader, subs, tmp_path, monkeypatch):
    real = grader_module.run_submission

    def flaky(folder, *args, **kwargs):
        if folder.name == "carol_forgot_plus_one":
            raise RuntimeError("boom")
        return real(folder, *args, **kwargs)

    monkeypatch.setattr(grader_module, "run_submission", flaky)
    summary = grade_batch(subs, tmp_path / "out", grader, jobs=2)
    by_name = {r.student: r for r in summary.results}
    carol = by_name["carol_forgot_plus_one"]
    assert carol.status is StudentStatus.ERROR and carol.grader_error and carol.score == 0
    assert "grading itself failed (RuntimeError: boom)" in carol.output
    assert all(t.status is TestStatus.ERROR for t in carol.tests)
    assert by_name["alice_correct"].failed == [] and len(by_name) == len(CLASS)
    assert f"carol_forgot_plus_one,0,{carol.max_score:g},error" in (tmp_path / "out" / "grades.csv").read_text()
    monkeypatch.setattr(grader_module, "run_submission", real)
    resumed = grade_batch(subs, tmp_path / "out", grader, jobs=2, resume=True)
    assert resumed.graded == 1  # the grader error is graded again, the others are reused
    assert next(r for r in resumed.results if r.student == "carol_forgot_plus_one").status is StudentStatus.GRADED


HOSTILE = {
    "loops": ("relu", "def relu(x):\n    while True:\n        pass\n"),
    "exits": ("conv2d_params", "def conv2d_params(*args, **kwargs):\n    import os\n    os._exit(0)\n"),
    "hogs": ("max_pool2d", "def max_pool2d(x, kernel_size, stride=None):\n    return np.ones((1 << 31,))\n"),
    "floods": ("sigmoid", "def sigmoid(x):\n    print('spam ' * 100000)\n    return 1 / (1 + np.exp(-np.asarray(x)))\n"),
}

VANDAL = '''
import glob, os, subprocess
for path in glob.glob("{subs}/*/cnn.py") + glob.glob("{out}/*/results.json"):
    try:
        with open(path, "w") as handle:
            handle.write("hacked")
    except OSError:
        pass
try:
    subprocess.Popen(["sleep", "60"], start_new_session=True)
except OSError:
    pass
'''


def test_hostile_submissions_do_not_change_honest_results(cnn, subs, tmp_path):
    grader = Grader(cnn, limits={"call_timeout_s": 0.5})
    honest = tmp_path / "honest"
    honest.mkdir()
    for name in ("alice_correct", "bob_flipped_kernel"):
        shutil.copytree(subs / name, honest / name)
    alone = grade_batch(honest, tmp_path / "alone", grader, jobs=2)

    mixed = tmp_path / "mixed"
    shutil.copytree(honest, mixed)
    source = CORRECT.read_text()
    for name, (function, code) in HOSTILE.items():
        (mixed / name).mkdir()
        (mixed / name / "cnn.py").write_text(source.replace(f"def {function}(", f"def _unused_{function}(") + "\n" + code)
    walled = grader.isolation is not IsolationLevel.RLIMITS  # rlimits has no file-system isolation
    if walled:
        (mixed / "vandal").mkdir()
        (mixed / "vandal" / "cnn.py").write_text(source + VANDAL.format(subs=mixed, out=tmp_path / "mixed_out"))
    together = grade_batch(mixed, tmp_path / "mixed_out", grader, jobs=2)

    by_name = {r.student: r for r in together.results}
    for result in alone.results:
        assert by_name[result.student].report_entry() == result.report_entry()
    assert (mixed / "alice_correct" / "cnn.py").read_text() == source
    assert {t.status for t in by_name["loops"].failed} == {TestStatus.TIMEOUT}
    assert {t.function for t in by_name["loops"].failed} == {"relu"}
    assert {t.function for t in by_name["exits"].failed} == {"conv2d_params"}
    assert {t.function for t in by_name["hogs"].failed} == {"max_pool2d"}
    assert by_name["floods"].failed == [] and len(by_name["floods"].output) < 5000
    assert "hacked" not in (tmp_path / "mixed_out" / "alice_correct" / "results.json").read_text()


def test_a_forbidden_import_earns_no_credit(cnn, tmp_path):
    folder = tmp_path / "borrower"
    folder.mkdir()
    folder.joinpath("cnn.py").write_text(CORRECT.read_text() + "\ntry:\n    import torch\nexcept ImportError:\n    torch = None\n")
    result = Grader(cnn, public_only=True, limits=FAST).grade(folder)
    assert result.status is StudentStatus.GRADED and result.score == 0
    assert "No credit: cnn.py imports torch" in result.output
    assert all(t.summary.startswith("correct, but no credit") for t in result.tests)
