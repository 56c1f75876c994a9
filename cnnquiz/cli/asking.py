"""Asking one question in the terminal: the answer loop ``cnnquiz quiz`` and ``cnnquiz practice`` share.

An answer that cannot be read is asked again (at most :data:`MAX_REASKS` times, then the
question counts as skipped); ``skip`` skips, ``quit`` raises :class:`Stop`, and commands
the caller names (``explain``, ``hint``) run instead of being graded. With piped standard
input each answer is one line, echoed so that transcripts read like a session; a matrix
may be one line with ``;`` between rows, a nested list over several lines, or one row per
line until an empty line. A caller ends its loop on any of :data:`STOP_SIGNALS`.
"""

from __future__ import annotations

import sys
from typing import Callable, Mapping

from rich.text import Text

from cnnquiz.bank.answer_check import Verdict, check, skipped
from cnnquiz.bank.question import AnswerKind, Question
from cnnquiz.bank.render import verdict_panel
from cnnquiz.cli._app import console

__all__ = ["MAX_REASKS", "Stop", "STOP_SIGNALS", "LineReader", "stdin_is_terminal", "read_line", "ask", "print_stopped"]

MAX_REASKS = 3
_SKIP = ("skip", "pass", "?")
_QUIT = ("quit", "exit", ":q")
_WORDS = ("explain", "hint")  # commands a caller may offer (see ask's ``words``): never part of a matrix


class Stop(Exception):
    """The student asked to stop (``quit``), handled like Ctrl-C / end of input."""


#: What ends a run of questions early: end of input (Ctrl-D), Ctrl-C, ``quit``.
STOP_SIGNALS = (EOFError, KeyboardInterrupt, Stop)

#: Reads one line after showing a prompt; the second argument says whether stdin is a terminal.
LineReader = Callable[[str, bool], str]


def stdin_is_terminal() -> bool:
    """Whether standard input is a terminal (set-up questions, confirmations, multi-line hints)."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):  # replaced or closed stdin
        return False


def read_line(prompt: str, interactive: bool) -> str:
    """One line of input after ``prompt``; a piped line is echoed (readable transcripts)."""
    text = console.input(Text(prompt, style="bold"))
    if not interactive:
        console.print(Text(text), highlight=False)
    return text


def _read_answer(question: Question, interactive: bool, line: LineReader) -> str:
    """One answer; blank lines are ignored; a matrix may span several lines."""
    while True:
        first = line("your answer › ", interactive)
        if first.strip():
            break
        if interactive:
            console.print(Text("type an answer, 'skip' to skip, or 'quit' to stop", style="dim"))
    if question.kind is not AnswerKind.MATRIX or first.strip().lower() in _SKIP + _QUIT + _WORDS:
        return first
    nested = first.strip().startswith("[[")
    if any(mark in first for mark in ";|") or (nested and _balanced(first)):
        return first
    rows = [first]
    while True:
        try:
            more = line("          … ", interactive)
        except EOFError:
            break
        if not more.strip():
            break
        rows.append(more)
        if nested and _balanced("".join(rows)):
            break  # [[4, 3], ... typed over several lines: done at the last ]
    return "\n".join(rows)


def _balanced(text: str) -> bool:
    return text.count("[") == text.count("]")


def ask(question: Question, interactive: bool, words: Mapping[str, Callable[[], None]] | None = None,
        *, line: LineReader = read_line) -> tuple[Verdict, str | None]:
    """Ask ``question`` until its answer can be read or it is skipped.

    Parameters
    ----------
    question
        The question (already shown to the student).
    interactive
        Whether standard input is a terminal (:func:`stdin_is_terminal`).
    words
        Commands typed instead of an answer (``explain``, ``hint``) -> what they do; the
        question is asked again afterwards.
    line
        Where lines come from (:func:`read_line`, the console).

    Returns
    -------
    tuple
        The verdict and the text typed (None when the question was skipped by ``skip``).

    Raises
    ------
    EOFError, KeyboardInterrupt, Stop
        End of input, Ctrl-C, ``quit``: the caller ends its run (:data:`STOP_SIGNALS`).
    """
    errors = 0
    while True:
        text = _read_answer(question, interactive, line)
        word = text.strip().lower()
        if word in _QUIT:
            raise Stop
        if word in _SKIP:
            return skipped(question, "Skipped."), None
        if words and word in words:
            words[word]()
            continue
        verdict = check(question, text)
        if verdict.format_error is None:
            return verdict, text
        errors += 1
        if errors > MAX_REASKS:
            return skipped(question, f"Skipped: {errors} answers could not be read."), text
        console.print(verdict_panel(verdict, question))


def print_stopped(answered: int, count: int) -> None:
    """The line that ends a run stopped early (after a blank line: Ctrl-C leaves the cursor mid-line)."""
    console.print()
    console.print(Text(f"Stopped after {answered} of {count} questions.", style="bold yellow"))
