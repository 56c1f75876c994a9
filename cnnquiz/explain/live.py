"""The interactive view: rich ``Live`` at a terminal, space / right arrow forward, left back, q leaves.

:func:`frame_view` draws one step (a pure function of the explanation and the step,
tested without a terminal); :func:`run_live` reads keys in cbreak mode and redraws.
Marked cells are drawn in colour, or in ``[brackets]`` when the console has no colour
(``NO_COLOR``, a dumb terminal), so the view never depends on colour alone.
"""

from __future__ import annotations

import os
import select
import sys
from typing import Iterator

import numpy as np
from rich.columns import Columns
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from cnnquiz.explain.model import LARGE_SIDE, Explanation, Frame, Grid, format_value

__all__ = ["frame_view", "run_live", "read_keys", "KEYS"]

#: What each key does (the help line says it too).
KEYS = {"next": (" ", "right", "n", "enter"), "back": ("left", "p", "backspace"), "quit": ("q", "esc"),
        "first": ("home", "g"), "last": ("end", "G")}
_HELP = "space/→ next · ← back · g first · G last · q leave"
_MARK, _CURRENT, _FAINT = "bold black on yellow", "bold black on green", "dim"


def _viewport(size: int, marked: list[int]) -> tuple[int, int]:
    """The [start, stop) of at most LARGE_SIDE cells that keeps the marked ones in view."""
    if size <= LARGE_SIDE:
        return 0, size
    centre = (min(marked) + max(marked)) // 2 if marked else 0
    start = min(max(centre - LARGE_SIDE // 2, 0), size - LARGE_SIDE)
    return start, start + LARGE_SIDE


def _grid_table(grid: Grid, cells: np.ndarray, marks: frozenset, current: tuple[int, int] | None,
                plain_marks: bool, min_width: int = 1) -> Table:
    rows, cols = cells.shape
    marked = list(marks) + ([current] if current else [])
    r0, r1 = _viewport(rows, [r for r, _ in marked])
    c0, c1 = _viewport(cols, [c for _, c in marked])
    cut = "" if (r0, r1, c0, c1) == (0, rows, 0, cols) else f" rows {r0 + 1}-{r1}, cols {c0 + 1}-{c1} of {rows}x{cols}"
    title = grid.label + cut
    # Without colour a mark is a pair of brackets in the cell's own padding: " 156 " / "[156]".
    table = Table(title=Text(title, style="bold"), box=None, show_header=False,
                  padding=0 if plain_marks else (0, 0, 0, 1), title_justify="left")
    width = max(max((len(str(c)) for c in cells.ravel()), default=1), min_width)
    # Columns of one width, together at least as wide as the title (rich would widen them unevenly).
    pad = 0 if plain_marks else 1
    column = max(width + (2 if plain_marks else 0), -(-len(title) // max(c1 - c0, 1)) - pad)
    for _ in range(c1 - c0):
        table.add_column(justify="right", min_width=column)
    for r in range(r0, r1):
        row = []
        for c in range(c0, c1):
            text, style, ends = str(cells[r, c]).rjust(width), "", "  "
            if (r, c) == current:
                style, ends = _CURRENT, "<>"
            elif (r, c) in marks:
                style, ends = _MARK, "[]"
            elif (r, c) in grid.faint:
                style = _FAINT
            row.append(Text(ends[0] + text + ends[1] if plain_marks else text, style="" if plain_marks else style))
        table.add_row(*row)
    return table


def frame_view(explanation: Explanation, index: int, *, plain_marks: bool = False,
               compact: bool = False) -> RenderableType:
    """Step ``index`` drawn: the grids side by side (wrapping), the arithmetic, the key help.

    The inputs and outputs come first; a kernel with lines ``beside`` it is drawn next
    to them (its channel's products). ``compact`` (for a short terminal) draws every grid
    in the first row and each kernel's products as one wrapped paragraph instead.
    """
    frame: Frame = explanation.frame(index)
    # Outputs fill in: their columns are as wide as the result's widest number from the start.
    result_width = max((len(format_value(v)) for v in np.asarray(explanation.result).ravel()[:4096]), default=1)

    def table(n: int) -> Table:
        grid = explanation.grids[n]
        current = frame.current[1] if frame.current and frame.current[0] == n else None
        return _grid_table(grid, frame.shown.get(n, grid.cells), frame.marks.get(n, frozenset()), current,
                           plain_marks, result_width if grid.role == "output" else 1)

    beside = {} if compact else frame.beside
    top = [table(n) for n, g in enumerate(explanation.grids) if g.role != "kernel"]
    kernels = [table(n) for n, g in enumerate(explanation.grids) if g.role == "kernel" and n not in beside]
    parts: list[RenderableType] = [Text(frame.title, style="bold cyan"), Columns(top, padding=(0, 3))]
    if kernels:
        parts.append(Columns(kernels, padding=(0, 3)))
    blocks = []
    for n, lines in beside.items():
        block = Table.grid(padding=(0, 2))
        block.add_row(table(n), Text("\n".join(lines)))
        blocks.append(block)
    if blocks:
        parts.append(Columns(blocks, padding=(0, 4)))
    used = sum(len(lines) for lines in frame.beside.values())  # beside lines come first in ``lines``
    if compact:
        parts.extend(Text(" ".join(line.strip() for line in lines)) for lines in frame.beside.values())
    rest = frame.lines[used:] if compact or beside else frame.lines
    if rest:
        parts.append(Text("\n".join(rest)))
    if index == explanation.count - 1:
        parts.append(Text(" ".join((f"{explanation.result_label}: done.", *explanation.notes)), style="green"))
    parts.append(Text(f"step {index + 1}/{explanation.count} · {_HELP}", style="dim"))
    return Group(*parts)


def _fitting_view(explanation: Explanation, index: int, console: Console, plain_marks: bool) -> RenderableType:
    """The full view, or the compact one when the full one is taller than the terminal."""
    view = frame_view(explanation, index, plain_marks=plain_marks)
    if len(console.render_lines(view, console.options, pad=False)) <= console.size.height:
        return view
    return frame_view(explanation, index, plain_marks=plain_marks, compact=True)


_SEQUENCES = {"\x1b[C": "right", "\x1b[D": "left", "\x1b[H": "home", "\x1b[F": "end", "\x1bOC": "right",
              "\x1bOD": "left", "\x1b[1~": "home", "\x1b[4~": "end", "\r": "enter", "\n": "enter",
              "\x7f": "backspace", "\x1b": "esc"}


def read_keys(fd: int) -> Iterator[str]:
    """Key names from a terminal in cbreak mode (arrows come as escape sequences)."""
    while True:
        data = os.read(fd, 1).decode("utf-8", "replace")
        if not data:
            return
        if data == "\x1b":
            while select.select([fd], [], [], 0.05)[0]:
                data += os.read(fd, 1).decode("utf-8", "replace")
                if data[-1].isalpha() or data[-1] == "~":
                    break
        yield _SEQUENCES.get(data, data)


def _action(key: str) -> str | None:
    return next((action for action, keys in KEYS.items() if key in keys), None)


def run_live(explanation: Explanation, console: Console) -> int:
    """Step through ``explanation`` until q; returns the last step shown (0-based)."""
    import termios  # POSIX only: imported here so that plain mode works everywhere
    import tty

    plain_marks = console.no_color or not console.is_terminal
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    index = 0
    try:
        tty.setcbreak(fd)
        with Live(_fitting_view(explanation, index, console, plain_marks), console=console, screen=True,
                  auto_refresh=False, redirect_stdout=False) as live:
            for key in read_keys(fd):
                action = _action(key)
                if action == "quit":
                    break
                moved = {"next": min(index + 1, explanation.count - 1), "back": max(index - 1, 0),
                         "first": 0, "last": explanation.count - 1}.get(action or "", index)
                if moved != index:
                    index = moved
                    live.update(_fitting_view(explanation, index, console, plain_marks), refresh=True)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    return index
