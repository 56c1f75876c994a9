"""Terminal rendering of questions, verdicts and scores with rich.

Rendering only: every function takes models (:class:`Question`, :class:`Verdict`,
:class:`Graded`) and returns a rich renderable; nothing here checks answers or
prints. Text from questions goes through :class:`rich.text.Text`, never markup, so
that prompts like ``[10, 32, 32]`` print as typed.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
from rich import box
from rich.columns import Columns
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from cnnquiz.bank.answer_check import Graded, Verdict, expected_format, mistake_entry, total
from cnnquiz.bank.parse import parse_matrix
from cnnquiz.bank.question import AnswerKind, Question

__all__ = [
    "grid",
    "param_grids",
    "question_panel",
    "verdict_panel",
    "score_table",
    "summary_line",
    "STATUS_STYLE",
]

STATUS_STYLE: dict[str, tuple[str, str]] = {
    # status -> (label, style)
    "correct": ("✓ correct", "bold green"),
    "partial": ("◐ partly right", "bold yellow"),
    "wrong": ("✗ not right", "bold red"),
    "format_error": ("? not understood", "bold magenta"),
    "skipped": ("– skipped", "dim"),
}

_MAX_GRIDS = 8
_MAX_SIDE = 12
_VECTOR_PARAMS = ("z", "x", "bias", "logits")


def _cell(value: Any) -> str:
    number = float(value)
    if number.is_integer() and abs(number) < 2**53:
        return str(int(number))
    return f"{number:.4g}"


def grid(title: str, values: Any, *, style: str = "") -> Table:
    """A small 2-D array as a boxed grid of right-aligned numbers (1-D: one row)."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    table = Table(title=title, title_style="bold", show_header=False, box=box.SQUARE,
                  padding=(0, 1), style=style, expand=False)
    for _ in range(arr.shape[1]):
        table.add_column(justify="right")
    for row in arr:
        table.add_row(*(_cell(v) for v in row))
    return table


def _numeric(value: Any) -> np.ndarray | None:
    if isinstance(value, (str, bytes, bool)) or value is None:
        return None
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return arr


def param_grids(params: Mapping[str, Any]) -> list[Table]:
    """Grids for the matrices among a question's parameters: an input ``x (C, H, W)``
    gives one grid per channel, a weight ``(K, C, kh, kw)`` one per filter and channel."""
    tables: list[Table] = []
    for name, value in params.items():
        arr = _numeric(value)
        if arr is None or arr.ndim == 0 or arr.size == 0:
            continue
        if arr.ndim == 1:
            if name in _VECTOR_PARAMS and arr.size <= _MAX_SIDE:
                tables.append(grid(name, arr))
            continue
        if max(arr.shape[-2:]) > _MAX_SIDE:
            continue
        lead = arr.shape[:-2]
        for index in np.ndindex(*lead):
            label = name if all(n == 1 for n in lead) else f"{name}[{', '.join(map(str, index))}]"
            tables.append(grid(label, arr[index]))
    return tables[:_MAX_GRIDS]


def _stars(difficulty: int) -> str:
    return "★" * difficulty + "☆" * (3 - difficulty)


_NUMBER_ROW = re.compile(r"^\s{2,}[-+]?(\d|\.\d)[-+\d.eE/\s]*$")


def _prompt_parts(prompt: str) -> tuple[list[RenderableType], bool]:
    """The prompt with its indented blocks of numbers drawn as grids, in place.

    Returns the parts and whether any block was found.
    """
    parts: list[RenderableType] = []
    text: list[str] = []
    block: list[list[str]] = []
    found = False

    def flush_text() -> None:
        joined = "\n".join(text).strip("\n")
        if joined.strip():
            parts.append(Text(joined))
        text.clear()

    def flush_block() -> None:
        nonlocal found
        widths = {len(row) for row in block}
        if len(widths) == 1:
            parts.append(grid("", [[float(_fraction(v)) for v in row] for row in block]))
            found = True
        else:
            text.extend("    " + "  ".join(row) for row in block)
        block.clear()

    for line in prompt.splitlines():
        if _NUMBER_ROW.match(line):
            if not block:
                flush_text()
            block.append(line.split())
            continue
        if block:
            flush_block()
        text.append(line)
    if block:
        flush_block()
    flush_text()
    return parts, found


def _fraction(token: str) -> float:
    top, _, bottom = token.partition("/")
    return float(top) / float(bottom) if bottom else float(top)


