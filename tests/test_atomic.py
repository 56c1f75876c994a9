"""Atomic writes: the old file survives a failed write; no temp files are left."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cnnquiz.atomic import write_bytes, write_json, write_text


def test_write_creates_parents_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "grades.csv"
    write_text(target, "one\n")
    write_text(target, "two\n")
    assert target.read_text() == "two\n"
    assert [p.name for p in target.parent.iterdir()] == ["grades.csv"]


def test_failed_write_keeps_the_old_content(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    write_json(target, {"ok": 1})
    with pytest.raises(ValueError):
        write_json(target, {"bad": float("nan")})  # NaN is not JSON
    assert json.loads(target.read_text()) == {"ok": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_new_files_get_the_usual_mode_and_old_files_keep_theirs(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        import importlib

        import cnnquiz.atomic as atomic

        importlib.reload(atomic)  # the umask is read at import
        fresh = atomic.write_text(tmp_path / "grades.csv", "x\n")
        assert fresh.stat().st_mode & 0o777 == 0o644
        private = tmp_path / "key.json"
        private.write_text("{}")
        private.chmod(0o600)
        atomic.write_json(private, {"a": 1})
        assert private.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(mask)
        importlib.reload(atomic)


def test_bytes_are_written_unchanged_and_text_is_not_translated(tmp_path: Path) -> None:
    blob = bytes(range(256)) + b"\r\n\n"
    write_bytes(tmp_path / "quiz.zip", blob)
    assert (tmp_path / "quiz.zip").read_bytes() == blob
    write_text(tmp_path / "grades.csv", "a,b\r\nc\n")
    assert (tmp_path / "grades.csv").read_bytes() == b"a,b\r\nc\n"


def test_unencodable_text_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(UnicodeEncodeError):
        write_text(tmp_path / "out.txt", "\udcff")
    assert list(tmp_path.iterdir()) == []


def test_an_explicit_mode_is_set_before_any_data_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cnnquiz import atomic

    modes_at_open: list[int] = []
    real_fdopen = os.fdopen

    def fdopen(fd, *args, **kwargs):  # the moment the data starts to flow
        modes_at_open.append(os.fstat(fd).st_mode & 0o777)
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(atomic.os, "fdopen", fdopen)
    mask = os.umask(0)  # a plain open() would make the file world-readable
    try:
        old = tmp_path / "course-secret.txt"
        old.write_text("old")
        old.chmod(0o644)  # an explicit mode wins over the replaced file's
        atomic.write_text(old, "s3cret\n", mode=0o600)
        atomic.write_bytes(tmp_path / "new" / "assignment.yaml", b"seed: 1\n", mode=0o600)
        atomic.write_text(tmp_path / "run", "#!/bin/sh\n", mode=0o755)
    finally:
        os.umask(mask)
    assert modes_at_open == [0o600, 0o600, 0o755]
    assert old.stat().st_mode & 0o777 == 0o600 and old.read_text() == "s3cret\n"
    assert (tmp_path / "new" / "assignment.yaml").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "run").stat().st_mode & 0o777 == 0o755
