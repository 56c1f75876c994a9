"""The SQLite history: where it lives, migrations from older files, corrupt files, two writers."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from cnnquiz.practice import history as history_module
from cnnquiz.practice.history import FILE_NAME, MIGRATIONS, SCHEMA_VERSION, Attempt, History, HistoryError


def _attempt(n: int = 0, **change) -> Attempt:
    values = dict(template="conv-output-size-basic", topic="output_size", difficulty=1, seed=n, status="wrong",
                  credit=0.0, mistake="forgot_plus_one", session="s1")
    values.update(change)
    return Attempt(**values)


def _version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]


def test_cnnquiz_home_overrides_the_platform_folder(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CNNQUIZ_HOME", str(tmp_path / "mine"))
    assert history_module.history_path() == tmp_path / "mine" / FILE_NAME
    monkeypatch.delenv("CNNQUIZ_HOME")
    import platformdirs

    assert history_module.history_path() == Path(platformdirs.user_data_dir("cnnquiz", appauthor=False)) / FILE_NAME


def test_a_new_file_gets_the_current_schema_and_keeps_answers(tmp_path) -> None:
    path = tmp_path / "deep" / FILE_NAME
    with History(path) as h:
        stored = h.record(_attempt(1))
        assert stored.at.endswith("+00:00")
    with History(path) as h:
        assert h.attempts() == [stored]
    assert _version(path) == SCHEMA_VERSION


def test_migration_from_version_0_an_empty_database(tmp_path) -> None:
    path = tmp_path / FILE_NAME
    sqlite3.connect(path).close()  # a zero-length file is a valid empty database, user_version 0
    with History(path) as h:
        assert h.count() == 0 and not h.notices
    assert _version(path) == SCHEMA_VERSION


def test_migration_from_version_1_keeps_every_answer(tmp_path) -> None:
    path = tmp_path / FILE_NAME
    with sqlite3.connect(path) as conn:
        conn.executescript(MIGRATIONS[0])
        conn.execute("INSERT INTO answers (at, template, topic, seed, status, credit, mistake) VALUES "
                     "('2026-11-30T10:00:00+00:00', 'conv-params-lecture', 'conv_params', 7, 'correct', 1.0, NULL)")
        conn.execute("PRAGMA user_version = 1")
    with History(path) as h:
        (old,) = h.attempts()
    assert old == Attempt("conv-params-lecture", "conv_params", 1, 7, "correct", 1.0, None,
                          "2026-11-30T10:00:00+00:00", "")
    assert _version(path) == SCHEMA_VERSION


def test_a_file_from_a_newer_cnnquiz_is_refused_and_left_alone(tmp_path) -> None:
    path = tmp_path / FILE_NAME
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    before = path.read_bytes()
    with pytest.raises(HistoryError, match=r"written by a newer cnnquiz \(schema 99"):
        History(path)
    assert path.read_bytes() == before


def test_a_corrupt_file_is_reported_and_set_aside_never_lost(tmp_path) -> None:
    path = tmp_path / FILE_NAME
    garbage = b"this is not sqlite\x00" * 200
    path.write_bytes(garbage)
    with History(path) as h:
        assert len(h.notices) == 1 and "could not be read as a history" in h.notices[0]
        h.record(_attempt())
        assert h.count() == 1
    (kept,) = tmp_path.glob(f"{FILE_NAME}.corrupt-*")
    assert kept.read_bytes() == garbage
    with History(path) as h:
        assert h.notices == [] and h.count() == 1


def test_a_busy_or_locked_file_is_not_called_corrupt() -> None:
    assert not history_module._is_corrupt(sqlite3.OperationalError("database is locked"))
    assert history_module._is_corrupt(sqlite3.DatabaseError("file is not a database"))


def test_reset_deletes_the_answers_only(tmp_path) -> None:
    with History(tmp_path / FILE_NAME) as h:
        h.record_all([_attempt(n) for n in range(5)])
        assert h.reset() == 5 and h.count() == 0
    assert _version(tmp_path / FILE_NAME) == SCHEMA_VERSION


def _writer(path: str, name: str, n: int) -> None:
    with History(Path(path)) as h:
        for i in range(n):
            h.record(_attempt(i, session=name))


def test_two_processes_write_at_once_and_lose_nothing(tmp_path) -> None:
    path = tmp_path / FILE_NAME
    ctx = multiprocessing.get_context("fork")
    writers = [ctx.Process(target=_writer, args=(str(path), name, 300)) for name in ("a", "b")]
    for w in writers:
        w.start()
    for w in writers:
        w.join(60)
        assert w.exitcode == 0
    with History(path) as h:
        sessions = [a.session for a in h.attempts()]
    assert sessions.count("a") == 300 and sessions.count("b") == 300
