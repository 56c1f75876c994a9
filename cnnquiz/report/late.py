"""A late policy: a due date, a deduction per day late with a cap, and where the
submission times come from. Applied to a gradebook, it states itself for every student.

The policy is a small YAML file (paths relative to it)::

    due: 2026-03-01T23:59:00+01:00   # a time zone is required (no guessing)
    per_day: 10                      # percent of the marks per day late (a started day counts)
    cap: 50                          # never more than this percent
    grace_minutes: 15                # submissions this late count as on time
    times:                           # where each student's submission time comes from
      from: gradescope               # gradescope | csv | git
      path: submissions              # gradescope, git: the submissions folder; csv: the file

- ``gradescope``: ``<path>/<student>/submission_metadata.json`` as Gradescope hands it to
  an autograder (``created_at``), or one ``submission_metadata.json`` file mapping each
  student (folder name) to an object with ``created_at``;
- ``csv``: columns ``student`` and ``submitted_at`` (ISO 8601 with a time zone);
- ``git``: the committer time of the last commit touching ``<path>/<student>``. Students
  control commit times: use it for honest-mistake policies, not against cheating.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import json
import math
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from cnnquiz.report.load import ReportError
from cnnquiz.yamlfile import read_yaml, validation_problems

__all__ = ["TimesSource", "SubmissionTimes", "LatePolicy", "LateVerdict", "load_policy", "submission_times",
           "parse_time"]


_TIME = TypeAdapter(dt.datetime)


class TimesSource(str, enum.Enum):
    GRADESCOPE = "gradescope"
    CSV = "csv"
    GIT = "git"


class SubmissionTimes(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    source: TimesSource = Field(alias="from")
    path: Path


def parse_time(text: str, where: str) -> dt.datetime:
    """An ISO 8601 time with a time zone (``Z`` or ``+01:00``), as UTC.

    Raises
    ------
    ReportError
        When ``text`` is not such a time (``where`` names the file and field).
    """
    # pydantic reads every ISO 8601 form on every Python (3.10's fromisoformat does not: ".5", "Z").
    try:
        value = _TIME.validate_python(str(text).strip())
    except ValidationError:
        raise ReportError(f"{where}: not an ISO 8601 time: {text!r}") from None
    if value.tzinfo is None:
        raise ReportError(f"{where}: {text!r} has no time zone; write e.g. {text}+00:00")
    return value.astimezone(dt.timezone.utc)


class LatePolicy(BaseModel):
    """A deduction of ``per_day`` percent of the marks per (started) day late, at most ``cap``."""

    model_config = ConfigDict(extra="forbid")
    due: dt.datetime
    per_day: float = Field(gt=0, le=100)
    cap: float = Field(100, gt=0, le=100)
    grace_minutes: float = Field(0, ge=0)
    times: SubmissionTimes

    @field_validator("due")
    @classmethod
    def _zoned(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("needs a time zone, e.g. 2026-03-01T23:59:00+01:00")
        return value.astimezone(dt.timezone.utc)

    def verdict(self, submitted: dt.datetime | None, max_score: float) -> "LateVerdict":
        """How late ``submitted`` is and what it costs out of ``max_score``."""
        if submitted is None:
            return LateVerdict(None, 0, 0.0, "late policy: no submission time found; no deduction applied")
        late = submitted - self.due - dt.timedelta(minutes=self.grace_minutes)
        when = f"submitted {_show(submitted)}, due {_show(self.due)}"
        if late <= dt.timedelta(0):
            return LateVerdict(submitted, 0, 0.0, f"on time ({when})")
        days = math.ceil(late / dt.timedelta(days=1))
        percent = min(self.cap, self.per_day * days)
        points = max_score * percent / 100
        capped = " (the cap)" if percent == self.cap and self.per_day * days > self.cap else ""
        return LateVerdict(submitted, days, points,
                           f"late by {days} day{'s' if days > 1 else ''} ({when}): -{_number(percent)}%{capped} "
                           f"of {_number(max_score)} = -{_number(points)} points "
                           f"({_number(self.per_day)}% a day, at most {_number(self.cap)}%)")


@dataclass(frozen=True)
class LateVerdict:
    submitted: dt.datetime | None
    days: int
    deduction: float  # points
    statement: str


def _show(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _number(value: float) -> str:
    rounded = round(value, 2)
    return str(int(rounded)) if float(rounded).is_integer() else f"{rounded:g}"


def load_policy(path: str | Path) -> LatePolicy:
    """The late policy in a YAML file (``times.path`` made relative to the file).

    Raises
    ------
    ReportError
        ``late.yaml: per_day: Input should be greater than 0`` and the like.
    """
    path = Path(path)
    data = read_yaml(path, ReportError)
    if not isinstance(data, dict):
        raise ReportError(f"{path}: a late policy is a mapping (due, per_day, cap, times)")
    try:
        policy = LatePolicy.model_validate(data)
    except ValidationError as error:
        loc, message = validation_problems(error)[0]
        raise ReportError(f"{path}: {loc or 'policy'}: {message}") from None
    if not policy.times.path.is_absolute():
        policy = policy.model_copy(update={"times": SubmissionTimes(source=policy.times.source,
                                                                    path=path.parent / policy.times.path)})
    return policy


def _gradescope(path: Path, students: list[str]) -> dict[str, dt.datetime]:
    def created(data: Any, where: str) -> dt.datetime | None:
        if isinstance(data, dict):
            value = data.get("created_at", data.get(":created_at"))
            return parse_time(value, f"{where}: created_at") if value else None
        return None

    if path.is_file():
        data = _json(path)
        if not isinstance(data, dict):
            raise ReportError(f"{path}: expected an object mapping students to their submission metadata")
        found = {str(k).lstrip(":"): created(v, f"{path}: {k}") for k, v in data.items()}
        return {k: v for k, v in found.items() if v is not None}
    times = {}
    for student in students:
        meta = path / student / "submission_metadata.json"
        if meta.is_file() and (value := created(_json(meta), str(meta))) is not None:
            times[student] = value
    return times


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ReportError(f"{path}: cannot read: {error}") from None
    except json.JSONDecodeError as error:
        raise ReportError(f"{path}: line {error.lineno}: {error.msg}") from None


def _csv(path: Path) -> dict[str, dt.datetime]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ReportError(f"{path}: cannot read: {error}") from None
    times = {}
    for number, row in enumerate(rows, 2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if "student" not in row or "submitted_at" not in row:
            raise ReportError(f"{path}: needs the columns student and submitted_at")
        if row["student"] and row["submitted_at"]:
            times[row["student"]] = parse_time(row["submitted_at"], f"{path}: row {number}: submitted_at")
    return times


def _git(path: Path, students: list[str]) -> dict[str, dt.datetime]:
    times = {}
    for student in students:
        folder = path / student
        if not folder.is_dir():
            continue
        try:
            done = subprocess.run(["git", "-C", str(folder), "log", "-1", "--format=%cI", "--", "."],
                                  capture_output=True, text=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ReportError(f"{folder}: cannot run git: {error}") from None
        if done.returncode == 0 and done.stdout.strip():
            times[student] = parse_time(done.stdout.strip(), f"{folder}: git commit time")
    return times


def submission_times(policy: LatePolicy, students: list[str]) -> Mapping[str, dt.datetime]:
    """Each student's submission time (UTC) from the policy's source; absent ones are left out.

    Raises
    ------
    ReportError
        When the source cannot be read or holds a time that is not ISO 8601 with a zone.
    """
    source, path = policy.times.source, policy.times.path
    if not path.exists():
        raise ReportError(f"times.path {path}: no such file or folder")
    if source is TimesSource.CSV:
        return _csv(path)
    if source is TimesSource.GIT:
        return _git(path, students)
    return _gradescope(path, students)
