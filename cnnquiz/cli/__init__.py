"""Command-line interface: thin commands that parse, call the library, render.

Each command lives in a module of its own that registers itself on ``app`` when
imported. ``COMMANDS`` is the registry: a new command is one module plus one line
here. Modules are imported only when their command runs (see ``_lazy``).
"""

from __future__ import annotations

import gc

from cnnquiz.cli._app import app
from cnnquiz.cli._lazy import CommandEntry

__all__ = ["app", "main", "COMMANDS"]

# name -> (module in cnnquiz.cli, the one line shown by ``cnnquiz --help``)
COMMANDS: dict[str, CommandEntry] = {
    "quiz": ("quiz_cmd", "Answer questions in the terminal; a wrong answer names the mistake."),
    "topics": ("bank_cmd", "List the topics and templates of a question bank."),
    "generate": ("bank_cmd", "Write a paper (and its key) as JSON, Markdown, Moodle XML, GIFT or Canvas QTI."),
    "grade-answers": ("quiz_cmd", "Grade typed answer sheets into a gradebook."),
    "grade": ("grade_cmd", "Grade a folder of student submissions in a sandbox."),
    "check": ("check_cmd", "Run the public tests on one student's code (for CI)."),
    "merge": ("grade_cmd", "Combine the outputs of sharded grading runs."),
    "summary": ("summary_cmd", "Per-layer output shapes and parameters of a network."),
    "bank": ("bank_cmd", "Check question banks."),
    "autograder": ("autograder_cmd", "Bundles for Gradescope and PrairieLearn; points for GitHub Classroom."),
    "explain": ("explain_cmd", "Show a convolution, pooling or receptive field step by step."),
    "practice": ("practice_cmd", "Adaptive practice: your mistakes come back, with new numbers."),
    "progress": ("practice_cmd", "Mastery per topic, the mistakes you make most, streaks and totals."),
    "report": ("report_cmd", "Class report: item facility and discrimination, mastery, the misconception map."),
    "similarity": ("similarity_cmd", "Pairwise similarity of students' code (copies of the reference flagged)."),
    "gradebook": ("gradebook_cmd", "Canvas, Moodle or CSV gradebook from grading output, with a roster and late policy."),
}


#: The collector's first threshold for the ``cnnquiz`` process (Python's default is 700).
GC_THRESHOLD = 100_000


def main() -> None:
    """The ``cnnquiz`` program (the console script and ``python -m cnnquiz``)."""
    # As mypy does: a command's start builds a large object graph that lives until exit
    # (pydantic validators, numpy's typing aliases, the bank), and at the default
    # threshold the collector rescans it again and again before the first question:
    # about 0.2-0.3x `import numpy` of every command (bench/bench_cli.py). Cycles are still
    # collected, only less often. Set here, not at import: a program importing cnnquiz
    # keeps its own settings.
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    app()
