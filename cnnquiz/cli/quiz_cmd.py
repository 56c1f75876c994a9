"""``cnnquiz quiz`` (the terminal quiz) and ``cnnquiz grade-answers`` (answer sheets).

The quiz asks each question of a seeded paper, checks the typed answer at once
(:func:`cnnquiz.bank.answer_check.check`), names the mistake and shows the working. The
answer loop is :func:`cnnquiz.cli.asking.ask` (shared with ``cnnquiz practice``): an answer
that cannot be read is asked again (at most :data:`MAX_REASKS` times, then the question
counts as skipped). Ctrl-C or end of input stops it with the score so far. With piped
standard input it asks no set-up questions and reads one answer per line (a matrix: one
line with ``;`` between rows, or one row per line until an empty line).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, Iterable, List, Optional

import typer
from rich.prompt import IntPrompt, Prompt
from rich.table import Table
from rich.text import Text

from cnnquiz.bank.answer_check import Graded
from cnnquiz.bank.question import AnswerKind, Paper, Question
from cnnquiz.bank.render import question_panel, score_table, summary_line, verdict_panel
from cnnquiz.cli._app import app, cli_errors, console, err_console
from cnnquiz.cli.asking import MAX_REASKS, STOP_SIGNALS, ask, print_stopped
# Module names of the console seams, so that a test can stand in for the terminal.
from cnnquiz.cli.asking import read_line as _line
from cnnquiz.cli.asking import stdin_is_terminal as _interactive
from cnnquiz.cli.gradebook_cmd import GRADEBOOK_HELP, LATE_HELP, ROSTER_HELP
from cnnquiz.errors import BankError
from cnnquiz.sanitize import for_terminal

__all__ = ["quiz", "grade_answers_command", "MAX_REASKS"]

_NO_SHIPPED_HELP = "Do not load the shipped templates (as for papers made with generate --no-shipped)."


def _load_bank(bank_dirs: Optional[List[Path]], no_shipped: bool = False) -> Any:
    from cnnquiz.bank import load_bank

    return load_bank(bank_dirs or None, include_shipped=not no_shipped)


def _generate(bank: Any, **options: Any) -> Paper:
    from cnnquiz.bank import generate_paper

    return generate_paper(bank, **options)


def _plan(bank: Any, **options: Any) -> Any:
    from cnnquiz.bank.generate import plan_paper

    return plan_paper(bank, **options)


def _setup(bank: Any, topics: List[str], difficulty: Optional[int], count: Optional[int]) -> tuple[list[str], Optional[int], int]:
    """Ask for what the flags did not say (only at a terminal)."""
    if not topics:
        table = Table(title="Topics", show_header=True, box=None, padding=(0, 2))
        table.add_column("topic", style="bold cyan")
        table.add_column("templates", justify="right")
        for topic, templates in bank.topics.items():
            table.add_row(topic, str(len(templates)))
        console.print(table)
        known = list(bank.topics)
        while True:
            answer = Prompt.ask("Topics (separated by spaces or commas; empty for all)", default="",
                                show_default=False, console=console)
            topics = [t for t in answer.replace(",", " ").split() if t]
            unknown = [t for t in topics if t not in known]
            if not unknown:
                break
            console.print(Text(f"unknown topic {unknown[0]!r}; choose from: {', '.join(known)}", style="red"))
    if difficulty is None:
        level = Prompt.ask("Difficulty (1 easy, 2 medium, 3 hard; empty for any)",
                           choices=["1", "2", "3", ""], default="", show_choices=False,
                           show_default=False, console=console)
        difficulty = int(level) if level else None
    if count is None:
        while True:
            count = IntPrompt.ask("How many questions", default=10, console=console)
            if count >= 1:
                break
            console.print(Text("at least one question", style="red"))
    return topics, difficulty, count


def _run(questions: Iterable[Question], count: int, interactive: bool,
         bank: Any = None) -> tuple[list[Graded], list[Question], BankError | None]:
    """Ask each question as it comes (the plan generates it only then); returns the
    graded answers, the questions shown (a prefix of the paper, the graded ones among
    them), and the error of a question that could not be generated (the quiz stops
    there, and the answers so far keep their score)."""
    graded: list[Graded] = []
    shown: list[Question] = []  # every question generated and put on screen, in order
    failure: BankError | None = None

    def explain_last() -> Any:
        """'explain' at a prompt: the last question answered (the one before this one)."""
        from cnnquiz.explain.show import explain_answered  # only once asked: not before question 1

        return explain_answered(shown[len(graded) - 1] if graded else None, bank, console)

    words = {"explain": explain_last}
    upcoming = iter(questions)
    try:
        for number in range(1, count + 1):
            try:
                question = next(upcoming, None)
            except BankError as error:  # a --bank template that cannot be drawn
                failure = error
                break
            if question is None:
                break
            shown.append(question)  # before any printing: a Ctrl-C mid-verdict still records it
            console.print(question_panel(question, number, count))
            if question.kind is AnswerKind.MATRIX and interactive:
                console.print(Text("(one row per line, an empty line to finish)", style="dim"))
            verdict, text = ask(question, interactive, words if bank is not None else None, line=_line)
            graded.append(Graded(id=question.id, topic=question.topic, template=question.template,
                                 answer=text, verdict=verdict))
            console.print(verdict_panel(verdict, question))
            if interactive and _can_explain(question):
                console.print(Text("(type 'explain' at the next prompt to see it step by step)", style="dim"))
    except STOP_SIGNALS:
        print_stopped(len(graded), count)
    return graded, shown, failure


def _can_explain(question: Question) -> bool:
    from cnnquiz.explain.show import can_explain

    return can_explain(question)


@app.command("quiz")
@cli_errors
def quiz(
    bank_dirs: Optional[List[Path]] = typer.Option(None, "--bank", help="Extra template directory (repeatable)."),
    no_shipped: bool = typer.Option(False, "--no-shipped", help=_NO_SHIPPED_HELP),
    topic: Optional[List[str]] = typer.Option(None, "--topic", help="Only these topics (repeatable)."),
    difficulty: Optional[int] = typer.Option(None, "--difficulty", min=1, max=3, help="1 easy, 2 medium, 3 hard."),
    count: Optional[int] = typer.Option(None, "--count", min=1, help="Number of questions (default 10)."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Paper seed (same seed, same paper)."),
    student: Optional[str] = typer.Option(None, "--student", help="Derive the seed from a student id."),
    record: bool = typer.Option(False, "--record", help="Keep the answers in the practice history (cnnquiz progress)."),
) -> None:
    """Take a quiz in the terminal: immediate feedback that names the mistake and shows the working."""
    if seed is not None and student is not None:
        raise typer.BadParameter("give --seed or --student, not both")
    interactive = _interactive()
    bank = _load_bank(bank_dirs, no_shipped)
    topics = list(topic or [])
    if interactive:
        try:
            topics, difficulty, count = _setup(bank, topics, difficulty, count)
        except (EOFError, KeyboardInterrupt):
            console.print(Text("\nNo quiz this time.", style="dim"))
            return
    if seed is None and student is None:
        seed = secrets.randbelow(1_000_000)
    plan = _plan(bank, seed=seed, student=student, count=count or 10,
                 topics=tuple(topics), difficulty=difficulty)
    replay = f"--student {student}" if student is not None else f"--seed {plan.seed}"
    console.print(Text.assemble(
        ("cnnquiz", "bold cyan"), f"  {len(plan.templates)} questions (replay with {replay}). ",
        ("Type 'skip' to skip a question; Ctrl-D or 'quit' stops.", "dim"),
    ))
    graded, asked, failure = _run(plan.questions(), len(plan.templates), interactive, bank)
    if record and graded:
        from cnnquiz.cli.practice_cmd import record_quiz_answers

        record_quiz_answers(plan.paper(asked), graded)
    if graded:
        console.print(score_table(graded))
        console.print(summary_line(graded))
    else:
        console.print(Text("No answers, no score.", style="dim"))
    if failure is not None:
        raise failure  # one line naming the template, exit status 2 (cli_errors)


@app.command("grade-answers")
@cli_errors
def grade_answers_command(
    sheets: Path = typer.Argument(..., help="An answer sheet (YAML, JSON, CSV) or a directory of sheets."),
    out: Path = typer.Option(..., "--out", help="Where grades.csv and <student>.json go."),
    bank_dirs: Optional[List[Path]] = typer.Option(None, "--bank", help="Extra template directory (repeatable)."),
    no_shipped: bool = typer.Option(False, "--no-shipped", help=_NO_SHIPPED_HELP),
    gradebook: Optional[str] = typer.Option(None, "--gradebook", help=GRADEBOOK_HELP),
    roster: Optional[Path] = typer.Option(None, "--roster", help=ROSTER_HELP),
    late_policy: Optional[Path] = typer.Option(None, "--late-policy", help=LATE_HELP),
) -> None:
    """Grade typed answer sheets: regenerate each student's paper and write grades.csv and <student>.json."""
    from cnnquiz.bank.sheets import grade_answers
    from cnnquiz.cli.gradebook_cmd import check_gradebook_options, gradebook_after_grading

    check_gradebook_options(gradebook, roster, late_policy)
    results = grade_answers(sheets, out, bank=_load_bank(bank_dirs, no_shipped), generate=_generate)
    table = Table(title=f"Graded {len(results)} sheets -> {out}", box=None, padding=(0, 2))
    for column, justify in (("student", "left"), ("score", "right"), ("max", "right"), ("status", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for r in results:
        style = "green" if r.status == "graded" else "red"
        table.add_row(for_terminal(r.student), f"{round(r.score, 2):g}", str(r.max_score), Text(r.status, style=style))
    console.print(table)
    errors = sum(r.status == "error" for r in results)
    console.print(Text(f"{len(results) - errors} graded, {errors} with errors; "
                       f"wrote {out / 'grades.csv'} and one <student>.json each."))
    for r in results:
        if r.error:
            err_console.print(Text(for_terminal(f"{r.student}: {r.error}", markup=False), style="red"), soft_wrap=True)
    gradebook_after_grading(out, gradebook, roster, late_policy)
