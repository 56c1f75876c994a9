"""Output size by counting: the window's positions along one axis, one position a step.

The count is the solver's (``conv2d_output_size`` / ``pool2d_output_size``); each step
shows where that window sits in the padded row, so the ``+ 1`` of the formula is seen
to be the first window. A test checks that the last window fits and the next would not.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cnnquiz import solver
from cnnquiz.explain.model import Explanation, ExplainError, Frame, Grid, text_cells
from cnnquiz.explain.sliding import int_pair

__all__ = ["output_size_explanation"]


def output_size_explanation(size: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                            *, pool: bool = False) -> Explanation:
    """The window positions along the height (and the width, when it differs).

    Parameters
    ----------
    size, kernel_size, stride, padding, dilation : int or (h, w)
        As :func:`cnnquiz.solver.conv2d_output_size` takes them; ``stride=None`` is 1 for a
        convolution and the kernel size for pooling (``pool=True``), as in PyTorch.

    Returns
    -------
    Explanation
        One step per window position; ``result`` is the solver's output size per axis.
    """
    if isinstance(padding, str):
        raise ExplainError(f"padding must be a number of pixels to count the windows; got padding={padding!r}")
    stride = (kernel_size if pool else 1) if stride is None else stride
    call = solver.pool2d_output_size if pool else solver.conv2d_output_size
    try:
        out = call(size=size, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation)
    except ValueError as error:
        raise ExplainError(f"{'pool' if pool else 'conv'}2d output size: {error}") from None
    outs = out if isinstance(out, tuple) else (out, out)
    n, k, s = int_pair(size, "size", 1), int_pair(kernel_size, "kernel_size", 1), int_pair(stride, "stride", 1)
    p, d = int_pair(padding, "padding", 0), int_pair(dilation, "dilation", 1)
    axes = [0] if n[0] == n[1] and k[0] == k[1] and s[0] == s[1] and p[0] == p[1] and d[0] == d[1] else [0, 1]
    names = ("height", "width") if len(axes) == 2 else ("one axis",)
    grids, steps = [], []
    for a in axes:
        padded = n[a] + 2 * p[a]
        cells = text_cells(np.arange(1, padded + 1)[None, :])
        faint = frozenset((0, c) for c in range(padded) if c < p[a] or c >= padded - p[a])
        grids.append(Grid(f"{names[a]}: the padded row, cells 1-{padded}" if p[a] else
                          f"{names[a]}: cells 1-{padded}", cells, faint))
        steps.extend((a, t) for t in range(outs[a]))
    first_out = len(grids)
    for a in axes:
        grids.append(Grid(f"{names[a]}: windows counted", text_cells(np.full((1, outs[a]), np.nan)), role="output"))

    def build(index: int) -> Frame:
        a, t = steps[index]
        padded, span = n[a] + 2 * p[a], d[a] * (k[a] - 1) + 1
        start = t * s[a]
        seen = frozenset((0, start + d[a] * u) for u in range(k[a]))
        lines = [f"window {t + 1} starts at cell {start + 1} = 1 + {t} x {s[a]} and ends at cell {start + span}"]
        if t == outs[a] - 1:
            lines.append(f"the next one would end at cell {start + s[a] + span}, past cell {padded}: no room")
        lines.append(f"windows so far: {t} + 1 = {t + 1}")
        shown = {}
        for b, axis in enumerate(axes):
            done = outs[axis] if axis < a else (t + 1 if axis == a else 0)
            counted = np.full((1, outs[axis]), np.nan)
            counted[0, :done] = np.arange(1, done + 1)
            shown[first_out + b] = text_cells(counted)
        title = f"Step {index + 1} of {len(steps)}: {names[axes.index(a)]}, window {t + 1}"
        return Frame(title, tuple(lines), {axes.index(a): seen}, shown, (first_out + axes.index(a), (0, t)))

    formula = []
    for a in axes:
        kernel = f"{k[a]}" if d[a] == 1 else f"({d[a]} x ({k[a]} - 1) + 1)"
        formula.append(f"{names[a]}: floor(({n[a]} + 2 x {p[a]} - {kernel}) / {s[a]}) + 1 = {outs[a]}"
                       " (the + 1 is the first window)")
    heading = (f"{'pool' if pool else 'conv'}2d output size: input {n[0]}x{n[1]}, kernel {k[0]}x{k[1]}, "
               f"stride {s[0]}x{s[1]}, padding {p[0]}x{p[1]}" + (f", dilation {d[0]}x{d[1]}" if d != (1, 1) else ""),
               "Count the positions of the window: it starts at the first cell and moves by the stride "
               "while it still fits inside the padded input.")
    result = np.array([[outs[a] for a in axes]])
    label = "Output size (" + " x ".join(names) + ")" if len(axes) == 2 else "Output size"
    return Explanation("output-size", heading, tuple(grids), len(steps), result, label, build, tuple(formula))
