"""Plain-text explanation: pipeable, golden-tested, read line by line by a screen reader.

The set-up and the given grids first, then one block per step (its title, then the
arithmetic, the last line ending ``= value``), then the whole result. A large
explanation (a grid wider than :data:`~cnnquiz.explain.model.LARGE_SIDE`) shows the
first :data:`LARGE_STEPS` steps and the last one, and says how many it left out; grids are cut to
their top-left corner with the cut said in words.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from cnnquiz.explain.model import LARGE_SIDE, Explanation, Grid, format_value

__all__ = ["plain_text", "plain_lines", "grid_lines", "result_lines", "LARGE_STEPS"]

#: Steps shown in full when an explanation is large.
LARGE_STEPS = 3


def grid_lines(cells: np.ndarray, indent: str = "  ") -> list[str]:
    """A 2-D array of cell texts as right-aligned rows; cut to LARGE_SIDE with the cut said."""
    rows, cols = cells.shape
    shown = cells[:LARGE_SIDE, :LARGE_SIDE]
    width = max((len(str(c)) for c in shown.ravel()), default=1)
    lines = [indent + " ".join(str(c).rjust(width) for c in row) + (" …" if cols > LARGE_SIDE else "")
             for row in shown]
    cut = [f"the first {LARGE_SIDE} of {n} {what}" for n, what in ((rows, "rows"), (cols, "columns"))
           if n > LARGE_SIDE]
    if cut:
        lines.append(f"{indent}({' and '.join(cut)})")
    return lines


def _given(grid: Grid) -> list[str]:
    rows, cols = grid.shape
    return [f"{grid.label} ({rows} x {cols}):", *grid_lines(grid.cells)]


def result_lines(explanation: Explanation) -> list[str]:
    """The whole result (the solver's) and the notes after it."""
    result = np.asarray(explanation.result)
    lines = [f"{explanation.result_label}:"]
    text = np.vectorize(format_value, otypes=[object])(result) if result.size else result
    if result.ndim == 3 and result.shape[0] > 1:
        for k in range(result.shape[0]):
            lines.append(f" channel {k + 1}:")
            lines.extend(grid_lines(text[k]))
    elif result.ndim == 3:
        lines.extend(grid_lines(text[0]))
    else:
        lines.extend(grid_lines(np.atleast_2d(text)))
    return lines + list(explanation.notes)


def plain_lines(explanation: Explanation, *, all_steps: bool = False) -> Iterator[str]:
    """The explanation line by line (no trailing newlines).

    Parameters
    ----------
    explanation : Explanation
    all_steps : bool
        Show every step even when the explanation is large.
    """
    yield from explanation.heading
    for grid in explanation.grids:
        if grid.role != "output":
            yield ""
            yield from _given(grid)
    steps = list(range(explanation.count))
    if explanation.large and not all_steps and explanation.count > LARGE_STEPS + 1:
        steps = steps[:LARGE_STEPS] + [None, steps[-1]]  # the first few, a gap, the last
    for index in steps:
        yield ""
        if index is None:
            yield (f"… {explanation.count - LARGE_STEPS - 1} more steps, each the same computation one "
                   "position further (the input is large: the first and the last steps are written out).")
            continue
        frame = explanation.frame(index)
        yield frame.title
        yield from frame.lines
    yield ""
    yield from result_lines(explanation)


def plain_text(explanation: Explanation, *, all_steps: bool = False) -> str:
    """:func:`plain_lines` joined, with a final newline."""
    return "\n".join(plain_lines(explanation, all_steps=all_steps)) + "\n"
