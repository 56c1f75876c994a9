"""Report formats against golden files; round trips; merge; GitHub annotations."""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import xml.etree.ElementTree as ET

import pytest
from grading_helpers import check_golden, read_json

from cnnquiz.errors import GradingError
from cnnquiz.grading import reports
from cnnquiz.grading.assignment import parse_assignment
from cnnquiz.grading.cases import build_cases
from cnnquiz.grading.compare import judge_submission
from cnnquiz.grading.results import StudentResult, TestStatus
from cnnquiz.grading.sandbox import CallOutcome, CallStatus, IsolationLevel, SandboxResult

MINI = {
    "name": "mini",
    "functions": [
        {"signature": "conv2d_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0)",
         "returns": "integer", "reference": "conv2d_output_size", "diagnose": ["forgot_plus_one"],
         "tests": [{"name": "basic", "public": True, "args": {"size": 32, "kernel_size": 5}},
                   {"name": "padded", "args": {"size": 10, "kernel_size": 3, "padding": 2}}]},
        {"signature": "softmax(z: array)", "returns": "array", "reference": "softmax",
         "diagnose": ["softmax_overflow"],
         "tests": [{"name": "near 1000", "public": True, "args": {"z": [1000, 1001]}}]},
        {"signature": "relu(x: array)", "returns": "array", "reference": "relu",
         "tests": [{"name": "loop", "args": {"x": [-1, 2]}}]},
    ],
}


def student(name, sandboxed, cases):
    status, tests, remarks = judge_submission(cases, sandboxed)
    return StudentResult(
        student=name, status=status, tests=tests, isolation=sandboxed.isolation.value,
        output="\n".join(["Assignment mini, isolation level bwrap.", *remarks]), assignment="mini",
        assignment_sha256="a" * 64, submission_sha256=name[0] * 64, execution_time=0.25,
    )


@pytest.fixture(scope="module")
def results():
    cases = build_cases(parse_assignment(MINI))

    def ok(value, seconds=0.002):
        return CallOutcome(None, CallStatus.OK, value, "", seconds)

    ann = SandboxResult(
        IsolationLevel.BWRAP, CallStatus.OK, "",
        [ok(27), ok(12), ok([math.nan, math.nan]),
         CallOutcome(None, CallStatus.TIMEOUT, None, "did not finish within 1 s", 1.0)],
        [], "", 0.25,
    )
    ben = SandboxResult(
        IsolationLevel.BWRAP, CallStatus.ERROR, "SyntaxError: invalid syntax (cnn.py, line 1)",
        [CallOutcome(None, CallStatus.ERROR, None, "", 0.0)] * 4, [], "", 0.1,
    )
    cid = SandboxResult(
        IsolationLevel.BWRAP, CallStatus.OK, "",
        [ok(28), ok(12), ok([0.2689414213699951, 0.7310585786300049]), ok([0.0, 2.0])], [], "", 0.1,
    )
    return [student("ann", ann, cases), student("ben", ben, cases), student("cid", cid, cases)]


def test_results_json_golden(results, tmp_path):
    path = reports.write_student(tmp_path, results[0])
    assert path == tmp_path / "ann" / "results.json"
    check_golden("results_ann.json", path.read_text(encoding="utf-8"))
    data = read_json(path)
    assert {"score", "max_score", "output", "tests", "execution_time"} <= set(data)
    assert all(set(t) >= {"name", "score", "max_score", "status", "output"} for t in data["tests"])
    assert {t["status"] for t in data["tests"]} <= {"passed", "failed"}  # Gradescope's vocabulary
    assert data["extra_data"]["isolation"] == "bwrap"


def test_results_json_round_trips(results, tmp_path):
    for result in results:
        reports.write_student(tmp_path, result)
        assert reports.read_student(tmp_path / result.student) == result


