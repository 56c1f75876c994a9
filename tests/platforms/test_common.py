"""Finding the submission in an upload, budgeting the limits, the forced isolation level."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnnquiz.grading.assignment import resolve_assignment
from cnnquiz.grading.sandbox import IsolationLevel
from cnnquiz.platforms import common, gradescope, prairielearn
from cnnquiz.platforms.common import budget_limits, find_submission


def _touch(path: Path, text: str = "x = 1\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_cnn_py_at_the_top_is_graded_there(tmp_path: Path) -> None:
    _touch(tmp_path / "cnn.py")
    _touch(tmp_path / "old" / "cnn.py")
    assert find_submission(tmp_path).folder == tmp_path and find_submission(tmp_path).note == ""


def test_the_shallowest_cnn_py_wins_and_zip_litter_is_ignored(tmp_path: Path) -> None:
    _touch(tmp_path / "__MACOSX" / "cnn.py")
    _touch(tmp_path / "project" / "cnn.py")
    _touch(tmp_path / "project" / "backup" / "cnn.py")
    located = find_submission(tmp_path)
    assert located.folder == tmp_path / "project"
    assert located.note == "Graded the code found in project/ of your submission."


def test_a_notebook_is_found_when_there_is_no_cnn_py(tmp_path: Path) -> None:
    _touch(tmp_path / "hw" / "cnn.ipynb", "{}")
    _touch(tmp_path / "hw" / ".ipynb_checkpoints" / "cnn-checkpoint.ipynb", "{}")
    assert find_submission(tmp_path).folder == tmp_path / "hw"


def test_two_equally_shallow_candidates_are_a_problem_named_in_words(tmp_path: Path) -> None:
    _touch(tmp_path / "a" / "cnn.py")
    _touch(tmp_path / "b" / "cnn.py")
    located = find_submission(tmp_path)
    assert located.folder is None and located.problem == "several folders hold cnn.py (a, b); submit one"


def test_nothing_to_grade(tmp_path: Path) -> None:
    _touch(tmp_path / "notes.txt")
    assert find_submission(tmp_path).problem == "the submission contains no cnn.py and no notebook (.ipynb)"
    assert find_submission(tmp_path / "missing").problem.startswith("no submission folder")


def test_budget_limits_fit_every_call_and_the_import_into_the_budget() -> None:
    cnn = resolve_assignment("cnn")  # call_timeout_s 2.0 in the shipped file
    # (70 s - 20 s overhead) / (49 calls + the import) = 1.0 s per call, tighter than 2.0
    assert budget_limits(cnn, 49, budget_s=70) == {"call_timeout_s": 1.0, "cpu_s": 1.0}
    # A generous budget keeps the assignment's own limit; memory is capped, never raised.
    generous = budget_limits(cnn, 49, budget_s=480, memory_mb=512)
    assert generous == {"call_timeout_s": 2.0, "cpu_s": 2.0, "memory_mb": 512}
    assert budget_limits(cnn, 49, budget_s=480, memory_mb=4096)["memory_mb"] == cnn.limits.to_limits().memory_mb
    # Never below half a second, even for a budget too small to be met.
    assert budget_limits(cnn, 1000, budget_s=30)["call_timeout_s"] == 0.5


def _unavailable_level() -> IsolationLevel | None:
    from cnnquiz.grading.sandbox.detect import why_unavailable

    return next((level for level in IsolationLevel if why_unavailable(level)), None)


@pytest.mark.parametrize("platform", [gradescope, prairielearn], ids=["gradescope", "prairielearn"])
def test_the_entry_points_leave_cnnquiz_isolation_to_the_sandbox(
        platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assignment_file = Path(resolve_assignment("cnn").source)
    monkeypatch.setenv("CNNQUIZ_ISOLATION", "chroot")
    data = platform.grade_root(tmp_path / "bad", assignment_file)
    assert "CNNQUIZ_ISOLATION='chroot' names no isolation level (choose bwrap|" in data["output"], data["output"]
    unavailable = _unavailable_level()
    if unavailable is not None:  # the sandbox says where the request came from
        monkeypatch.setenv("CNNQUIZ_ISOLATION", unavailable.value.upper())
        data = platform.grade_root(tmp_path / "unavailable", assignment_file)
        assert f"level {unavailable.value!r} (from CNNQUIZ_ISOLATION) is not available" in data["output"], data["output"]
    assert not hasattr(common, "isolation_from_env")  # one reader of the variable: the sandbox's


def test_an_unreadable_upload_is_a_problem_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _touch(tmp_path / "sub" / "notes.txt")

    def walk(top, onerror=None, **kwargs):  # as os.walk reports a folder it may not list (root can list them all)
        onerror(PermissionError(13, "Permission denied", str(top)))
        return iter(())

    monkeypatch.setattr("cnnquiz.platforms.common.os.walk", walk)
    assert find_submission(tmp_path).problem == "the submission could not be read (Permission denied)"


def _refuse_to_grade(*args, **kwargs):
    raise AssertionError("student code must not be graded when only rlimits isolation is available")


@pytest.mark.parametrize("platform", [gradescope, prairielearn], ids=["gradescope", "prairielearn"])
def test_a_container_without_namespaces_runs_no_student_code_unless_rlimits_is_forced(
        platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    assignment_file = Path(resolve_assignment("cnn").source)
    root = tmp_path / "root"
    _touch(root / ("submission" if platform is gradescope else "student") / "cnn.py")
    monkeypatch.delenv("CNNQUIZ_ISOLATION", raising=False)
    monkeypatch.setattr(common, "detect_isolation", lambda preferred=None: IsolationLevel.RLIMITS)
    monkeypatch.setattr(common, "Grader", _refuse_to_grade)
    data = platform.grade_root(root, assignment_file)
    assert data["score"] == 0
    message = data["output"] if platform is gradescope else data["message"]
    assert message.startswith("Not graded: grading could not run safely: no sandbox isolation level stronger "
                              "than rlimits works in this container (bwrap: "), message
    for remedy in ("install bubblewrap", "readable by other users", "set CNNQUIZ_ISOLATION=rlimits to accept"):
        assert remedy in message, remedy
    if platform is prairielearn:
        assert data["gradable"] is False and data["format_errors"] == message
    assert "could not run safely" in capsys.readouterr().err  # the instructor's log
    # Forced explicitly, rlimits is accepted: grading starts (here: the stand-in Grader).
    monkeypatch.setenv("CNNQUIZ_ISOLATION", "rlimits")
    monkeypatch.setattr(common, "forced_level", lambda: IsolationLevel.RLIMITS)
    data = platform.grade_root(root, assignment_file)
    assert "must not be graded when only rlimits" in data["output"], data["output"]
    assert "could not run safely" not in data["output"]
