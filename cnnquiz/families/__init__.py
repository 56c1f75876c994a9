"""Question families beyond the first bank: each module adds computations, mistakes, workings.

A family module (``cost``, ``design``, ...) defines, for its questions:

- ``COMPUTATIONS``: :class:`cnnquiz.computations.Computation` objects (a solver-based
  reference and its named mistaken variants, each with exactly one thing changed);
- ``MISTAKES``: :class:`cnnquiz.mistakes.Mistake` objects for the catalogue;
- ``WORKINGS``: one working writer per computation (parameters, answer -> text).

:mod:`cnnquiz.mistakes` merges them into its tables when it is imported, so every
caller (bank, quiz, grader) sees one catalogue. Importing this package imports
:mod:`cnnquiz.mistakes` first, so the merge happens whichever is imported first.
"""

from __future__ import annotations

import cnnquiz.mistakes  # noqa: F401  (loads the core tables, which merge the families' ones)
from cnnquiz.families._registry import COMPUTATIONS, MISTAKES, WORKINGS, merge_into

__all__ = ["COMPUTATIONS", "MISTAKES", "WORKINGS", "merge_into"]
