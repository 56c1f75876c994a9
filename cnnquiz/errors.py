"""The one exception root of cnnquiz.

Library code raises :class:`CnnquizError` (or a subclass) for anything the user
can fix: a bad file, a bad argument, a broken spec. The CLI catches it once and
prints one line on stderr. The solver raises plain ``ValueError`` (it is pure and
imports nothing of ours); callers that feed it user data translate those.
"""

from __future__ import annotations

__all__ = ["CnnquizError", "SpecError", "BankError", "SheetError", "GradingError"]


class CnnquizError(Exception):
    """Anything the user can fix. ``str(error)`` is the one line to print."""


class SpecError(CnnquizError):
    """A network spec that cannot be summarized (names the file and layer)."""


class BankError(CnnquizError):
    """A question bank or assignment file that does not validate."""


class SheetError(CnnquizError):
    """An answer sheet that cannot be read."""


class GradingError(CnnquizError):
    """Grading itself could not run (bad path, unwritable output, ...)."""
