"""The course secret that makes hidden tests different for every student.

Hidden test values are drawn from ``(secret, student id, assignment seed, test)``
(:func:`cnnquiz.grading.cases.build_cases`), so a table of answers precomputed for one
student, or from the assignment file that ships with cnnquiz, is worth nothing for
another. The secret stays out of the repository: it comes from

1. the ``CNNQUIZ_SECRET`` environment variable, when it is set and not empty; else
2. the file the assignment names under ``secret_file:`` (a path relative to the
   assignment file; its text, surrounding whitespace stripped).

Without either, hidden tests are drawn from the assignment's own ``seed`` alone: the
same for everyone, and predictable by anyone who has the assignment file. Grading says
so in its summary. Public tests never depend on the secret: students see the same ones
in ``cnnquiz check`` and in CI.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cnnquiz.errors import GradingError
from cnnquiz.grading.assignment import Assignment
from cnnquiz.sanitize import for_utf8

__all__ = ["SECRET_ENV", "CourseSecret", "load_secret", "PREDICTABLE_NOTE"]

SECRET_ENV = "CNNQUIZ_SECRET"
PREDICTABLE_NOTE = (
    "hidden tests are drawn from the assignment's own seed (no course secret: set CNNQUIZ_SECRET or the "
    "assignment's secret_file), so they are the same for every student and predictable from the assignment file"
)
_MAX_SECRET_BYTES = 1 << 16


@dataclass(frozen=True)
class CourseSecret:
    """A course secret and where it came from (never the secret in any output)."""

    value: str
    source: str  # "CNNQUIZ_SECRET" or the file's path

    def __repr__(self) -> str:  # keep the value out of logs and tracebacks
        return f"CourseSecret(source={self.source!r})"

    @property
    def fingerprint(self) -> str:
        """A digest that changes when the secret changes (for ``--resume``), too slow to guess secrets from.

        It reaches every ``results.json`` (through ``assignment_sha256``), which students
        see beside the assignment file, so a fast hash would let anyone test guesses of
        a weak secret offline at billions a second. scrypt (:data:`SCRYPT_PARAMETERS`,
        16 MiB and tens of milliseconds a guess) makes that impractical; it is derived
        once per process and secret.
        """
        return _scrypt_fingerprint(self.value)


SCRYPT_PARAMETERS = {"salt": b"cnnquiz-resume", "n": 2**14, "r": 8, "p": 1}
"""The key derivation of :attr:`CourseSecret.fingerprint` (changing it regrades everything once on ``--resume``)."""


@functools.lru_cache(maxsize=8)
def _scrypt_fingerprint(value: str) -> str:
    return hashlib.scrypt(value.encode("utf-8", "surrogateescape"), **SCRYPT_PARAMETERS, dklen=32).hex()


def load_secret(assignment: Assignment) -> CourseSecret | None:
    """The course secret for ``assignment``, or None when it has none.

    Raises
    ------
    GradingError
        When the assignment names a ``secret_file`` that cannot be read or is empty
        (grading with predictable hidden tests by accident would be worse than stopping).
    """
    value = for_utf8(os.environ.get(SECRET_ENV, ""))  # bytes that are not UTF-8 kept, as \xNN
    if value.strip():
        return CourseSecret(value.strip(), SECRET_ENV)
    if not assignment.secret_file:
        return None
    base = Path(assignment.source).parent if assignment.source != "<memory>" else Path.cwd()
    path = base / assignment.secret_file
    try:
        with open(path, "rb") as handle:
            raw = handle.read(_MAX_SECRET_BYTES + 1)
    except OSError as error:
        raise GradingError(
            f"{assignment.source}: secret_file {assignment.secret_file!r}: cannot read {path}: {error.strerror or error} "
            f"(or set {SECRET_ENV})"
        ) from None
    if len(raw) > _MAX_SECRET_BYTES:
        raise GradingError(f"{path}: a course secret file must be at most {_MAX_SECRET_BYTES} bytes")
    text = for_utf8(raw).strip()
    if not text:
        raise GradingError(f"{path}: the course secret file is empty")
    return CourseSecret(text, str(path))