def question_panel(question: Question, number: int | None = None, count: int | None = None) -> Panel:
    """The prompt (its matrices as grids), the lettered options and what to type.

    Matrices printed in the prompt become grids in place; otherwise the matrices among
    the parameters are shown as grids side by side under the prompt.
    """
    parts, inline = _prompt_parts(question.prompt)
    tables = [] if inline else param_grids(question.params)
    if tables:
        parts.append(Columns(tables, padding=(0, 3)))
    if question.kind is AnswerKind.CHOICE:
        options = Text()
        for index, option in enumerate(question.choices or []):
            options.append(f"  ({chr(ord('a') + index)}) ", style="bold cyan")
            options.append(f"{option}\n")
        options.rstrip()
        parts.append(options)
    parts.append(Text(f"Answer: {expected_format(question)}", style="dim"))
    where = f"Question {number}/{count}" if number and count else (question.id or "Question")
    title = Text.assemble((where, "bold"), f"  ·  {question.topic}  ·  ", (_stars(question.difficulty), "yellow"))
    return Panel(Group(*parts), title=title, title_align="left", box=box.ROUNDED, padding=(0, 1))


def _status_text(verdict: Verdict) -> Text:
    label, style = STATUS_STYLE[verdict.status]
    text = Text(label, style=style)
    if verdict.status == "partial":
        text.append(f"  (credit {verdict.credit:.2f})", style="yellow")
    return text


def verdict_panel(verdict: Verdict, question: Question | None = None, *, show_working: bool = True) -> RenderableType:
    """The verdict in colour, the named mistake, the key (a grid for matrices), the working."""
    lines: list[RenderableType] = [_status_text(verdict)]
    if verdict.status == "format_error":
        lines.append(Text(f"{verdict.format_error}.", style="magenta"))
        return Group(*lines)
    entry = mistake_entry(verdict.mistake)
    if entry is not None:
        lines.append(Text.assemble(("Mistake: ", "bold red"), (entry.name, "bold"), f" — {entry.explanation}"))
    rest = verdict.feedback
    for prefix in ("Correct.", "Partly right.", "Not right."):
        rest = rest.removeprefix(prefix).strip()
    if entry is not None:
        rest = rest.removeprefix(f"Not quite: {entry.name}. {entry.explanation}").strip()
    if rest:
        lines.append(Text(rest))
    if question is not None and question.kind is AnswerKind.MATRIX and not verdict.correct:
        tables = []
        if verdict.given:
            try:
                tables.append(grid("yours", parse_matrix(verdict.given), style="red"))
            except ValueError:
                pass
        key = np.asarray(question.answer, dtype=float)
        while key.ndim > 2 and key.shape[0] == 1:
            key = key[0]
        if key.ndim <= 2:
            tables.append(grid("answer", key, style="green"))
        if tables:
            lines.append(Columns(tables, padding=(0, 3)))
    if show_working and verdict.working and not verdict.correct:
        lines.append(Text.assemble(("Working: ", "bold cyan"), (verdict.working, "cyan")))
    border = STATUS_STYLE[verdict.status][1].replace("bold ", "")
    return Panel(Group(*lines), box=box.ROUNDED, border_style=border, padding=(0, 1))


def _points(score: float) -> str:
    """Two decimals at most: ``1.8889`` -> ``1.89``, ``2.0`` -> ``2``."""
    return f"{score:.2f}".rstrip("0").rstrip(".")


def _short(text: str | None, width: int = 28) -> str:
    if text is None:
        return "—"
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def score_table(graded: Sequence[Graded], *, title: str = "Score") -> Table:
    """One row per question (question, topic, your answer, result, credit) and the total."""
    score, max_score = total(graded)
    table = Table(title=title, box=box.SIMPLE_HEAVY, show_footer=True, title_style="bold")
    table.add_column("question", footer="total")
    table.add_column("topic")
    table.add_column("your answer")
    table.add_column("result")
    table.add_column("credit", justify="right", footer=f"{_points(score)} / {max_score}")
    for item in graded:
        verdict = item.verdict
        label, style = STATUS_STYLE[verdict.status]
        result = Text(label, style=style)
        name = verdict.mistake_name
        if name and not verdict.correct:
            result.append(f": {name}", style="")
        answer = verdict.given or item.answer
        table.add_row(item.id, item.topic, Text(_short(answer)), result, f"{verdict.credit:.2f}")
    return table


def summary_line(graded: Iterable[Graded]) -> Text:
    """``Score: 7.5 / 10 (75%)``."""
    items = list(graded)
    score, max_score = total(items)
    share = f" ({100 * score / max_score:.0f}%)" if max_score else ""
    return Text.assemble(("Score: ", "bold"), f"{_points(score)} / {max_score}{share}")
