"""Sliding-window explanations: convolution and max / average pooling, one window position a step.

Every value written as a result (a step's ``= value`` and the final grid) is the
solver's (:mod:`cnnquiz.solver`); the products and partial sums written before it are
the lecture's arithmetic on the same numbers, and a test checks that they add up to
the solver's value at every position.

Examples
--------
>>> image = [[[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]]
>>> kernel = [[[[1, 0, 1], [0, 1, 0], [1, 0, 1]]]]
>>> explained = conv2d_explanation(image, kernel)
>>> explained.count, explained.frame(0).lines[-1]
(9, '+ (0 x 1) + (0 x 0) + (1 x 1) = 4')
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from cnnquiz import solver
from cnnquiz.explain.model import Cell, Explanation, ExplainError, Frame, Grid, format_value, text_cells

__all__ = ["conv2d_explanation", "max_pool2d_explanation", "avg_pool2d_explanation", "int_pair"]


def int_pair(value: Any, name: str, minimum: int) -> tuple[int, int]:
    """An int or an ``(h, w)`` pair of ints >= ``minimum`` (ExplainError naming ``name``)."""
    items = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value, value]
    if len(items) != 2:
        raise ExplainError(f"{name} must be one number or two (height, width); got {value!r}")
    out = []
    for item in items:
        if isinstance(item, (bool, np.bool_)) or not float(item).is_integer() or int(item) < minimum:
            raise ExplainError(f"{name} must be a whole number >= {minimum}; got {name}={value!r}")
        out.append(int(item))
    return out[0], out[1]


def _solved(operation: str, call: Any, **kwargs: Any) -> np.ndarray:
    """The solver's result; its ValueError (naming the argument) becomes an ExplainError."""
    try:
        return np.asarray(call(**kwargs))
    except ValueError as error:
        raise ExplainError(f"{operation}: {error}") from None


def _padded(x: np.ndarray, pad: tuple[int, int]) -> tuple[np.ndarray, frozenset[Cell]]:
    """x zero-padded, and the padding cells (drawn faint)."""
    ph, pw = pad
    xp = np.pad(x.astype(np.float64), ((0, 0), (ph, ph), (pw, pw)))
    h, w = xp.shape[1:]
    faint = frozenset((r, c) for r in range(h) for c in range(w)
                      if r < ph or r >= h - ph or c < pw or c >= w - pw)
    return xp, faint


def _span(start: int, step: int, count: int) -> str:
    """1-based positions as the lecture counts them: ``1-3``, or ``1, 3, 5`` when dilated."""
    cells = [start + step * n + 1 for n in range(count)]
    if step == 1 or count == 1:
        return f"{cells[0]}-{cells[-1]}" if count > 1 else f"{cells[0]}"
    return ", ".join(str(c) for c in cells)


def _window(i: int, j: int, kernel: tuple[int, int], stride: tuple[int, int],
            dilation: tuple[int, int]) -> tuple[list[int], list[int]]:
    rows = [i * stride[0] + u * dilation[0] for u in range(kernel[0])]
    cols = [j * stride[1] + v * dilation[1] for v in range(kernel[1])]
    return rows, cols


def _where(i: int, j: int, rows: list[int], cols: list[int], dilation: tuple[int, int], padded: bool) -> str:
    return (f"output row {i + 1}, column {j + 1}; window rows {_span(rows[0], dilation[0], len(rows))}, "
            f"columns {_span(cols[0], dilation[1], len(cols))}" + (" (padded)" if padded else ""))


def _signed(value: float) -> str:
    text = format_value(value)
    return f"({text})" if value < 0 else text


def _filling(result: np.ndarray, upto: int) -> np.ndarray:
    """The output texts with the first ``upto + 1`` cells (row-major, channel by channel) filled."""
    flat = result.astype(np.float64).ravel().copy()
    flat[upto + 1:] = np.nan
    return flat.reshape(result.shape)


def _output_frames(result: np.ndarray, first_out: int, t: int) -> tuple[dict[int, np.ndarray], tuple[int, Cell]]:
    """``shown`` (every output grid filled up to step t) and ``current`` for step t."""
    filled = _filling(result, t)
    k, i, j = np.unravel_index(t, result.shape)
    shown = {first_out + n: text_cells(filled[n]) for n in range(result.shape[0])}
    return shown, (first_out + int(k), (int(i), int(j)))


# --- convolution ------------------------------------------------------------------------

def _product_rows(window: np.ndarray, kernel: np.ndarray) -> list[str]:
    """One line per kernel row, the lecture's ``(1 x 1) + (1 x 0) + ...``; later rows start ``+``."""
    lines = []
    for u in range(kernel.shape[0]):
        terms = " + ".join(f"({format_value(a)} x {format_value(b)})" for a, b in zip(window[u], kernel[u]))
        lines.append(("  " if u == 0 else "+ ") + terms)
    return lines