def test_gradebook_golden(results, tmp_path):
    reports.write_gradebook(tmp_path, results)
    check_golden("grades.csv", (tmp_path / "grades.csv").read_text(encoding="utf-8"))
    check_golden("report.json", (tmp_path / "report.json").read_text(encoding="utf-8"))
    report = read_json(tmp_path / "report.json")
    assert [r["status"] for r in report] == ["graded", "error", "graded"]
    assert [t["status"] for t in report[0]["tests"]] == ["failed", "passed", "failed", "timeout"]
    for entry in report:
        assert set(entry) == {"student", "score", "max_score", "status", "isolation", "tests"}
        assert entry["score"] == sum(t["score"] for t in entry["tests"])
        # contract section 4, and the diagnosed catalogue keys (an addition: the class report counts them)
        assert all(set(t) == {"name", "function", "score", "max_score", "status", "output", "mistakes"}
                   for t in entry["tests"])


def test_junit_golden_and_counts(results, tmp_path):
    text = reports.junit_xml(results)
    check_golden("junit.xml", text)
    root = ET.fromstring(text)
    assert root.tag == "testsuites" and root.get("tests") == "12"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["ann", "ben", "cid"]
    ann = suites[0]
    assert (ann.get("failures"), ann.get("errors")) == ("2", "1")
    assert {p.get("name"): p.get("value") for p in ann.find("properties")}["isolation"] == "bwrap"
    failure = ann.findall("testcase")[0].find("failure")
    assert failure.get("message") == "wrong value: expected 28, got 27 (you forgot the +1)"
    assert ann.findall("testcase")[3].find("error").get("type") == "timeout"
    assert suites[1].get("errors") == "4"


def test_junit_survives_control_characters(results):
    test = dataclasses.replace(results[0].tests[0], output="bad \x00\x1b[31m byte", summary="\x07bell")
    text = reports.junit_xml([dataclasses.replace(results[0], tests=[test])])
    assert ET.fromstring(text).find("testsuite/testcase/failure").get("message") == "\ufffdbell"


def test_merge_combines_and_refuses_conflicts(results, tmp_path):
    a, b, out = tmp_path / "a", tmp_path / "b", tmp_path / "out"
    reports.write_student(a, results[0])
    reports.write_student(b, results[1])
    reports.write_student(b, results[2])
    reports.write_student(a, results[2])  # the same student twice with the same result: fine
    merged = reports.merge_outputs([a, b], out)
    assert [r.student for r in merged] == ["ann", "ben", "cid"]
    assert read_json(out / "report.json") == reports.report_json(results)
    changed = dataclasses.replace(results[2], tests=results[2].tests[:1])
    reports.write_student(b, changed)
    with pytest.raises(GradingError, match=r"cid: graded in .*a and in .*b with different results"):
        reports.merge_outputs([a, b], tmp_path / "out2")
    with pytest.raises(GradingError, match="nowhere: not a folder"):
        reports.merge_outputs([tmp_path / "nowhere"], out)


def test_merge_refuses_different_assignments(results, tmp_path):
    reports.write_student(tmp_path / "a", results[0])
    reports.write_student(tmp_path / "b", dataclasses.replace(results[1], assignment_sha256="b" * 64))
    with pytest.raises(GradingError, match="were graded against different assignments"):
        reports.merge_outputs([tmp_path / "a", tmp_path / "b"], tmp_path / "out")


def test_github_annotations_escape_as_github_requires(results):
    lines = reports.github_annotations(results[0], "src/cnn.py", {"conv2d_output_size": 4})
    assert len(lines) == 3
    assert lines[0].startswith("::error file=src/cnn.py,line=4,title=conv2d_output_size%3A basic::input: ")
    assert all("\n" not in line and "\r" not in line for line in lines)
    assert "%0Aexpected: 28%0A" in lines[0]
    assert reports.escape_annotation("100%\r\n") == "100%25%0D%0A"
    assert reports.escape_annotation("a,b:c", property=True) == "a%2Cb%3Ac"


def test_unwritable_output_is_a_grading_error(results, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(GradingError, match="cannot write"):
        reports.write_student(blocker, results[0])


def test_scores_are_summed_exactly(results):
    ann = results[0]
    assert ann.score == 1 and ann.max_score == 4 and [t.status for t in ann.failed] == [
        TestStatus.FAILED, TestStatus.FAILED, TestStatus.TIMEOUT]
    rows = list(csv.reader(io.StringIO(reports.grades_csv(results))))
    assert rows[0] == ["student", "score", "max_score", "status"] and rows[1] == ["ann", "1", "4", "graded"]
