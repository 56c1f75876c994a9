"""End to end through the CLI (the real sandbox): grade, check, merge; exit codes and files."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from buggy import SHIPPED, loses
from grading_helpers import EXAMPLES, invoke, read_json

from cnnquiz.grading.cases import build_cases


def test_grade_examples_writes_every_report(graded_examples, cnn_cases):
    out, result = graded_examples
    students = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
    max_score = sum(case.points for case in cnn_cases)
    rows = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "student,score,max_score,status"
    grades = {r.split(",")[0]: r.split(",")[1:] for r in rows[1:]}
    assert sorted(grades) == students
    assert grades["alice_correct"] == [str(int(max_score)), str(int(max_score)), "graded"]
    assert grades["hana_notebook"] == grades["alice_correct"]  # the same code, handed in as a notebook
    for student, key in SHIPPED.items():
        lost = sum(case.points for case in cnn_cases if loses(key, case))
        assert grades[student] == [str(int(max_score - lost)), str(int(max_score)), "graded"], student
    report = read_json(out / "report.json")
    assert [entry["student"] for entry in report] == students
    assert all(entry["isolation"] in ("bwrap", "unshare", "rlimits") for entry in report)
    for student in students:
        gradescope = read_json(out / student / "results.json")
        assert "isolation level" in gradescope["output"]
        assert len(gradescope["tests"]) == len(cnn_cases)
    assert f"{len(students)} students: {len(students)} graded" in result.stdout


def test_shipped_buggy_examples_name_their_mistake(graded_examples):
    out, _ = graded_examples
    names = {
        "bob_flipped_kernel": "flipped kernel", "carol_forgot_plus_one": "you forgot the +1",
        "dave_pool_stride_one": "the pooling stride was taken as 1", "erin_relu_in_sigmoid": "ReLU was applied before the sigmoid",
        "frank_naive_softmax": "softmax without max-subtraction overflows", "grace_square_only": "the height was used for the width",
    }
    for student, phrase in names.items():
        failed = [t for t in read_json(out / student / "results.json")["tests"] if t["status"] == "failed"]
        assert failed and any(phrase in t["output"] for t in failed), student


def test_junit_xml_has_a_suite_per_student(graded_examples):
    out, _ = graded_examples
    root = ET.parse(out / "junit.xml").getroot()
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert sorted(suites) == sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
    assert suites["alice_correct"].get("failures") == "0"
    assert int(suites["bob_flipped_kernel"].get("failures")) > 0
    assert {p.get("name") for p in suites["bob_flipped_kernel"].find("properties")} >= {"isolation", "score"}


def test_shards_merge_into_the_full_gradebook(graded_examples, tmp_path):
    out, _ = graded_examples
    parts = []
    for k in (1, 2):
        part = tmp_path / f"shard{k}"
        assert invoke("grade", EXAMPLES, "--out", part, "--shard", f"{k}/2").exit_code == 0
        parts.append({p.name for p in part.iterdir() if p.is_dir()})
    assert parts[0].isdisjoint(parts[1]) and parts[0] | parts[1] == {p.name for p in EXAMPLES.iterdir()}
    merged = invoke("merge", tmp_path / "shard1", tmp_path / "shard2", "--out", tmp_path / "all",
                    "--junit-xml", tmp_path / "all.xml")
    assert merged.exit_code == 0, merged.output
    assert read_json(tmp_path / "all" / "report.json") == read_json(out / "report.json")
    assert (tmp_path / "all" / "grades.csv").read_text() == (out / "grades.csv").read_text()
    ET.parse(tmp_path / "all.xml")


def test_merge_refuses_a_student_graded_differently(graded_examples, tmp_path):
    out, _ = graded_examples
    other = tmp_path / "other"
    assert invoke("grade", EXAMPLES, "--out", other, "--shard", "1/1").exit_code == 0
    results = other / "alice_correct" / "results.json"
    text = results.read_text()
    assert "expected: 28" in text
    results.write_text(text.replace("expected: 28", "expected: 29", 1))
    merged = invoke("merge", out, other, "--out", tmp_path / "merged")
    assert merged.exit_code == 2
    assert "alice_correct: graded in" in merged.output and "with different results" in merged.output


def test_grade_fails_only_when_grading_cannot_run(tmp_path):
    missing = invoke("grade", tmp_path / "nope", "--out", tmp_path / "out")
    assert missing.exit_code == 2 and "nope: not a folder of submissions" in missing.output
    blocker = tmp_path / "file"
    blocker.write_text("x")
    unwritable = invoke("grade", EXAMPLES, "--out", blocker)
    assert unwritable.exit_code == 2 and "cannot write" in unwritable.output
    assert invoke("grade", EXAMPLES, "--out", tmp_path / "o", "--shard", "3/2").exit_code == 2
    bad = invoke("grade", EXAMPLES, "--out", tmp_path / "o", "--assignment", "nope")
    assert bad.exit_code == 2 and "not a shipped assignment" in bad.output


def test_a_student_without_cnn_py_is_an_error_row_not_a_failed_run(tmp_path):
    (tmp_path / "subs" / "empty").mkdir(parents=True)
    (tmp_path / "subs" / ".hidden").mkdir()
    result = invoke("grade", tmp_path / "subs", "--out", tmp_path / "out", "--isolation", "rlimits")
    assert result.exit_code == 0
    report = read_json(tmp_path / "out" / "report.json")
    assert [(r["student"], r["status"], r["score"], r["isolation"]) for r in report] == [("empty", "error", 0, "rlimits")]
    assert "warning: isolation level rlimits" in result.stderr
    assert "no cnn.py in the submission" in report[0]["tests"][0]["output"]
    assert "1 students: 0 graded, 1 not gradable;" in " ".join(result.stdout.split())
    again = invoke("grade", tmp_path / "subs", "--out", tmp_path / "out", "--isolation", "rlimits", "--resume")
    assert "0 graded, 1 not gradable (1 unchanged since their recorded result" in " ".join(again.stdout.split())


def test_an_interrupted_grade_says_how_to_resume(monkeypatch, tmp_path):
    from cnnquiz.cli import grade_cmd

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(grade_cmd, "grade_batch", interrupted)
    result = invoke("grade", EXAMPLES, "--out", tmp_path / "out")
    assert result.exit_code == 130 and "--resume" in result.output


def test_check_passes_a_correct_submission():
    result = invoke("check", EXAMPLES / "alice_correct")
    assert result.exit_code == 0, result.output
    assert "PASS" in result.stdout and "hidden" in result.stdout


def test_check_fails_a_buggy_one_and_explains(tmp_path, cnn):
    result = invoke("check", EXAMPLES / "frank_naive_softmax", "--junit-xml", tmp_path / "j.xml")
    assert result.exit_code == 1
    assert "softmax without max-subtraction overflows" in result.stdout and "FAIL" in result.stdout
    suite = ET.parse(tmp_path / "j.xml").getroot().find("testsuite")
    lost = sum(loses(SHIPPED["frank_naive_softmax"], case) for case in build_cases(cnn, public_only=True))
    assert lost >= 2 and suite.get("failures") == str(lost) and suite.get("name") == "frank_naive_softmax"


def test_check_min_score(cnn):
    public = build_cases(cnn, public_only=True)
    public_max = sum(c.points for c in public)
    earned = public_max - sum(c.points for c in public if loses(SHIPPED["frank_naive_softmax"], c))
    folder = EXAMPLES / "frank_naive_softmax"
    assert invoke("check", folder, "--min-score", f"{100 * earned / public_max:.1f}%").exit_code == 0
    assert invoke("check", folder, "--min-score", str(public_max)).exit_code == 1
    assert invoke("check", folder, "--min-score", str(earned)).exit_code == 0
    assert invoke("check", folder, "--min-score", str(earned + 0.5)).exit_code == 1
    bad = invoke("check", folder, "--min-score", "lots")
    assert bad.exit_code == 2 and "--min-score 'lots'" in bad.output
    for text in ("nan", "inf", "-5", "nan%"):  # nan used to fail every run silently, -5 pass every one
        bad = invoke("check", folder, "--min-score", text)
        assert bad.exit_code == 2 and f"--min-score {text!r}" in bad.output, text
        assert "Public tests" not in bad.output  # refused before grading


def test_check_under_github_actions_prints_annotations(monkeypatch, cnn):
    folder = EXAMPLES / "frank_naive_softmax"
    lost = [c for c in build_cases(cnn, public_only=True) if loses(SHIPPED["frank_naive_softmax"], c)]
    monkeypatch.chdir(folder)
    result = invoke("check", env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    line_of_softmax = next(i for i, text in enumerate((folder / "cnn.py").read_text().splitlines(), 1)
                           if text.startswith("def softmax"))
    assert len(lines) == len(lost) >= 2
    assert lines[0].startswith(f"::error file=cnn.py,line={line_of_softmax},title=softmax%3A logits near 1000::input: softmax(z)%0A")
    assert "::error" not in invoke("check").stdout  # only under GitHub Actions


def test_check_annotations_survive_source_the_parser_cannot_hold(monkeypatch, tmp_path):
    # ast.parse raises MemoryError or RecursionError on nesting this deep: the annotation
    # step must fall back to no line numbers, not crash the check.
    (tmp_path / "cnn.py").write_text("x = " + "-" * 200_000 + "1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = invoke("check", env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert any(line.startswith("::error ") for line in result.stdout.splitlines())


def test_check_accepts_the_file_and_reports_a_missing_one(tmp_path):
    assert invoke("check", EXAMPLES / "alice_correct" / "cnn.py").exit_code == 0
    result = invoke("check", tmp_path)
    assert result.exit_code == 1 and "no cnn.py in the submission" in result.stdout
    assert invoke("check", tmp_path / "nope").exit_code == 2


def test_check_of_the_starter_fails_every_test_with_not_implemented():
    result = invoke("check", EXAMPLES.parent / "starter")
    assert result.exit_code == 1 and "NotImplementedError" in result.stdout


@pytest.mark.parametrize("level", ["rlimits"])
def test_isolation_level_is_reported(level, tmp_path):
    result = invoke("check", EXAMPLES / "alice_correct", "--isolation", level)
    assert result.exit_code == 0 and f"isolation level {level}" in result.stdout


def test_the_shipped_workflow_runs_check_with_junit():
    import yaml

    from buggy import REPO

    workflow = yaml.safe_load((REPO / "docs" / "cnnquiz-check.yml").read_text(encoding="utf-8"))
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    run = next(step["run"] for step in steps if "cnnquiz check" in step.get("run", ""))
    assert "--junit-xml cnnquiz-results.xml" in run and "--min-score" in run
    assert (REPO / "docs" / "github-actions.md").read_text(encoding="utf-8").count("cnnquiz-check.yml") >= 2


def test_check_names_the_same_default_assignment_as_the_library():
    from cnnquiz.cli import check_cmd
    from cnnquiz.grading.assignment import DEFAULT_ASSIGNMENT

    assert check_cmd.DEFAULT_ASSIGNMENT == DEFAULT_ASSIGNMENT


def test_check_probes_the_isolation_level_in_a_thread_of_its_own(monkeypatch):
    """The probe runs in its own thread while the tests are drawn, and check's own
    detection reuses its result."""
    import threading

    from cnnquiz.grading.sandbox import detect

    order = []
    real_probe = detect._probe

    def probe(level):
        order.append(f"probe {level.value} in {threading.current_thread().name}")
        return real_probe(level)

    detect.reset_detection()
    monkeypatch.setattr(detect, "_probe", probe)
    try:
        result = invoke("check", EXAMPLES / "alice_correct")
    finally:
        detect.reset_detection()
    assert result.exit_code == 0, result.output
    probes = [step for step in order if step.startswith("probe")]
    assert probes and all(step.endswith("in cnnquiz-isolation-probe") for step in probes)  # not the main thread
    assert len(probes) == len(set(probes))  # each level probed once


def test_a_bad_assignment_leaves_no_probe_running(tmp_path):
    import threading

    result = invoke("check", tmp_path / "no-such-folder", "--assignment", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "missing.yaml" in result.output  # the assignment is named first, as it always was
    assert not [t for t in threading.enumerate() if t.name == "cnnquiz-isolation-probe"]
