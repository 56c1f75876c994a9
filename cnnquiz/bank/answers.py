"""Moved to :mod:`cnnquiz.bank.answer_check` (checking a typed answer); this name stays for
old importers (``cnnquiz/practice/session.py``, ``cnnquiz/cli/practice_cmd.py``, scripts)."""

from cnnquiz.bank.answer_check import *  # noqa: F401,F403 - the same public names
from cnnquiz.bank.answer_check import __all__  # noqa: F401
