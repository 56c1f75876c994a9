"""The receptive field through a stack of layers: which input cells one output cell sees.

One step per layer. The cells are found by walking back from one unit through the
layers (a unit at ``p`` of layer ``l`` sees ``s*p + d*u`` of layer ``l-1``, ``u < k``),
so a dilated stack shows its holes (the lecture's gridding artifacts); the size
written, first to last seen cell, is the solver's ``receptive_field`` (a test checks
that the walk spans exactly that).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from cnnquiz import solver
from cnnquiz.explain.model import Explanation, ExplainError, Frame, Grid, LARGE_SIDE

__all__ = ["receptive_field_explanation", "seen_cells", "SEEN", "HOLE", "MAX_DRAWN"]

SEEN, HOLE = "■", "·"
#: The widest field drawn cell by cell (wider ones are described, not drawn).
MAX_DRAWN = 4 * LARGE_SIDE + 1


def seen_cells(layers: Sequence[tuple[int, int, int]]) -> list[int]:
    """Input positions (one axis, from 0) that unit 0 of the last layer depends on."""
    cells = {0}
    for k, s, d in reversed(layers):
        cells = {s * p + d * u for p in cells for u in range(k)}
    return sorted(cells)


def _strip(cells: list[int], offset: int, width: int) -> str:
    row = [HOLE] * width
    for cell in cells:
        row[offset + cell] = SEEN
    return " ".join(row)


def receptive_field_explanation(layers: Any) -> Explanation:
    """The receptive field of one unit after each layer of ``layers``.

    Parameters
    ----------
    layers : sequence
        As :func:`cnnquiz.solver.receptive_field` takes them: kernel sizes, tuples
        ``(kernel_size, stride, dilation)`` or mappings.

    Returns
    -------
    Explanation
        One step per layer; ``result`` holds the solver's size after each layer.
    """
    try:
        steps = solver.receptive_field(layers)
    except ValueError as error:
        raise ExplainError(f"receptive-field: {error}") from None
    triples = [(s.kernel_size, s.stride, s.dilation) for s in steps]
    result = np.array([[s.size for s in steps]])
    final = steps[-1].size
    drawn = final <= MAX_DRAWN
    picture = np.full((final, final), HOLE, dtype=object)
    grids = (Grid("input cells one output cell sees", picture, role="output"),) if drawn else ()
    dilated = any(d > 1 for _, _, d in triples)

    def build(t: int) -> Frame:
        step = steps[t]
        before = 1 if t == 0 else steps[t - 1].size
        jump = 1 if t == 0 else steps[t - 1].jump
        cells = seen_cells(triples[: t + 1])
        offset = (final - step.size) // 2
        lines = []
        if drawn:
            lines.append(f"one axis: {_strip(cells, offset, final)}")
        lines.append(f"{len(cells)} of the {step.size} cells in the span are seen, on each axis"
                     if len(cells) < step.size else f"all {step.size} cells in the span are seen")
        lines.append(f"r = {before} + {step.dilation} x ({step.kernel_size} - 1) x {jump} = {step.size}")
        title = (f"Step {t + 1} of {len(steps)}: after layer {t + 1} (kernel {step.kernel_size}, "
                 f"stride {step.stride}, dilation {step.dilation}); jump {jump} -> {step.jump}")
        shown, marks = {}, {}
        if drawn:
            picture = np.full((final, final), HOLE, dtype=object)
            seen = frozenset((offset + r, offset + c) for r in cells for c in cells)
            for cell in seen:
                picture[cell] = SEEN
            shown, marks = {0: picture}, {0: seen}
        return Frame(title, tuple(lines), marks, shown, None)

    heading = [
        "receptive field: " + ", ".join(f"layer {n + 1} (k={k}, s={s}, d={d})" for n, (k, s, d) in enumerate(triples)),
        "r grows by dilation x (kernel - 1) x jump at each layer; the jump (distance between "
        "neighbouring units, in input cells) multiplies by the stride.",
    ]
    notes: list[str] = []
    if dilated:
        plain = solver.receptive_field([(k, s, 1) for k, s, _ in triples])[-1].size
        notes.append(f"Without dilation the same stack sees {plain} x {plain}; with it, {final} x {final} "
                     "with the same number of weights.")
    if not drawn:
        notes.append(f"The field ({final} x {final}) is too large to draw cell by cell.")
    label = f"Receptive field after each layer (the last one: {final} x {final})"
    return Explanation("receptive-field", tuple(heading), grids, len(steps), result, label, build, tuple(notes))
