"""Gradescope: the zip's layout and scripts, and run_autograder run on an unpacked bundle.

The bundle is unpacked into a temporary ``AUTOGRADER_ROOT`` and its ``run_autograder``
is run as Gradescope runs it (as root, no namespaces: the isolation level is forced),
with the checkout's cnnquiz standing in for the bundled wheel.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cnnquiz.grading.assignment import resolve_assignment
from cnnquiz.grading.batch import grade_batch
from cnnquiz.grading.grader import Grader
from cnnquiz.grading.sandbox import detect_isolation
from cnnquiz.platforms import gradescope
from cnnquiz.platforms.bundle import BUNDLED_ASSIGNMENT, BundleParts, bundle_parts
from platform_helpers import EXAMPLES, forced_level, run_script, unpack_gradescope

GOLDEN = Path(__file__).parent / "golden"


def _parts(wheel: Path, secret: str | None = None) -> BundleParts:
    spec = resolve_assignment("cnn")
    return BundleParts(wheel=wheel, wheel_version="0.1.0", assignment=spec,
                       assignment_text=Path(spec.source).read_bytes(), secret=secret)


def _env(root: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CNNQUIZ_")}
    # run_autograder falls back to python3 on PATH when setup.sh's venv is absent: make it this one.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    # No setup.sh venv (even if a machine has /opt/cnnquiz-venv): python3 of PATH runs the grader.
    env.update(AUTOGRADER_ROOT=str(root), CNNQUIZ_ISOLATION=forced_level(), CNNQUIZ_VENV=str(root / "no-venv"), **extra)
    return env


@pytest.fixture
def bundle(tmp_path: Path, fake_wheel: Path) -> Path:
    return gradescope.write_bundle(tmp_path / "autograder.zip", _parts(fake_wheel))


def test_the_zip_has_the_scripts_at_its_root_and_carries_wheel_and_assignment(bundle: Path, fake_wheel: Path) -> None:
    with zipfile.ZipFile(bundle) as zipped:
        infos = {info.filename: info for info in zipped.infolist()}
        assert sorted(infos) == sorted(["setup.sh", "run_autograder", BUNDLED_ASSIGNMENT, fake_wheel.name])
        for script in ("setup.sh", "run_autograder"):
            assert stat.S_IMODE(infos[script].external_attr >> 16) == 0o755
        assert stat.S_IMODE(infos[BUNDLED_ASSIGNMENT].external_attr >> 16) == 0o600
        assert zipped.read(fake_wheel.name) == fake_wheel.read_bytes()
        assert zipped.read(BUNDLED_ASSIGNMENT) == Path(resolve_assignment("cnn").source).read_bytes()
        for script in ("setup.sh", "run_autograder"):
            text = zipped.read(script).decode()
            assert text == (GOLDEN / f"gradescope_{script}").read_text(encoding="utf-8"), script
            assert subprocess.run(["bash", "-n"], input=text, text=True, check=False).returncode == 0


def test_setup_installs_only_the_bundled_wheel(bundle: Path) -> None:
    setup = zipfile.ZipFile(bundle).read("setup.sh").decode()
    installs = [line for line in setup.splitlines() if '"${PIP[@]}" install' in line]
    assert installs == ['"${PIP[@]}" install "$SOURCE"/cnnquiz-0.1.0-py3-none-any.whl',
                        '"${PIP[@]}" install --no-deps --target "$VENV/grader" '
                        '"$SOURCE"/cnnquiz-0.1.0-py3-none-any.whl']
    assert 'chmod 700 "$VENV/grader"' in setup  # the reference solver, out of the student's reach
    assert 'chmod 700 "$SOURCE" "$ROOT/results"' in setup


def test_a_course_secret_travels_in_the_bundle(tmp_path: Path, fake_wheel: Path) -> None:
    bundle = gradescope.write_bundle(tmp_path / "a.zip", _parts(fake_wheel, secret="s3cret"))
    with zipfile.ZipFile(bundle) as zipped:
        assert zipped.read("course-secret.txt") == b"s3cret\n"
        assert zipped.read(BUNDLED_ASSIGNMENT).decode().endswith("\nsecret_file: course-secret.txt\n")


def test_the_zip_with_the_secret_is_readable_by_its_owner_only(tmp_path: Path, fake_wheel: Path) -> None:
    mask = os.umask(0)  # where a plain open() would make it world-readable
    try:
        bundle = gradescope.write_bundle(tmp_path / "a.zip", _parts(fake_wheel, secret="s3cret"))
    finally:
        os.umask(mask)
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o600
    assert zipfile.ZipFile(bundle).read("course-secret.txt") == b"s3cret\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip", "wheels"]  # no partial file left


def test_with_a_course_secret_each_student_gets_their_own_hidden_tests(tmp_path: Path, fake_wheel: Path) -> None:
    bundle = gradescope.write_bundle(tmp_path / "a.zip", _parts(fake_wheel, secret="course secret"))
    hidden = {}
    for email in ("ann@example.edu", "ben@example.edu"):
        data = _grade_example(bundle, tmp_path / email, EXAMPLES / "bob_flipped_kernel", email=email)
        assert "hidden tests drawn for each student from the course secret" in data["output"]
        hidden[email] = [test["output"] for test in data["tests"] if test["visibility"] != "visible"]
    assert hidden["ann@example.edu"] and hidden["ann@example.edu"] != hidden["ben@example.edu"]


def test_bundle_parts_refuses_a_file_that_is_not_a_cnnquiz_wheel(tmp_path: Path) -> None:
    other = tmp_path / "numpy-2.0-py3-none-any.whl"
    other.write_bytes(b"")
    with pytest.raises(Exception, match=r"--wheel .*numpy-2\.0-py3-none-any\.whl: not a cnnquiz wheel"):
        bundle_parts("cnn", other, tmp_path)


def _grade_example(bundle: Path, root: Path, example: Path, *, email: str | None = None) -> dict:
    unpack_gradescope(bundle, root)
    shutil.copytree(example, root / "submission", dirs_exist_ok=True)
    if email is not None:
        metadata = {"id": 1, "created_at": "2018-07-01T14:22:32.365935-07:00", "users": [{"email": email, "id": 7}],
                    "assignment": {"due_date": "2018-07-01T14:00:00.000000-07:00", "late_due_date": None,
                                   "title": "CNN"}}
        (root / "submission_metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    run = run_script(root / "run_autograder", _env(root))
    assert run.returncode == 0, run.stderr
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def test_the_unpacked_bundle_grades_the_examples_as_cnnquiz_grade_does(bundle: Path, tmp_path: Path) -> None:
    expected_dir = tmp_path / "graded"
    grade_batch(EXAMPLES, expected_dir, Grader(resolve_assignment("cnn"), isolation=forced_level()))
    with open(expected_dir / "grades.csv", newline="", encoding="utf-8") as handle:
        expected = {row["student"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(handle)}
    assert expected["alice_correct"][0] == expected["alice_correct"][1] > 0
    examples = sorted(p for p in EXAMPLES.iterdir() if p.is_dir())
    with ThreadPoolExecutor(max_workers=2) as pool:  # each run_autograder is its own process
        graded = pool.map(lambda example: _grade_example(bundle, tmp_path / example.name, example, email=example.name),
                          examples)
        for example, data in zip(examples, graded):
            assert (data["score"], data["max_score"]) == expected[example.name], example.name
            assert data["extra_data"]["isolation"] == forced_level()


def test_submission_metadata_dates_are_kept_for_a_late_policy(bundle: Path, tmp_path: Path) -> None:
    data = _grade_example(bundle, tmp_path / "root", EXAMPLES / "alice_correct", email="alice@example.edu")
    assert data["extra_data"]["student"] == "alice@example.edu"
    assert data["extra_data"]["gradescope"] == {
        "submission_id": 1, "submitted_at": "2018-07-01T14:22:32.365935-07:00",
        "due_date": "2018-07-01T14:00:00.000000-07:00", "assignment_title": "CNN",
        "seconds_late": 1352.366,  # 22 min 32.365935 s after the due time
    }


def test_cnn_py_in_a_subfolder_is_found(bundle: Path, tmp_path: Path) -> None:
    root = unpack_gradescope(bundle, tmp_path / "root")
    shutil.copytree(EXAMPLES / "alice_correct", root / "submission" / "hw1")
    (root / "submission" / "__MACOSX").mkdir()
    (root / "submission" / "__MACOSX" / "cnn.py").write_text("junk a zip tool adds", encoding="utf-8")
    run = run_script(root / "run_autograder", _env(root))
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert run.returncode == 0 and data["score"] == data["max_score"] > 0
    assert data["output"].startswith("Graded the code found in hw1/ of your submission.")


@pytest.mark.parametrize("content", ["empty", "readme only"])
def test_a_submission_without_code_gets_a_results_file_that_says_so(bundle: Path, tmp_path: Path, content: str) -> None:
    root = unpack_gradescope(bundle, tmp_path / "root")
    if content == "readme only":
        (root / "submission" / "README.txt").write_text("I ran out of time", encoding="utf-8")
    run = run_script(root / "run_autograder", _env(root))
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert run.returncode == 0
    assert data["score"] == 0 and data["max_score"] > 0 and data["extra_data"]["status"] == "error"
    assert "the submission contains no cnn.py and no notebook (.ipynb)" in data["output"]
    assert all(test["output"].startswith("not run: ") for test in data["tests"])


def test_a_grader_that_cannot_start_still_leaves_results(bundle: Path, tmp_path: Path) -> None:
    root = unpack_gradescope(bundle, tmp_path / "root")
    env = _env(root)
    tools = tmp_path / "bin"  # a PATH with mkdir but no python3
    tools.mkdir()
    (tools / "mkdir").symlink_to(shutil.which("mkdir"))
    env["PATH"] = str(tools)
    run = subprocess.run(["/bin/bash", str(root / "run_autograder")], env=env, capture_output=True, text=True,
                         timeout=60, check=False)
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert run.returncode == 0 and data["score"] == 0 and "could not start" in data["output"]


def test_a_submission_that_hangs_everywhere_gets_per_test_results_within_the_budget(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "root"
    (root / "submission").mkdir(parents=True)
    names = [function.name for function in resolve_assignment("cnn").functions]
    (root / "submission" / "cnn.py").write_text(
        "".join(f"def {name}(*args, **kwargs):\n    while True:\n        pass\n\n" for name in names), encoding="utf-8")
    monkeypatch.delenv("CNNQUIZ_ISOLATION", raising=False)
    # Name the strongest level this machine has: where that is only rlimits, an unforced
    # run would (rightly) refuse to grade, and this test is about the time budget.
    monkeypatch.setenv("CNNQUIZ_ISOLATION", detect_isolation().value)
    started = time.monotonic()
    data = gradescope.grade_root(root, Path(resolve_assignment("cnn").source), budget_s=30)
    elapsed = time.monotonic() - started
    assert elapsed < 30
    assert data["tests"] and all(test["extra_data"]["status"] == "timeout" for test in data["tests"])
    assert data["score"] == 0 and (root / "results" / "results.json").is_file()


_HOSTILE = '''
import json, os
ROOT = {root!r}
def _try(what, action):
    try:
        action()
        print(what, "SUCCEEDED")
    except Exception as error:
        print(what, "denied", type(error).__name__)
def _write(path, text):
    with open(path, "w") as handle:
        handle.write(text)
_try("read assignment", lambda: open(os.path.join(ROOT, "source", "assignment.yaml")).read())
_try("list source", lambda: os.listdir(os.path.join(ROOT, "source")))
_try("read metadata", lambda: open(os.path.join(ROOT, "submission_metadata.json")).read())
_try("write results", lambda: _write(os.path.join(ROOT, "results", "results.json"), json.dumps({{"score": 999}})))
_try("write source", lambda: _write(os.path.join(ROOT, "source", "pwned.txt"), "x"))
'''


@pytest.mark.parametrize("level", ["bwrap", "unshare", "uid"])
def test_a_hostile_submission_reads_and_writes_nothing_of_the_grader(bundle: Path, tmp_path: Path, level: str) -> None:
    from platform_helpers import available

    if not available(level):
        pytest.skip(f"isolation level {level} is not available here")
    root = unpack_gradescope(bundle, tmp_path / "root")
    (root / "submission_metadata.json").write_text('{"users": [{"email": "mallory@example.edu"}]}', encoding="utf-8")
    correct = (EXAMPLES / "alice_correct" / "cnn.py").read_text(encoding="utf-8")
    (root / "submission" / "cnn.py").write_text(_HOSTILE.format(root=str(root)) + correct, encoding="utf-8")
    run = run_script(root / "run_autograder", _env(root) | {"CNNQUIZ_ISOLATION": level})
    assert run.returncode == 0, run.stderr
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert data["extra_data"]["isolation"] == level
    assert data["score"] == data["max_score"] > 0  # the grader's verdict on the correct functions, not 999
    assert "SUCCEEDED" not in data["output"]
    for attempt in ("read assignment", "list source", "read metadata", "write results", "write source"):
        assert f"{attempt} denied" in data["output"], attempt
    assert sorted(p.name for p in (root / "source").iterdir()) == sorted(zipfile.ZipFile(bundle).namelist())


_READS_SECRET = '''
import os
try:
    print("SECRET=" + open(os.path.join({root!r}, "source", "course-secret.txt")).read())
except OSError as error:
    print("secret denied", type(error).__name__)
'''


def test_without_namespaces_the_course_secret_is_not_read_by_student_code(tmp_path: Path, fake_wheel: Path) -> None:
    from platform_helpers import available

    if available("uid"):
        pytest.skip("the uid level works here: detection never falls back to rlimits")
    bundle = gradescope.write_bundle(tmp_path / "a.zip", _parts(fake_wheel, secret="the-course-secret"))
    root = unpack_gradescope(bundle, tmp_path / "root")
    correct = (EXAMPLES / "alice_correct" / "cnn.py").read_text(encoding="utf-8")
    (root / "submission" / "cnn.py").write_text(_READS_SECRET.format(root=str(root)) + correct, encoding="utf-8")
    env = _env(root)
    del env["CNNQUIZ_ISOLATION"]
    env["PATH"] = str(Path(sys.executable).parent)  # no bwrap, no unshare: as a container without namespaces
    run = subprocess.run([sys.executable, "-m", "cnnquiz.platforms.gradescope", "--root", str(root)], env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    text = (root / "results" / "results.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert "the-course-secret" not in text and "SECRET=" not in text
    assert data["score"] == 0 and "grading could not run safely" in data["output"]
    assert "could not run safely" in run.stderr
