"""The answer history: one SQLite file in the user's data directory.

Where: ``$CNNQUIZ_HOME/history.sqlite3``, else ``platformdirs.user_data_dir("cnnquiz")``.
Versioned with ``PRAGMA user_version`` and migrated forward one step at a time, each
step in its own ``BEGIN IMMEDIATE`` transaction (two sessions opening an old file at
once migrate it once). Concurrent sessions are safe: WAL journal, a busy timeout, and
one short transaction per answer. A file that is not a readable history is never
overwritten or deleted: it is renamed ``history.sqlite3.corrupt-<UTC time>`` (with
its ``-wal`` / ``-shm`` companions), the rename is reported (:attr:`History.notices`),
and a new history starts.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from cnnquiz.errors import CnnquizError

__all__ = ["Attempt", "History", "HistoryError", "history_path", "SCHEMA_VERSION", "MIGRATIONS", "FILE_NAME"]

FILE_NAME = "history.sqlite3"
_BUSY_MS = 15_000

#: ``MIGRATIONS[v]`` takes a file from version ``v`` to ``v + 1``.
MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1: the first schema (cnnquiz practice as first released).
    """
    CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        template TEXT NOT NULL,
        topic TEXT NOT NULL,
        seed INTEGER NOT NULL,
        status TEXT NOT NULL,
        credit REAL NOT NULL,
        mistake TEXT
    );
    """,
    # 1 -> 2: the difficulty asked (the scheduler's Elo needs it) and the session.
    """
    ALTER TABLE answers ADD COLUMN difficulty INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE answers ADD COLUMN session TEXT NOT NULL DEFAULT '';
    CREATE INDEX answers_template ON answers (template);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class HistoryError(CnnquizError):
    """The history cannot be used (names the file)."""


@dataclass(frozen=True)
class Attempt:
    """One answer given in practice (or the quiz)."""

    template: str
    topic: str
    difficulty: int
    seed: int
    status: str  # correct | partial | wrong | skipped
    credit: float
    mistake: str | None = None  # a CATALOGUE key, or keys joined by "+"
    at: str = ""  # ISO 8601 UTC; set when recorded
    session: str = ""


def history_path() -> Path:
    """``$CNNQUIZ_HOME/history.sqlite3`` or the platform's user data directory."""
    home = os.environ.get("CNNQUIZ_HOME")
    if home:
        return Path(home).expanduser() / FILE_NAME
    import platformdirs

    return Path(platformdirs.user_data_dir("cnnquiz", appauthor=False)) / FILE_NAME


_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB (a busy or locked file is not corrupt)


def _is_corrupt(error: sqlite3.DatabaseError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _CORRUPT_CODES
    text = str(error)
    return "not a database" in text or "malformed" in text


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class History:
    """An open history file. Use as a context manager, or call :meth:`close`.

    Parameters
    ----------
    path : Path, optional
        Default :func:`history_path`.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else history_path()
        self.notices: list[str] = []
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise HistoryError(f"{self.path.parent}: cannot create the history folder ({error.strerror})") from None
        try:
            self._conn = self._open()
        except sqlite3.DatabaseError as error:
            if not _is_corrupt(error):
                raise HistoryError(f"{self.path}: cannot use the history ({error})") from None
            self._set_aside(error)
            self._conn = self._open()

    # --- opening, migrating, setting a corrupt file aside -------------------------------
    def _open(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=_BUSY_MS / 1000, isolation_level=None)
        except sqlite3.OperationalError as error:
            raise HistoryError(f"{self.path}: cannot open the history ({error})") from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
            self._check_version(conn)  # before WAL: a newer cnnquiz's file is left byte for byte
            conn.execute("PRAGMA journal_mode = WAL")
            # WAL + NORMAL cannot corrupt the file; a power cut may lose the last answers, not the history.
            conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate(conn)
            conn.execute("SELECT count(*) FROM answers").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    def _check_version(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HistoryError(f"{self.path}: written by a newer cnnquiz (schema {version}, this one reads up to "
                               f"{SCHEMA_VERSION}); upgrade cnnquiz or set CNNQUIZ_HOME to another folder")

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        while version < SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]  # another session may have done it
                if version < SCHEMA_VERSION:
                    for statement in MIGRATIONS[version].split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    version += 1
                    conn.execute(f"PRAGMA user_version = {version}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def _set_aside(self, error: Exception) -> None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        moved = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                os.replace(source, Path(f"{moved}{suffix}"))
        self.notices.append(f"{self.path} could not be read as a history ({error}); it was kept as {moved} "
                            "and a new history was started")

    # --- use ----------------------------------------------------------------------------
    def record(self, attempt: Attempt) -> Attempt:
        """Store one answer (one short transaction); returns it with ``at`` set."""
        stamped = dataclasses.replace(attempt, at=attempt.at or _now())
        self._conn.execute(
            "INSERT INTO answers (at, template, topic, seed, status, credit, mistake, difficulty, session) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (stamped.at, stamped.template, stamped.topic, int(stamped.seed), stamped.status, float(stamped.credit),
             stamped.mistake, int(stamped.difficulty), stamped.session),
        )
        return stamped

    def record_all(self, attempts: Iterable[Attempt]) -> None:
        """Store several answers in one transaction (scripted histories, imports)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            for attempt in attempts:
                self.record(attempt)
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    def attempts(self) -> list[Attempt]:
        """Every answer, oldest first."""
        rows = self._conn.execute(
            "SELECT template, topic, difficulty, seed, status, credit, mistake, at, session FROM answers ORDER BY id"
        ).fetchall()
        return [Attempt(*row) for row in rows]

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM answers").fetchone()[0])

    def reset(self) -> int:
        """Delete every answer (the file and its schema stay); returns how many were deleted."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            deleted = self._conn.execute("DELETE FROM answers").rowcount
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        return int(deleted)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
