"""Command-line interface: thin commands that parse, call the library, render.

Each command lives in its own module and registers itself on ``app``.
"""

from __future__ import annotations

from cnnquiz.cli._app import app

# Importing the command modules registers their commands on ``app``.
from cnnquiz.cli import summary_cmd  # noqa: E402,F401
from cnnquiz.cli import grade_cmd  # noqa: E402,F401
from cnnquiz.cli import quiz_cmd  # noqa: E402,F401
from cnnquiz.cli import bank_cmd  # noqa: E402,F401

__all__ = ["app", "main"]


def main() -> None:
    app()