def conv2d_explanation(x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
                       dilation: Any = 1, groups: Any = 1) -> Explanation:
    """Convolution (cross-correlation, as PyTorch) one output cell at a time.

    Parameters
    ----------
    x : array (C, H, W)
    weight : array (K, C/groups, kh, kw)
    bias : array (K,) or None
    stride, padding, dilation : int or (h, w)
        ``padding`` in pixels on each side (strings such as ``"same"`` are not drawn).
    groups : int

    Returns
    -------
    Explanation
        ``K * Ho * Wo`` steps; grids: the padded input channels, the kernel slices, the
        feature maps (filled step by step); ``result`` is ``solver.conv2d(...)``.
    """
    if isinstance(padding, str):
        raise ExplainError(f"padding must be a number of pixels to draw the padded input; got padding={padding!r}")
    result = _solved("conv2d", solver.conv2d, x=x, weight=weight, bias=bias, stride=stride,
                     padding=padding, dilation=dilation, groups=groups)
    xa, wa = np.asarray(x), np.asarray(weight)
    pad, st, dil = int_pair(padding, "padding", 0), int_pair(stride, "stride", 1), int_pair(dilation, "dilation", 1)
    g = int(groups)
    xp, faint = _padded(xa, pad)
    c_in, k_out = xa.shape[0], wa.shape[0]
    cg, kh, kw = wa.shape[1:]
    biases = None if bias is None else np.asarray(bias, dtype=np.float64).ravel()

    suffix = " (padded)" if any(pad) else ""
    grids = [Grid(("input" if c_in == 1 else f"input channel {c + 1}") + suffix, text_cells(xp[c]), faint)
             for c in range(c_in)]
    first_kernel = len(grids)
    for k in range(k_out):
        for c in range(cg):
            label = "kernel" if k_out == 1 and cg == 1 else (
                f"kernel channel {c + 1}" if k_out == 1 else f"filter {k + 1} channel {c + 1}")
            grids.append(Grid(label, text_cells(wa[k, c]), role="kernel"))
    first_out = len(grids)
    for k in range(k_out):
        blank = text_cells(np.full(result.shape[1:], np.nan))
        grids.append(Grid("output" if k_out == 1 else f"output {k + 1}", blank, role="output"))

    def build(t: int) -> Frame:
        k, i, j = (int(n) for n in np.unravel_index(t, result.shape))
        rows, cols = _window(i, j, (kh, kw), st, dil)
        channels = range((k // (k_out // g)) * cg, (k // (k_out // g) + 1) * cg)
        cells = frozenset((r, c) for r in rows for c in cols)
        marks = {c: cells for c in channels}
        marks.update({first_kernel + k * cg + n: frozenset(np.ndindex(kh, kw)) for n in range(cg)})
        value = result[k, i, j]
        blocks: dict[int, list[str]] = {}
        partial: list[float] = []
        for n, c in enumerate(channels):
            window = xp[c][np.ix_(rows, cols)]
            rows_text = _product_rows(window, wa[k, n].astype(np.float64))
            partial.append(float(np.sum(window * wa[k, n])))
            if len(channels) > 1:
                rows_text = [f"channel {c + 1}:"] + rows_text
                rows_text[-1] += f" = {format_value(partial[-1])}"
            blocks[first_kernel + k * cg + n] = rows_text
        tail: list[str] = []
        b = None if biases is None else float(biases[k])
        only = blocks[first_kernel + k * cg]
        if len(channels) == 1 and b is None:
            only[-1] += f" = {format_value(value)}"
        elif len(channels) == 1:
            only[-1] += f" = {format_value(partial[0])}"
            tail.append(f"{format_value(partial[0])} + {_signed(b)} (bias) = {format_value(value)}")
        else:
            total = " + ".join(_signed(p) if n else format_value(p) for n, p in enumerate(partial))
            bias_text = "" if b is None else f" + {_signed(b)} (bias)"
            tail.append(f"{total}{bias_text} = {format_value(value)}")
        lines = [line for block in blocks.values() for line in block] + tail
        head = f"filter {k + 1}, " if k_out > 1 else ""
        title = f"Step {t + 1} of {result.size}: {head}{_where(i, j, rows, cols, dil, any(pad))}"
        shown, current = _output_frames(result, first_out, t)
        return Frame(title, tuple(lines), marks, shown, current, {n: tuple(v) for n, v in blocks.items()})

    heading = [
        f"conv2d: input {'x'.join(map(str, xa.shape))} (C x H x W), weight {'x'.join(map(str, wa.shape))} "
        f"(K x C x kh x kw), stride {_pair_text(st)}, padding {_pair_text(pad)}"
        + (f", dilation {_pair_text(dil)}" if dil != (1, 1) else "")
        + (f", groups {g}" if g != 1 else "")
        + ("" if biases is None else f", bias {' '.join(format_value(b) for b in biases)}"),
        "Each output cell: multiply the window by the kernel element-wise and add"
        + (" over every channel" if cg > 1 else "") + ("" if biases is None else ", then add the bias")
        + " (cross-correlation: the kernel is not flipped).",
    ]
    label = f"Feature map{'s' if k_out > 1 else ''} ({' x '.join(map(str, result.shape))})"
    return Explanation("conv2d", tuple(heading), tuple(grids), int(result.size), result, label, build)


def _pair_text(pair: Sequence[int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"({pair[0]}, {pair[1]})"


# --- pooling ----------------------------------------------------------------------------

def _pool_lines(kind: str, window: np.ndarray, pad_mask: np.ndarray, value: float) -> list[str]:
    if kind == "max":
        values = [format_value(v) for v, pad in zip(window.ravel(), pad_mask.ravel()) if not pad]
        return [f"max({', '.join(values)}) = {format_value(value)}"]
    values = [format_value(v) for v in window.ravel()]
    return [f"({' + '.join(values)}) / {window.size} = {format_value(value)}"]


def _pool_explanation(kind: str, x: Any, kernel_size: Any, stride: Any, padding: Any,
                      dilation: Any = 1) -> Explanation:
    operation = f"{kind}_pool2d"
    if kind == "max":
        result = _solved(operation, solver.max_pool2d, x=x, kernel_size=kernel_size, stride=stride,
                         padding=padding, dilation=dilation)
    else:
        result = _solved(operation, solver.avg_pool2d, x=x, kernel_size=kernel_size, stride=stride,
                         padding=padding)
    xa = np.asarray(x)
    kernel = int_pair(kernel_size, "kernel_size", 1)
    st = kernel if stride is None else int_pair(stride, "stride", 1)
    pad, dil = int_pair(padding, "padding", 0), int_pair(dilation, "dilation", 1)
    xp, faint = _padded(xa, pad)
    c_in = xa.shape[0]
    grids = []
    for c in range(c_in):
        cells = text_cells(xp[c])
        if kind == "max":  # max pooling pads with -inf: those cells never win, so draw them empty
            for cell in faint:
                cells[cell] = "·"
        label = "input" if c_in == 1 else f"input channel {c + 1}"
        grids.append(Grid(label + (" (padded)" if any(pad) else ""), cells, faint))
    first_out = len(grids)
    for c in range(c_in):
        grids.append(Grid("output" if c_in == 1 else f"output channel {c + 1}",
                          text_cells(np.full(result.shape[1:], np.nan)), role="output"))
    pad_mask = np.zeros(xp.shape[1:], dtype=bool)
    for cell in faint:
        pad_mask[cell] = True

    def build(t: int) -> Frame:
        c, i, j = (int(n) for n in np.unravel_index(t, result.shape))
        rows, cols = _window(i, j, kernel, st, dil)
        lines = _pool_lines(kind, xp[c][np.ix_(rows, cols)], pad_mask[np.ix_(rows, cols)], result[c, i, j])
        head = f"channel {c + 1}, " if c_in > 1 else ""
        title = f"Step {t + 1} of {result.size}: {head}{_where(i, j, rows, cols, dil, any(pad))}"
        shown, current = _output_frames(result, first_out, t)
        return Frame(title, tuple(lines), {c: frozenset((r, q) for r in rows for q in cols)}, shown, current)

    what = "the largest value" if kind == "max" else "the mean"
    heading = [
        f"{operation}: input {'x'.join(map(str, xa.shape))} (C x H x W), kernel {_pair_text(kernel)}, "
        f"stride {_pair_text(st)}" + (" (the kernel size, by default)" if stride is None else "")
        + f", padding {_pair_text(pad)}" + (f", dilation {_pair_text(dil)}" if dil != (1, 1) else ""),
        f"Each output cell is {what} of its window, channel by channel"
        + (" (padding cells never win)." if kind == "max" and any(pad) else
           " (padding counts as 0 and the divisor is the window size)." if kind == "avg" and any(pad) else "."),
    ]
    label = f"Pooled ({' x '.join(map(str, result.shape))})"
    return Explanation(operation, tuple(heading), tuple(grids), int(result.size), result, label, build)


def max_pool2d_explanation(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
                           dilation: Any = 1) -> Explanation:
    """Max pooling one window at a time (``result`` is ``solver.max_pool2d(...)``)."""
    return _pool_explanation("max", x, kernel_size, stride, padding, dilation)


def avg_pool2d_explanation(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Explanation:
    """Average pooling one window at a time (``count_include_pad=True``, as PyTorch's default)."""
    return _pool_explanation("avg", x, kernel_size, stride, padding)
