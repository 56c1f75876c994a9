"""A roster: which LMS identity each submission folder (or answer-sheet student) belongs to.

A CSV with a ``folder`` column (the folder name ``cnnquiz grade`` used as the student
id, or the ``student`` of an answer sheet) and any of the LMS columns, named as Canvas's
gradebook export names them or in snake case::

    folder,Student,ID,SIS User ID,SIS Login ID,Section,Email,ID number
    ann,"Lee, Ann",1234,S001,alee,CNN 101 A,ann@uni.edu,S001

Canvas needs Student, ID, SIS User ID, SIS Login ID and Section (its import matches on
them); Moodle needs an identifier: the email or the ID number.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from cnnquiz.report.load import ReportError

__all__ = ["RosterEntry", "read_roster", "ROSTER_COLUMNS"]

#: Our field -> the column names accepted for it (case and spaces ignored).
ROSTER_COLUMNS = {
    "folder": ("folder",),
    "name": ("student", "name"),
    "canvas_id": ("id", "canvas id", "canvas_id", "user id"),
    "sis_user_id": ("sis user id", "sis_user_id"),
    "sis_login_id": ("sis login id", "sis_login_id", "login"),
    "section": ("section",),
    "email": ("email", "email address"),
    "idnumber": ("id number", "idnumber", "id_number"),
}


@dataclass(frozen=True)
class RosterEntry:
    """One student of the roster (empty strings for columns the roster does not have)."""

    folder: str
    name: str = ""
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    email: str = ""
    idnumber: str = ""


def _normal(header: str) -> str:
    return " ".join(header.replace("_", " ").strip().lower().split())


def read_roster(path: str | Path) -> list[RosterEntry]:
    """The roster's students, in file order.

    Raises
    ------
    ReportError
        When the file cannot be read, has no ``folder`` column, is empty, or names one
        folder twice (the message names the file and row).
    """
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except OSError as error:
        raise ReportError(f"--roster {path}: cannot read: {error.strerror or error}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise ReportError(f"--roster {path}: not a UTF-8 CSV file ({error})") from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ReportError(f"--roster {path}: empty")
    header = [_normal(h) for h in rows[0]]
    columns: dict[str, int] = {}
    for field, names in ROSTER_COLUMNS.items():
        for name in names:
            if _normal(name) in header:
                columns[field] = header.index(_normal(name))
                break
    if "folder" not in columns:
        raise ReportError(f"--roster {path}: needs a 'folder' column (the submission folder or sheet student); "
                          f"found: {', '.join(rows[0])}")
    entries, seen = [], {}
    for number, row in enumerate(rows[1:], 2):
        cells = {field: (row[i].strip() if i < len(row) else "") for field, i in columns.items()}
        if not cells["folder"]:
            raise ReportError(f"--roster {path}: row {number}: the folder is empty")
        if cells["folder"] in seen:
            raise ReportError(f"--roster {path}: row {number}: folder {cells['folder']!r} is also on row "
                              f"{seen[cells['folder']]}")
        seen[cells["folder"]] = number
        entries.append(RosterEntry(**cells))
    if not entries:
        raise ReportError(f"--roster {path}: no students (only a header)")
    return entries
