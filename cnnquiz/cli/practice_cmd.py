"""``cnnquiz practice`` (adaptive questions, every answer kept) and ``cnnquiz progress``.

Practice asks like ``quiz`` (the shared answer loop, :func:`cnnquiz.cli.asking.ask`): one
answer per line when standard input is not a terminal; ``hint`` shows the formula
without the numbers, ``explain`` (at the next prompt) the last question step by step,
``skip`` skips, ``quit`` or Ctrl-D stops. The history lives in the user's data folder
(``CNNQUIZ_HOME`` overrides it).
"""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.table import Table
from rich.text import Text

from cnnquiz.cli._app import app, cli_errors, console, err_console

__all__ = ["practice", "progress_command", "record_quiz_answers"]

_BAR = 20


def _open_history() -> Any:
    from cnnquiz.practice.history import History

    history = History()
    for notice in history.notices:
        err_console.print(Text(f"warning: {notice}", style="yellow"), soft_wrap=True)
    return history


def _masteries(history: Any) -> dict[str, float]:
    from cnnquiz.practice.scheduler import replay

    return {topic: state.mastery for topic, state in replay(history.attempts()).topics.items()}


def _bar(share: float) -> str:
    filled = round(share * _BAR)
    return "█" * filled + "░" * (_BAR - filled)


def _ask_loop(session: Any, count: int, interactive: bool) -> list[Any]:
    from cnnquiz.bank.answer_check import Graded
    from cnnquiz.bank.render import question_panel, verdict_panel
    from cnnquiz.cli.asking import STOP_SIGNALS, ask, print_stopped
    from cnnquiz.explain.show import can_explain, explain_answered

    graded: list[Any] = []
    answered: list[Any] = []
    current: list[Any] = []

    def hint() -> None:
        lines = session.hint(current[-1])
        console.print(Text("hint: " + "\n      ".join(lines), style="cyan"))

    def explain() -> None:
        explain_answered(answered[-1] if answered else None, session.bank, console)
        if current and answered and current[-1].question is not answered[-1]:
            console.print(question_panel(current[-1].question, len(answered) + 1, count))  # back to it

    words = {"hint": hint, "explain": explain}
    try:
        for number in range(1, count + 1):
            asked = session.next()
            current.append(asked)
            console.print(Text(f"why this one: {asked.choice.reason}", style="dim"), soft_wrap=True)
            console.print(question_panel(asked.question, number, count))
            verdict, text = ask(asked.question, interactive, words)
            session.record(asked, verdict)
            q = asked.question
            graded.append(Graded(id=q.id, topic=q.topic, template=q.template, answer=text, verdict=verdict))
            console.print(verdict_panel(verdict, q))
            answered.append(q)
        if answered and can_explain(answered[-1]):
            _offer_last_explain(explain)
    except STOP_SIGNALS:
        print_stopped(len(graded), count)
    return graded


def _offer_last_explain(explain: Any) -> None:
    """After the last answer the quiz has no next prompt: offer 'explain' once (Enter or EOF ends)."""
    try:
        word = console.input(Text("'explain' to see the last one step by step, Enter to finish › ", style="dim"))
    except EOFError:
        return
    if word.strip().lower() == "explain":
        explain()


