"""Transposed convolution as a scatter: each input cell stamps the kernel, scaled, onto the output.

One step per input cell: the stamp's rows and columns in the full (uncropped) output,
the scaled kernel, and the running sum. The last step's running sum, with ``padding``
cropped from every side (and ``output_padding`` rows added at the bottom/right), is
the solver's ``conv_transpose2d`` (a test checks it); the result shown is the solver's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cnnquiz import solver
from cnnquiz.explain.model import Explanation, ExplainError, Frame, Grid, format_value, text_cells
from cnnquiz.explain.sliding import int_pair

__all__ = ["conv_transpose2d_explanation", "scatter_sums"]


def _block(values: np.ndarray) -> str:
    """A small matrix on one line, rows separated by ``;``: ``(0 1; 2 3)``."""
    return "(" + "; ".join(" ".join(format_value(v) for v in row) for row in values) + ")"


def _full_size(n: int, k: int, s: int, d: int, op: int) -> int:
    return (n - 1) * s + d * (k - 1) + 1 + op


def scatter_sums(x: Any, weight: Any, stride: Any = 1, dilation: Any = 1, output_padding: Any = 0,
                 upto: int | None = None) -> np.ndarray:
    """The full (uncropped) running sum after the stamps of the first ``upto + 1`` input cells.

    Cells are taken channel by channel, row-major; ``upto=None`` takes them all. Shape
    ``(K, Hf, Wf)`` with ``Hf = (H - 1)*sh + dh*(kh - 1) + 1 + oph``.
    """
    xa = np.asarray(x, dtype=np.float64)
    wa = np.asarray(weight, dtype=np.float64)
    (sh, sw), (dh, dw) = int_pair(stride, "stride", 1), int_pair(dilation, "dilation", 1)
    oph, opw = int_pair(output_padding, "output_padding", 0)
    c_in, h, w = xa.shape
    k_out, kh, kw = wa.shape[1:]
    out = np.zeros((k_out, _full_size(h, kh, sh, dh, oph), _full_size(w, kw, sw, dw, opw)))
    last = xa.size - 1 if upto is None else upto
    for t in range(last + 1):
        c, i, j = np.unravel_index(t, xa.shape)
        out[:, i * sh: i * sh + dh * (kh - 1) + 1: dh, j * sw: j * sw + dw * (kw - 1) + 1: dw] += xa[c, i, j] * wa[c]
    return out


def conv_transpose2d_explanation(x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
                                 output_padding: Any = 0, groups: Any = 1, dilation: Any = 1) -> Explanation:
    """Transposed convolution, one input cell's stamp per step.

    Parameters
    ----------
    x : array (C, H, W)
    weight : array (C, K, kh, kw)
        PyTorch's ``ConvTranspose2d`` layout (input channels first); ``groups`` must be 1.
    bias : array (K,) or None
        Added to every output cell after the last stamp.
    stride, padding, output_padding, dilation : int or (h, w)

    Returns
    -------
    Explanation
        ``C * H * W`` steps; ``result`` is ``solver.conv_transpose2d(...)``.
    """
    call = getattr(solver, "conv_transpose2d", None)
    if call is None:  # pragma: no cover - the solver of this version has it
        raise ExplainError("conv_transpose2d: this version of the solver has no transposed convolution")
    if int(groups) != 1:
        raise ExplainError(f"conv_transpose2d: the scatter view draws groups=1 only; got groups={groups!r}")
    try:
        result = np.asarray(call(x, weight, bias=bias, stride=stride, padding=padding,
                                 output_padding=output_padding, dilation=dilation))
    except ValueError as error:
        raise ExplainError(f"conv_transpose2d: {error}") from None
    xa, wa = np.asarray(x), np.asarray(weight)
    st, dil = int_pair(stride, "stride", 1), int_pair(dilation, "dilation", 1)
    pad, op = int_pair(padding, "padding", 0), int_pair(output_padding, "output_padding", 0)
    c_in = xa.shape[0]
    k_out, kh, kw = wa.shape[1:]
    full = scatter_sums(xa, wa, st, dil, op)
    hf, wf = full.shape[1:]
    cropped = frozenset((r, c) for r in range(hf) for c in range(wf)
                        if r < pad[0] or r >= hf - pad[0] or c < pad[1] or c >= wf - pad[1])
    grids = [Grid("input" if c_in == 1 else f"input channel {c + 1}", text_cells(xa[c])) for c in range(c_in)]
    first_kernel = len(grids)
    for c in range(c_in):
        for k in range(k_out):
            label = "kernel" if c_in == k_out == 1 else f"kernel {c + 1}->{k + 1}"
            grids.append(Grid(label, text_cells(wa[c, k]), role="kernel"))
    first_out = len(grids)
    for k in range(k_out):
        label = ("full output" if k_out == 1 else f"full output {k + 1}") + (" (faint: cropped)" if any(pad) else "")
        grids.append(Grid(label, text_cells(np.zeros((hf, wf))), cropped, role="output"))

    def build(t: int) -> Frame:
        c, i, j = (int(n) for n in np.unravel_index(t, xa.shape))
        sums = scatter_sums(xa, wa, st, dil, op, upto=t)
        rows = list(range(i * st[0], i * st[0] + dil[0] * (kh - 1) + 1, dil[0]))
        cols = list(range(j * st[1], j * st[1] + dil[1] * (kw - 1) + 1, dil[1]))
        stamp = frozenset((r, q) for r in rows for q in cols)
        value = xa[c, i, j]
        marks = {c: frozenset({(i, j)})}
        marks.update({first_kernel + c * k_out + k: frozenset(np.ndindex(kh, kw)) for k in range(k_out)})
        marks.update({first_out + k: stamp for k in range(k_out)})
        lines = [f"add {format_value(value)} x kernel to the full output, rows {rows[0] + 1}-{rows[-1] + 1}, "
                 f"columns {cols[0] + 1}-{cols[-1] + 1}" + (" (every other cell: dilation)" if dil != (1, 1) else "")]
        for k in range(k_out):
            head = "" if k_out == 1 else f"output {k + 1}: "
            lines.append(f"{head}{format_value(value)} x {_block(wa[c, k])} = {_block(value * wa[c, k].astype(float))}")
        title = (f"Step {t + 1} of {xa.size}: input " + (f"channel {c + 1}, " if c_in > 1 else "")
                 + f"row {i + 1}, column {j + 1} is {format_value(value)}")
        shown = {first_out + k: text_cells(sums[k]) for k in range(k_out)}
        return Frame(title, tuple(lines), marks, shown, None)

    heading = [
        f"conv_transpose2d: input {'x'.join(map(str, xa.shape))} (C x H x W), weight "
        f"{'x'.join(map(str, wa.shape))} (C x K x kh x kw), stride {st[0]}, padding {pad[0]}"
        + (f", output_padding {op[0]}" if any(op) else "") + (f", dilation {dil[0]}" if dil != (1, 1) else ""),
        "Each input cell stamps the kernel, multiplied by its value, onto the output; stamps that "
        f"overlap add up. The full output is {hf} x {wf}"
        + (f"; padding {pad[0]} then crops {pad[0]} from every side" if any(pad) else "")
        + (", bias added to every cell" if bias is not None else "") + ".",
    ]
    notes = []
    if any(pad) or bias is not None:
        notes = [f"Full output{'' if k_out == 1 else f' {k + 1}'} before cropping: {_block(full[k])}"
                 for k in range(k_out)]
    label = f"Output ({' x '.join(map(str, result.shape))})" + (
        f": the full output with {pad[0]} cropped from every side" if any(pad) else "") + (
        ", plus the bias" if bias is not None else "")
    return Explanation("conv_transpose2d", tuple(heading), tuple(grids), int(xa.size), result, label, build,
                       tuple(notes))
