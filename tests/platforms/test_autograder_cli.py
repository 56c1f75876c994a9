"""``cnnquiz autograder gradescope|prairielearn``: options, one-line errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

from typer.testing import CliRunner

from cnnquiz.cli import app


def test_gradescope_writes_the_zip_named_by_out(tmp_path: Path, fake_wheel: Path) -> None:
    out = tmp_path / "out" / "autograder.zip"
    run = CliRunner().invoke(app, ["autograder", "gradescope", "--wheel", str(fake_wheel), "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert "setup.sh" in zipfile.ZipFile(out).namelist()
    assert f"Wrote {out}" in run.output and "no course secret" in run.output


def test_a_course_secret_is_bundled_and_never_printed(tmp_path: Path, fake_wheel: Path, monkeypatch) -> None:
    monkeypatch.setenv("CNNQUIZ_SECRET", "hunter2-course-secret")
    out = tmp_path / "autograder.zip"
    run = CliRunner().invoke(app, ["autograder", "gradescope", "--wheel", str(fake_wheel), "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert "with the course secret" in run.output and "hunter2" not in run.output
    assert zipfile.ZipFile(out).read("course-secret.txt") == b"hunter2-course-secret\n"


def test_prairielearn_writes_the_folder(tmp_path: Path, fake_wheel: Path) -> None:
    run = CliRunner().invoke(app, ["autograder", "prairielearn", "--wheel", str(fake_wheel),
                                   "--out", str(tmp_path / "pl")])
    assert run.exit_code == 0, run.output
    assert (tmp_path / "pl" / "Dockerfile").is_file()
    said = " ".join(run.output.split())
    assert "push it only to a PRIVATE registry repository, never a public one" in said, said


def test_a_missing_wheel_is_one_line_on_stderr(tmp_path: Path) -> None:
    missing = tmp_path / "cnnquiz-9.9-py3-none-any.whl"
    run = CliRunner().invoke(app, ["autograder", "gradescope", "--wheel", str(missing),
                                   "--out", str(tmp_path / "a.zip")])
    assert run.exit_code == 2
    assert f"error: --wheel {missing}: no such file" in run.output
    assert not (tmp_path / "a.zip").exists()


def test_an_unknown_assignment_is_one_line_on_stderr(tmp_path: Path, fake_wheel: Path) -> None:
    run = CliRunner().invoke(app, ["autograder", "gradescope", "--wheel", str(fake_wheel), "-a", "nope"])
    assert run.exit_code == 2 and "nope: no such file, and not a shipped assignment" in run.output