@app.command("practice")
@cli_errors
def practice(
    count: int = typer.Option(10, "--count", min=1, help="Number of questions."),
    topic: Optional[List[str]] = typer.Option(None, "--topic", help="Only these topics (repeatable)."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Same history and seed, same questions."),
    bank_dirs: Optional[List[Path]] = typer.Option(None, "--bank", help="Extra template directory (repeatable)."),
    no_shipped: bool = typer.Option(False, "--no-shipped", help="Do not load the shipped templates."),
) -> None:
    """Adaptive practice: topics and mistakes you get wrong come back, missed questions return with new numbers."""
    from cnnquiz.bank import load_bank
    from cnnquiz.bank.render import score_table, summary_line
    from cnnquiz.cli.asking import stdin_is_terminal
    from cnnquiz.practice.session import PracticeSession

    bank = load_bank(bank_dirs or None, include_shipped=not no_shipped)
    with _open_history() as history:
        before = _masteries(history)
        session = PracticeSession(history, bank, tuple(topic or ()),
                                  seed if seed is not None else secrets.randbelow(1_000_000), uuid.uuid4().hex[:12])
        console.print(Text.assemble(
            ("cnnquiz practice", "bold cyan"), f"  {count} questions, chosen from your history. ",
            ("'hint' shows the formula, 'explain' the last answer step by step, 'skip', 'quit'.", "dim"),
        ))
        # The path on a line of its own and never folded by us: a long one stays whole
        # (one piece to copy), instead of being split mid-word inside the sentence above.
        console.print(Text(f"history: {history.path}", style="dim"), soft_wrap=True, highlight=False)
        graded = _ask_loop(session, count, stdin_is_terminal())
        after = _masteries(history)
    if not graded:
        console.print(Text("No answers, nothing recorded.", style="dim"))
        return
    console.print(score_table(graded))
    console.print(summary_line(graded))
    for name in sorted({g.topic for g in graded}):
        console.print(Text(f"{name}: mastery {before.get(name, 0.5):.0%} -> {after[name]:.0%}"), highlight=False)


def record_quiz_answers(paper: Any, graded: list[Any]) -> None:
    """``cnnquiz quiz --record``: the quiz's answers into the practice history."""
    from cnnquiz.practice.session import record_quiz

    with _open_history() as history:
        count = record_quiz(history, paper, graded)
        console.print(Text(f"Kept {count} answers in {history.path} (cnnquiz progress shows them).", style="dim"),
                      highlight=False)


@app.command("progress")
@cli_errors
def progress_command(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    reset: bool = typer.Option(False, "--reset", help="Delete the whole history (asks first)."),
    yes: bool = typer.Option(False, "--yes", help="With --reset: do not ask."),
) -> None:
    """Mastery per topic, the mistakes you make most often, streaks and totals."""
    from cnnquiz.practice.progress import progress

    with _open_history() as history:
        if reset:
            _reset(history, yes)
            return
        summary = progress(history.attempts())
        path = history.path
    if as_json:
        import json

        typer.echo(json.dumps({"history": str(path), **summary.to_json()}, indent=2))
        return
    _print_progress(summary, path)


def _reset(history: Any, yes: bool) -> None:
    from cnnquiz.cli.asking import stdin_is_terminal
    from cnnquiz.practice.history import HistoryError

    count = history.count()
    if not yes:
        if not stdin_is_terminal():
            raise HistoryError(f"{history.path}: not deleting {count} answers without a yes; add --yes")
        if not typer.confirm(f"Delete all {count} answers in {history.path}?", default=False):
            console.print(Text("Nothing deleted.", style="dim"))
            return
    deleted = history.reset()
    console.print(Text(f"Deleted {deleted} answers from {history.path}."), highlight=False)


def _print_progress(summary: Any, path: Path) -> None:
    if not summary.answers:
        console.print(Text(f"No answers yet ({path}). Start with: cnnquiz practice", style="dim"), highlight=False)
        return
    table = Table(title="Mastery per topic", box=None, padding=(0, 1), title_justify="left")
    for column, justify in (("topic", "left"), ("mastery", "left"), ("", "right"), ("answered", "right"),
                            ("right", "right"), ("to review", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for t in summary.topics:
        style = "green" if t.mastered else "yellow" if t.mastery >= 0.5 else "red"
        table.add_row(t.topic, Text(_bar(t.mastery), style=style), f"{t.mastery:.0%}", str(t.answered),
                      str(t.correct), str(t.in_review) if t.in_review else "")
    console.print(table)
    if summary.mistakes:
        mistakes = Table(title="Mistakes made most often", box=None, padding=(0, 1), title_justify="left")
        mistakes.add_column("times", justify="right")
        mistakes.add_column("mistake", style="bold", max_width=30)
        mistakes.add_column("remember", ratio=1)
        for m in summary.mistakes:
            mistakes.add_row(str(m.count), m.name, m.reminder)
        console.print(mistakes)
    console.print(Text(
        f"Totals: {summary.answers} answers, {summary.correct} right ({summary.correct / summary.answers:.0%}); "
        f"sessions: {summary.sessions}; days: {summary.days}.\n"
        f"Streaks: {summary.streak} right in a row now (best {summary.best_streak}); "
        f"{summary.day_streak} day(s) in a row."), highlight=False)
    console.print(Text(f"history: {path}", style="dim"), highlight=False)
