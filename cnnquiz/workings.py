"""Worked solutions: the correct formula with the question's numbers put in.

One writer per computation of :mod:`cnnquiz.mistakes`; each takes the parameters and
the reference answer (already computed by the solver) and returns plain text made of
clauses separated by ``"; "``. The last clause always ends with the whole result, in the
solver's order and named (``output C x H x W = 6x28x28``), so a question layer can add
one more clause for its own view of the result (``as H x W x C: 28x28x6``).

Writers only say what the parameters say: a stride is called "the default" only when
none was given; a question about one cell gets that cell's arithmetic
(``ELEMENT_WORKINGS``: ``element`` is the 0-based index of the cell asked for), a whole
result gets its first cell as the worked example; a result matrix is written
``[[1, 2], [3, 4]]`` (no ``;`` inside a clause).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

from cnnquiz import solver
from cnnquiz.computations import int_pair

__all__ = ["WORKINGS", "ELEMENT_WORKINGS", "Writer", "ElementWriter"]

Writer = Callable[[Mapping[str, Any], Any], str]
ElementWriter = Callable[[Mapping[str, Any], Any, Sequence[int]], str]


def _num(value: Any) -> str:
    f = float(value)
    return str(int(f)) if f.is_integer() else f"{f:.4g}"


def _matrix(value: Any) -> str:
    """A result written as nested lists: ``[[4, 3, 4], [2, 4, 3]]`` (leading 1-axes dropped)."""
    arr = np.asarray(value, dtype=float)
    while arr.ndim > 2 and arr.shape[0] == 1:
        arr = arr[0]

    def rows(a: np.ndarray) -> str:
        if a.ndim == 0:
            return _num(a)
        return "[" + ", ".join(rows(v) for v in a) + "]"

    return rows(arr)


# --- output sizes ---------------------------------------------------------------------------

def _size_line(n: int, k: int, s: int, p: int, d: int, out: int, *, ceil: bool = False) -> str:
    kernel = f"{k}" if d == 1 else f"({d}x({k}-1)+1)"
    rounding = "ceil" if ceil else "floor"
    line = f"{rounding}(({n} + 2x{p} - {kernel}) / {s}) + 1 = "
    try:
        counted = solver.window_count(n + 2 * p, k, s, d, solver.Rounding(rounding))
    except ValueError:  # ceil_mode lets a window larger than the padded input start once (PyTorch)
        span = n + 2 * p - d * (k - 1) - 1
        counted = -(-span // s) + 1
    if ceil and counted == out + 1:  # PyTorch: the last window must start inside the input or the left padding
        return line + f"{counted}, minus the last window, which would start in the right padding: {out}"
    return line + f"{counted}"


def _size_working(p: Mapping[str, Any], answer: Any, *, pool: bool) -> str:
    padding = p.get("padding", 0)
    outs = answer if isinstance(answer, (tuple, list)) else (answer, answer)
    if isinstance(padding, str):
        rule = "keeps the input size (stride 1)" if padding == "same" else "adds no padding"
        result = f"H x W = {outs[0]}x{outs[1]}" if isinstance(answer, (tuple, list)) else f"= {answer}"
        return f"padding='{padding}' {rule}; output {result}"
    stride = p.get("stride")
    defaulted = stride is None
    if defaulted:  # pooling's stride defaults to the kernel size (PyTorch), convolution's to 1
        stride = p["kernel_size"] if pool else 1
    ceil = bool(p.get("ceil_mode", False))
    lines = [
        _size_line(int_pair(p["size"])[axis], int_pair(p["kernel_size"])[axis], int_pair(stride)[axis],
                   int_pair(padding)[axis], int_pair(p.get("dilation", 1))[axis], int(outs[axis]), ceil=ceil)
        for axis in range(2)
    ]
    rounding = "rounded up (ceil_mode=True)" if ceil else "rounded down"
    kernel = "dilation x (kernel - 1) + 1" if any(d != 1 for d in int_pair(p.get("dilation", 1))) else "kernel"
    formula = f"out = (in + 2 x padding - {kernel}) / stride + 1, {rounding}; padding is added on each side"
    if pool and defaulted:
        formula += f"; stride = kernel size = {_num(int_pair(stride)[0])} (pooling's default)"
    if isinstance(answer, (tuple, list)):
        return f"{formula}; height: {lines[0]}; width: {lines[1]}; output H x W = {outs[0]}x{outs[1]}"
    return f"{formula}; {lines[0]}"


def _conv_shape_working(p: Mapping[str, Any], answer: Any) -> str:
    _c, h, w = p["input_shape"]
    sizes = _size_working(
        {"size": (h, w), **{k: p[k] for k in ("kernel_size", "stride", "padding", "dilation") if k in p}},
        tuple(answer[1:]),
        pool=False,
    )
    sizes = sizes.rsplit("; output H x W = ", 1)[0]
    return (f"{sizes}; depth = number of filters = {answer[0]}; "
            f"output C x H x W = {answer[0]}x{answer[1]}x{answer[2]}")


# --- parameter counts -------------------------------------------------------------------------

def _conv_params_working(p: Mapping[str, Any], answer: Any) -> str:
    kh, kw = int_pair(p["kernel_size"])
    groups = int(p.get("groups", 1))
    in_channels = int(p["in_channels"])
    per_filter = in_channels // groups
    bias = " + 1 bias" if p.get("bias", True) else ""
    if groups == 1:
        sees = f"each filter spans all {in_channels} input channels"
    else:
        sees = (f"with groups={groups} each filter spans in_channels / groups = "
                f"{in_channels}/{groups} = {per_filter} input channel{'s' if per_filter != 1 else ''}")
    return f"{sees}; {p['out_channels']} filters x ({per_filter} x {kh} x {kw} weights{bias}) = {answer}"


def _linear_params_working(p: Mapping[str, Any], answer: Any) -> str:
    bias = f" + {p['out_features']} biases" if p.get("bias", True) else ""
    return f"{p['in_features']} x {p['out_features']} weights{bias} = {answer}"


# --- convolution and pooling results ---------------------------------------------------------------

def _cell(element: Sequence[int]) -> tuple[int, int, int]:
    """(filter, row, column) of a cell given as (row, column) of a squeezed map or in full."""
    index = [int(i) for i in element]
    if len(index) == 2:
        return 0, index[0], index[1]
    return index[-3], index[-2], index[-1]


def _padded(x: np.ndarray, padding: Any) -> tuple[np.ndarray, tuple[int, int]]:
    ph, pw = int_pair(padding)
    return np.pad(x, ((0, 0), (ph, ph), (pw, pw))), (ph, pw)


def _conv_terms(p: Mapping[str, Any], k: int, i: int, j: int) -> str:
    x, (ph, pw) = _padded(np.asarray(p["x"]), p.get("padding", 0))
    w = np.asarray(p["weight"])
    (sh, sw), (dh, dw) = int_pair(p.get("stride", 1)), int_pair(p.get("dilation", 1))
    groups = int(p.get("groups", 1))
    first = (k // (w.shape[0] // groups)) * w.shape[1]  # the first input channel of this filter's group
    terms = [
        f"({_num(x[first + c, i * sh + u * dh, j * sw + v * dw])}x{_num(w[k, c, u, v])})"
        for c in range(w.shape[1]) for u in range(w.shape[2]) for v in range(w.shape[3])
    ]
    bias = f" + {_num(np.asarray(p['bias'])[k])}" if p.get("bias") is not None else ""
    return " + ".join(terms) + bias


def _conv_rule(p: Mapping[str, Any]) -> str:
    stride = int_pair(p.get("stride", 1))
    padding = p.get("padding", 0)
    pad = "no padding" if not isinstance(padding, str) and int_pair(padding) == (0, 0) else (
        f"padding='{padding}'" if isinstance(padding, str)
        else f"zero padding {int_pair(padding)[0]} on each side (the padded zeros appear in the products)")
    return (
        "out[i, j] = sum over c, u, v of x[c, i*stride + u, j*stride + v] * w[c, u, v]"
        + (" + b" if p.get("bias") is not None else "")
        + f" (cross-correlation: the kernel is not flipped); stride {stride[0]}, {pad}"
    )


def _conv_working(p: Mapping[str, Any], answer: Any) -> str:
    if isinstance(p.get("padding", 0), str):
        return f"{_conv_rule(p)}; result: {_matrix(answer)}"
    first = _num(np.asarray(answer).reshape(-1)[0])
    return f"{_conv_rule(p)}; row 1, column 1: {_conv_terms(p, 0, 0, 0)} = {first}; result: {_matrix(answer)}"


def _conv_element_working(p: Mapping[str, Any], answer: Any, element: Sequence[int]) -> str:
    k, i, j = _cell(element)
    value = np.asarray(answer)[k, i, j] if np.asarray(answer).ndim == 3 else np.asarray(answer)[i, j]
    where = f"row {i + 1}, column {j + 1}" + (f" of filter {k + 1}" if len(element) == 3 and k else "")
    return f"{_conv_rule(p)}; {where}: {_conv_terms(p, k, i, j)} = {_num(value)}"


def _pool_stride(p: Mapping[str, Any]) -> tuple[tuple[int, int], str]:
    k = int_pair(p["kernel_size"])
    if p.get("stride") is None:
        return k, f"stride = kernel size = {k[0]} (pooling's default)"
    s = int_pair(p["stride"])
    return s, f"stride {s[0]}" if s[0] == s[1] else f"stride {s[0]} x {s[1]}"


def _pool_window(p: Mapping[str, Any], kind: str, c: int, i: int, j: int) -> str | None:
    if any(int_pair(p.get("padding", 0))) or any(d != 1 for d in int_pair(p.get("dilation", 1))):
        return None  # a padded or dilated window is better read from the formula than listed
    (kh, kw), ((sh, sw), _) = int_pair(p["kernel_size"]), _pool_stride(p)
    window = np.asarray(p["x"])[c, i * sh: i * sh + kh, j * sw: j * sw + kw]
    if window.shape != (kh, kw):
        return None
    return f"{kind}({', '.join(_num(v) for v in window.ravel())})"


def _pool_rule(p: Mapping[str, Any], kind: str) -> str:
    k = int_pair(p["kernel_size"])
    _, stride = _pool_stride(p)
    return f"each output is the {kind} of a {k[0]}x{k[1]} window; windows move by the {stride}"


def _pool_working(p: Mapping[str, Any], answer: Any, *, kind: str) -> str:
    arr = np.asarray(answer)
    example = _pool_window(p, kind, 0, 0, 0)
    first = f"; row 1, column 1: {example} = {_num(arr.reshape(-1)[0])}" if example else ""
    return f"{_pool_rule(p, kind)}{first}; result: {_matrix(answer)}"


def _pool_element_working(p: Mapping[str, Any], answer: Any, element: Sequence[int], *, kind: str) -> str:
    c, i, j = _cell(element)
    arr = np.asarray(answer)
    value = arr[c, i, j] if arr.ndim == 3 else arr[i, j]
    (sh, sw), _ = _pool_stride(p)
    kh, kw = int_pair(p["kernel_size"])
    window = _pool_window(p, kind, c, i, j) or f"{kind} of its window"
    return (f"{_pool_rule(p, kind)}; row {i + 1}, column {j + 1} covers rows {i * sh + 1}-{i * sh + kh}, "
            f"columns {j * sw + 1}-{j * sw + kw}: {window} = {_num(value)}")


# --- activations ----------------------------------------------------------------------------------

def _relu_working(p: Mapping[str, Any], answer: Any) -> str:
    x = np.asarray(p["x"], dtype=float)
    if x.ndim == 0:
        return f"ReLU({_num(x)}) = max({_num(x)}, 0) = {_num(answer)}"
    return f"ReLU keeps positive values and sets negative ones to 0; result: {_matrix(answer)}"


def _sigmoid_working(p: Mapping[str, Any], answer: Any) -> str:
    x = np.asarray(p["x"], dtype=float)
    if x.ndim == 0:
        return f"sigmoid({_num(x)}) = 1 / (1 + e^-({_num(x)})) = {float(answer):.4f}"
    return f"sigmoid(x) = 1 / (1 + e^-x) for each element; result: {_matrix(np.round(answer, 4))}"


def _sigmoid_relu_working(p: Mapping[str, Any], answer: Any) -> str:
    z = float(np.asarray(p["z"], dtype=float))
    r = max(z, 0.0)
    return (f"ReLU({_num(z)}) = max({_num(z)}, 0) = {_num(r)}; "
            f"sigmoid({_num(r)}) = 1 / (1 + e^-{_num(r)}) = {float(answer):.4f}")


def _softmax_shift(p: Mapping[str, Any]) -> tuple[np.ndarray, str]:
    z = np.asarray(p["z"], dtype=float)
    m = z.max()
    shifted = ", ".join(_num(v) for v in z - m)
    return z - m, f"subtract max(z) = {_num(m)} from every logit (the result is unchanged): ({shifted})"


def _softmax_working(p: Mapping[str, Any], answer: Any) -> str:
    _, shift = _softmax_shift(p)
    values = ", ".join(f"{v:.4f}" for v in np.asarray(answer).ravel())
    return f"{shift}; exponentiate and divide by the sum: ({values})"


def _softmax_element_working(p: Mapping[str, Any], answer: Any, element: Sequence[int]) -> str:
    shifted, shift = _softmax_shift(p)
    i = int(element[-1])
    total = float(np.exp(shifted).sum())
    return (f"{shift}; class {i + 1}: e^{_num(shifted[i])} / (sum of e^ of all of them = {total:.4f}) "
            f"= {float(np.asarray(answer).ravel()[i]):.4f}")


def _receptive_working(p: Mapping[str, Any], answer: Any) -> str:
    parts = ["1"]
    jump = 1
    for step in solver.receptive_field(p["layers"]):
        parts.append(f"{step.dilation}x({step.kernel_size}-1)x{jump}")
        jump = step.jump
    return ("each layer adds dilation x (kernel - 1) x jump, and the jump (distance between neighbouring "
            f"units, in input pixels) multiplies by each stride; r = {' + '.join(parts)} = {answer}")


WORKINGS: dict[str, Writer] = {
    "conv2d_output_size": lambda p, a: _size_working(p, a, pool=False),
    "pool2d_output_size": lambda p, a: _size_working(p, a, pool=True),
    "conv2d_output_shape": _conv_shape_working,
    "conv2d_params": _conv_params_working,
    "linear_params": _linear_params_working,
    "conv2d": _conv_working,
    "max_pool2d": lambda p, a: _pool_working(p, a, kind="max"),
    "avg_pool2d": lambda p, a: _pool_working(p, a, kind="mean"),
    "relu": _relu_working,
    "sigmoid": _sigmoid_working,
    "sigmoid_relu": _sigmoid_relu_working,
    "softmax": _softmax_working,
    "receptive_field": _receptive_working,
}

#: Writers for one element of a result (a question that picks a cell): the working shows
#: that cell's arithmetic and ends with its value.
ELEMENT_WORKINGS: dict[str, ElementWriter] = {
    "conv2d": _conv_element_working,
    "max_pool2d": lambda p, a, e: _pool_element_working(p, a, e, kind="max"),
    "avg_pool2d": lambda p, a, e: _pool_element_working(p, a, e, kind="mean"),
    "softmax": _softmax_element_working,
}
