"""GitHub Classroom: the reporter's payload, and ``cnnquiz autograder classroom``."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from typer.testing import CliRunner

from cnnquiz.cli import app
from cnnquiz.grading.results import StudentResult, StudentStatus, TestResult, TestStatus
from cnnquiz.platforms.classroom import classroom_payload, encode_payload
from platform_helpers import EXAMPLES, forced_level


def _test(name: str, status: TestStatus, score: float) -> TestResult:
    return TestResult(name=name, function="relu", public=True, score=score, max_score=1.0, status=status,
                      output="...", summary="" if status is TestStatus.PASSED else f"{name} went wrong",
                      seconds=0.0125)


def test_payload_of_a_hand_made_result() -> None:
    result = StudentResult(student="s", status=StudentStatus.GRADED, isolation="rlimits", output="",
                           tests=[_test("a", TestStatus.PASSED, 1.0), _test("b", TestStatus.TIMEOUT, 0.0)])
    assert classroom_payload(result) == {
        "version": 1, "status": "fail", "max_score": 2,
        "tests": [
            {"name": "a", "status": "pass", "score": 1, "message": "", "test_code": "relu", "filename": "",
             "line_no": 0, "duration": 12},
            {"name": "b", "status": "error", "score": 0, "message": "b went wrong", "test_code": "relu",
             "filename": "", "line_no": 0, "duration": 12},
        ],
    }
    nothing = StudentResult(student="s", status=StudentStatus.ERROR, isolation="", output="", tests=[])
    assert classroom_payload(nothing)["status"] == "error"


def test_student_text_reaches_the_actions_log_without_control_sequences() -> None:
    hostile = TestResult(name="relu", function="relu", public=True, score=0.0, max_score=1.0, status=TestStatus.ERROR,
                         output="", summary="raised \x1b[2J\x1b]8;;http://x\x07 boom")
    result = StudentResult(student="s", status=StudentStatus.GRADED, isolation="", output="", tests=[hostile])
    message = classroom_payload(result)["tests"][0]["message"]
    assert "\x1b" not in message and "\x07" not in message and "boom" in message


def test_encoding_is_base64_of_json_as_the_reporter_decodes_it() -> None:
    payload = {"version": 1, "status": "pass", "max_score": 1, "tests": [{"name": "é", "score": 1}]}
    assert json.loads(base64.b64decode(encode_payload(payload)).decode("utf-8")) == payload


def test_a_lone_surrogate_in_the_payload_is_encoded_shown_not_raised() -> None:
    # Student bytes decoded with surrogateescape (an undecodable print) leave a lone surrogate.
    message = b"raised ValueError: caf\xff".decode("utf-8", "surrogateescape")
    payload = {"version": 1, "status": "fail", "max_score": 1,
               "tests": [{"name": "relu \udce9", "status": "error", "score": 0, "message": message}]}
    decoded = json.loads(base64.b64decode(encode_payload(payload)).decode("utf-8"))
    assert decoded["tests"][0]["message"] == "raised ValueError: caf\\xff"
    assert decoded["tests"][0]["name"] == "relu \\xe9"
    assert decoded["tests"][0]["score"] == 0 and decoded["status"] == "fail"


def test_the_command_writes_the_step_output(tmp_path: Path, monkeypatch) -> None:
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.setenv("CNNQUIZ_ISOLATION", forced_level())
    run = CliRunner().invoke(app, ["autograder", "classroom", str(EXAMPLES / "carol_forgot_plus_one")])
    assert run.exit_code == 0, run.output
    (line,) = output.read_text(encoding="utf-8").splitlines()
    assert line.startswith("result=")
    payload = json.loads(base64.b64decode(line.removeprefix("result=")))
    points = sum(test["score"] for test in payload["tests"])
    assert payload["status"] == "fail" and 0 < points < payload["max_score"]
    assert f"Points {points:g}/{payload['max_score']:g}" in run.output


def test_the_documented_workflow_hands_the_points_to_the_reporter(tmp_path: Path) -> None:
    """Run the workflow's own check and points steps in a student repository, then decode as the reporter does."""
    import os
    import shutil
    import subprocess
    import sys

    import yaml

    from platform_helpers import ROOT

    job = yaml.safe_load((ROOT / "docs" / "cnnquiz-check.yml").read_text(encoding="utf-8"))["jobs"]["autograding"]
    assert job["name"] == "Autograding Tests"  # the check run GitHub Classroom reads
    steps = {step.get("name"): step for step in job["steps"]}
    points, reporter = steps["Points for GitHub Classroom"], steps["Autograding Reporter"]
    runner = reporter["with"]["runners"]
    assert reporter["env"] == {f"{runner.upper()}_RESULTS": "${{ steps.%s.outputs.result }}" % points["id"]}

    repo = tmp_path / "student-repo"
    shutil.copytree(EXAMPLES / "dave_pool_stride_one", repo)
    output = tmp_path / "github_output"
    env = {key: value for key, value in os.environ.items() if not key.startswith("CNNQUIZ_")}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}", GITHUB_ACTIONS="true",
               GITHUB_OUTPUT=str(output), MIN_SCORE="", CNNQUIZ_ISOLATION=forced_level())
    check = subprocess.run(["bash", "-c", steps["Run the public tests"]["run"]], cwd=repo, env=env,
                           capture_output=True, text=True, timeout=120, check=False)
    assert check.returncode == 1 and "::error file=cnn.py" in check.stdout  # dave's pooling fails a public test
    assert (repo / "cnnquiz-results.xml").is_file()
    run = subprocess.run(["bash", "-c", points["run"]], cwd=repo, env=env, capture_output=True, text=True,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    encoded = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())["result"]
    payload = json.loads(base64.b64decode(encoded))  # what the reporter does with <RUNNER>_RESULTS
    assert payload["status"] == "fail" and any(test["status"] == "fail" for test in payload["tests"])
    assert sum(test["score"] for test in payload["tests"]) < payload["max_score"]
