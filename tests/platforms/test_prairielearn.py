"""PrairieLearn: the external-grader folder, and its entry point on a temporary /grade."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cnnquiz.grading.assignment import resolve_assignment
from cnnquiz.grading.grader import Grader
from cnnquiz.platforms import prairielearn
from cnnquiz.platforms.bundle import BUNDLED_ASSIGNMENT, BundleParts
from platform_helpers import EXAMPLES, forced_level, run_script

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def setup_dir(tmp_path: Path, fake_wheel: Path) -> Path:
    spec = resolve_assignment("cnn")
    parts = BundleParts(wheel=fake_wheel, wheel_version="0.1.0", assignment=spec,
                        assignment_text=Path(spec.source).read_bytes())
    return prairielearn.write_setup(tmp_path / "pl", parts)


def test_the_setup_has_a_dockerfile_an_entry_point_the_wheel_and_the_assignment(
        setup_dir: Path, fake_wheel: Path) -> None:
    assert sorted(p.name for p in setup_dir.iterdir()) == sorted(
        ["Dockerfile", "cnnquiz-grade", BUNDLED_ASSIGNMENT, fake_wheel.name, "info.json.snippet"])
    dockerfile = (setup_dir / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile == (GOLDEN / "prairielearn_Dockerfile").read_text(encoding="utf-8")
    entry = setup_dir / "cnnquiz-grade"
    assert entry.read_text(encoding="utf-8") == (GOLDEN / "prairielearn_cnnquiz-grade").read_text(encoding="utf-8")
    assert stat.S_IMODE(entry.stat().st_mode) == 0o755
    assert stat.S_IMODE((setup_dir / BUNDLED_ASSIGNMENT).stat().st_mode) == 0o600
    assert subprocess.run(["sh", "-n", str(entry)], check=False).returncode == 0
    options = json.loads((setup_dir / "info.json.snippet").read_text(encoding="utf-8"))["externalGradingOptions"]
    assert options["entrypoint"] == prairielearn.ENTRYPOINT and options["timeout"] > prairielearn.DEFAULT_BUDGET_S


def _grade(setup_dir: Path, root: Path, student_files: Path | None) -> dict:
    (root / "student").mkdir(parents=True)
    if student_files is not None:
        shutil.copytree(student_files, root / "student", dirs_exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("CNNQUIZ_")}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}", PL_GRADE_ROOT=str(root),
               CNNQUIZ_ISOLATION=forced_level())
    run = run_script(setup_dir / "cnnquiz-grade", env)
    assert run.returncode == 0, run.stderr
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("example", ["alice_correct", "bob_flipped_kernel", "hana_notebook"])
def test_the_entry_point_scores_in_0_to_1_as_cnnquiz_grade_does(setup_dir: Path, tmp_path: Path, example: str) -> None:
    if not (EXAMPLES / example).is_dir():
        pytest.skip(f"no example {example}")
    data = _grade(setup_dir, tmp_path / "grade", EXAMPLES / example)
    expected = Grader(resolve_assignment("cnn"), isolation=forced_level()).grade(EXAMPLES / example, "student")
    assert data["gradable"] is True
    assert data["score"] == pytest.approx(expected.score / expected.max_score, abs=1e-6)
    assert sum(test["points"] for test in data["tests"]) == pytest.approx(expected.score)
    assert sum(test["max_points"] for test in data["tests"]) == pytest.approx(expected.max_score)
    if example == "alice_correct":
        assert data["score"] == 1.0
    if example == "bob_flipped_kernel":
        assert 0 < data["score"] < 1


def test_hidden_tests_show_their_points_but_not_their_inputs(setup_dir: Path, tmp_path: Path) -> None:
    data = _grade(setup_dir, tmp_path / "grade", EXAMPLES / "bob_flipped_kernel")
    grader = Grader(resolve_assignment("cnn"), isolation=forced_level())
    expected = grader.grade(EXAMPLES / "bob_flipped_kernel", "student")
    hidden = {test.name for test in expected.tests if not test.public}
    shown = [test for test in data["tests"] if test["name"] in hidden]
    assert shown and all(test["output"] == "" and test["message"].startswith("hidden test: ") for test in shown)
    public = [test for test in data["tests"] if test["name"] not in hidden]
    assert any("input:" in test["output"] for test in public)


def test_nothing_to_grade_is_not_gradable_with_a_message(setup_dir: Path, tmp_path: Path) -> None:
    data = _grade(setup_dir, tmp_path / "grade", None)
    assert data["gradable"] is False and data["score"] == 0
    assert "the submission contains no cnn.py and no notebook" in data["message"]
    assert data["format_errors"] == data["message"]


def test_the_grading_folders_are_made_private(setup_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "grade"
    for folder in ("tests", "serverFilesCourse", "data"):
        (root / folder).mkdir(parents=True)
    _grade(setup_dir, root, EXAMPLES / "alice_correct")
    for folder in ("tests", "serverFilesCourse", "data", "results"):
        assert stat.S_IMODE((root / folder).stat().st_mode) == 0o700, folder


def test_hidden_tests_are_drawn_for_the_question_variant(setup_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "grade"
    (root / "data").mkdir(parents=True)
    (root / "data" / "data.json").write_text('{"variant_seed": 4242, "params": {}}', encoding="utf-8")
    data = _grade(setup_dir, root, EXAMPLES / "alice_correct")
    assert data["extra_data"]["student"] == "variant-4242" and data["score"] == 1.0


_HOSTILE = '''
import os
ROOT = {root!r}
def _try(what, action):
    try:
        action()
        print(what, "SUCCEEDED")
    except Exception as error:
        print(what, "denied", type(error).__name__)
def _write(path):
    with open(path, "w") as handle:
        handle.write('{{"gradable": true, "score": 1.0}}')
_try("read tests", lambda: os.listdir(os.path.join(ROOT, "tests")))
_try("read data", lambda: open(os.path.join(ROOT, "data", "data.json")).read())
_try("read course files", lambda: os.listdir(os.path.join(ROOT, "serverFilesCourse")))
_try("write results", lambda: _write(os.path.join(ROOT, "results", "results.json")))
'''


@pytest.mark.parametrize("level", ["bwrap", "unshare", "uid"])
def test_a_hostile_submission_reads_and_writes_nothing_of_the_grader(setup_dir: Path, tmp_path: Path, level: str) -> None:
    from platform_helpers import available

    if not available(level):
        pytest.skip(f"isolation level {level} is not available here")
    root = tmp_path / "grade"
    for folder in ("tests", "serverFilesCourse", "data", "student"):
        (root / folder).mkdir(parents=True)
    (root / "data" / "data.json").write_text('{"correct_answers": {"secret": 1}}', encoding="utf-8")
    correct = (EXAMPLES / "bob_flipped_kernel" / "cnn.py").read_text(encoding="utf-8")
    (root / "student" / "cnn.py").write_text(_HOSTILE.format(root=str(root)) + correct, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("CNNQUIZ_")}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}", PL_GRADE_ROOT=str(root),
               CNNQUIZ_ISOLATION=level)
    assert run_script(setup_dir / "cnnquiz-grade", env).returncode == 0
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert data["extra_data"]["isolation"] == level and 0 < data["score"] < 1  # bob's own score, not 1.0
    assert "SUCCEEDED" not in data["output"]
    for attempt in ("read tests", "read data", "read course files", "write results"):
        assert f"{attempt} denied" in data["output"], attempt


def test_without_a_secret_only_the_grader_log_says_hidden_tests_are_predictable(tmp_path: Path) -> None:
    root = tmp_path / "grade"
    shutil.copytree(EXAMPLES / "alice_correct", root / "student")
    env = {key: value for key, value in os.environ.items() if not key.startswith("CNNQUIZ_")}
    env.update(PL_GRADE_ROOT=str(root), CNNQUIZ_ISOLATION=forced_level())
    run = subprocess.run([sys.executable, "-m", "cnnquiz.platforms.prairielearn", "--root", str(root),
                          "--assignment", resolve_assignment("cnn").source], env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    text = (root / "results" / "results.json").read_text(encoding="utf-8")
    assert json.loads(text)["score"] == 1.0
    assert "predictable" not in text and "predictable" in run.stderr


def test_the_assignment_and_secret_are_private_from_the_first_byte(
        tmp_path: Path, fake_wheel: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = resolve_assignment("cnn")
    parts = BundleParts(wheel=fake_wheel, wheel_version="0.1.0", assignment=spec,
                        assignment_text=Path(spec.source).read_bytes(), secret="s3cret")
    # No chmod after the fact may be what makes them private: a reader could open them in between.
    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)
    mask = os.umask(0)
    try:
        out = prairielearn.write_setup(tmp_path / "pl", parts)
    finally:
        os.umask(mask)
    for name in (BUNDLED_ASSIGNMENT, "course-secret.txt"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600, name
    assert (out / "course-secret.txt").read_text(encoding="utf-8") == "s3cret\n"
    assert stat.S_IMODE((out / "cnnquiz-grade").stat().st_mode) == 0o755
    header = (out / "Dockerfile").read_text(encoding="utf-8").split("FROM ")[0]
    assert "Push it only to a PRIVATE registry repository" in header and "course secret" in header
