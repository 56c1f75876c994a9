"""Worked solutions: the correct formula with the student's numbers put in.

One writer per computation of :mod:`cnnquiz.mistakes`; each takes the parameters
and the reference answer (already computed by the solver) and returns plain text.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from cnnquiz import solver
from cnnquiz.computations import int_pair

__all__ = ["WORKINGS"]


def _size_line(n: int, k: int, s: int, p: int, d: int, out: int, *, ceil: bool = False) -> str:
    kernel = f"{k}" if d == 1 else f"({d}x({k}-1)+1)"
    rounding = "ceil" if ceil else "floor"
    line = f"{rounding}(({n} + 2x{p} - {kernel}) / {s}) + 1 = "
    span = n + 2 * p - d * (k - 1) - 1
    counted = (-(-span // s) if ceil else span // s) + 1
    if ceil and counted == out + 1:  # PyTorch: the last window must start inside the input or the left padding
        return line + f"{counted}, minus the last window, which would start in the right padding: {out}"
    return line + f"{out}"


def _size_working(p: Mapping[str, Any], answer: Any, *, pool: bool) -> str:
    padding = p.get("padding", 0)
    if isinstance(padding, str):
        return f"padding='{padding}' gives {answer}" + (
            " (same keeps the input size)" if padding == "same" else ""
        )
    # Pooling's stride defaults to the kernel size (PyTorch), convolution's to 1.
    stride = p.get("stride", None if pool else 1)
    if stride is None:
        stride = p["kernel_size"]
    outs = answer if isinstance(answer, tuple) else (answer, answer)
    lines = []
    for axis, label in enumerate(("height", "width")):
        lines.append(
            _size_line(
                int_pair(p["size"])[axis], int_pair(p["kernel_size"])[axis], int_pair(stride)[axis],
                int_pair(padding)[axis], int_pair(p.get("dilation", 1))[axis], outs[axis],
                ceil=bool(p.get("ceil_mode", False)),
            )
        )
    rounding = "rounded up (ceil_mode)" if p.get("ceil_mode") else "rounded down"
    formula = f"out = (in + 2 x padding - kernel) / stride + 1, {rounding}"
    if isinstance(answer, tuple):
        return f"{formula}; height: {lines[0]}; width: {lines[1]}"
    return f"{formula}: {lines[0]}"


def _conv_shape_working(p: Mapping[str, Any], answer: Any) -> str:
    c, h, w = p["input_shape"]
    sizes = _size_working(
        {"size": (h, w), **{k: p[k] for k in ("kernel_size", "stride", "padding", "dilation") if k in p}},
        tuple(answer[1:]),
        pool=False,
    )
    return f"{sizes}; depth = number of filters = {answer[0]}; output {answer[1]}x{answer[2]}x{answer[0]}"


def _conv_params_working(p: Mapping[str, Any], answer: Any) -> str:
    kh, kw = int_pair(p["kernel_size"])
    groups = int(p.get("groups", 1))
    per_filter_in = int(p["in_channels"]) // groups
    bias = " + 1 bias" if p.get("bias", True) else ""
    grouped = f" (in_channels / groups = {p['in_channels']}/{groups})" if groups != 1 else ""
    return (
        f"{p['out_channels']} filters x ({per_filter_in}{grouped} x {kh} x {kw} weights{bias}) = {answer}"
    )


def _linear_params_working(p: Mapping[str, Any], answer: Any) -> str:
    bias = f" + {p['out_features']} biases" if p.get("bias", True) else ""
    return f"{p['in_features']} x {p['out_features']} weights{bias} = {answer}"


def _conv_working(p: Mapping[str, Any], answer: Any) -> str:
    x = np.asarray(p["x"])
    w = np.asarray(p["weight"])
    stride = int_pair(p.get("stride", 1))
    text = (
        "out[k, i, j] = sum over c, u, v of x[c, i*stride + u, j*stride + v] * w[k, c, u, v]"
        + (" + b[k]" if p.get("bias") is not None else "")
        + f" (cross-correlation: the kernel is not flipped; stride {stride[0]}, padding {p.get('padding', 0)})"
    )
    padding = p.get("padding", 0)
    if isinstance(padding, str) or int_pair(padding) != (0, 0) or w.shape[0] < 1:
        return f"{text}; top-left value: {_num(np.asarray(answer)[0, 0, 0])}"
    kh, kw = w.shape[2:]
    terms = [
        f"({_num(x[c, u, v])}x{_num(w[0, c, u, v])})"
        for c in range(w.shape[1]) for u in range(kh) for v in range(kw)
    ]
    bias = f" + {_num(np.asarray(p['bias'])[0])}" if p.get("bias") is not None else ""
    return f"{text}; top-left: {' + '.join(terms)}{bias} = {_num(np.asarray(answer)[0, 0, 0])}"


def _pool_working(p: Mapping[str, Any], answer: Any, *, kind: str) -> str:
    k = int_pair(p["kernel_size"])
    stride = p.get("stride")
    s = k if stride is None else int_pair(stride)
    x = np.asarray(p["x"])
    window = x[0, : k[0], : k[1]] if not p.get("padding") else None
    first = ""
    if window is not None and window.shape == k:
        values = ", ".join(_num(v) for v in window.ravel())
        first = f"; top-left: {kind}({values}) = {_num(np.asarray(answer)[0, 0, 0])}"
    return f"each output is the {kind} of a {k[0]}x{k[1]} window; windows move {s[0]} rows / {s[1]} columns at a time (stride defaults to the kernel size){first}"


def _num(value: Any) -> str:
    f = float(value)
    return str(int(f)) if f.is_integer() else f"{f:.4g}"


def _sigmoid_working(p: Mapping[str, Any], answer: Any) -> str:
    x = np.asarray(p["x"], dtype=float)
    if x.ndim == 0:
        return f"sigmoid({_num(x)}) = 1 / (1 + e^-({_num(x)})) = {float(answer):.4f}"
    return "sigmoid(x) = 1 / (1 + e^-x) for each element"


def _sigmoid_relu_working(p: Mapping[str, Any], answer: Any) -> str:
    z = float(np.asarray(p["z"], dtype=float))
    r = max(z, 0.0)
    return f"ReLU({_num(z)}) = max({_num(z)}, 0) = {_num(r)}; sigmoid({_num(r)}) = 1 / (1 + e^-{_num(r)}) = {float(answer):.4f}"


def _softmax_working(p: Mapping[str, Any], answer: Any) -> str:
    z = np.asarray(p["z"], dtype=float)
    m = z.max()
    shifted = ", ".join(_num(v) for v in z - m)
    values = ", ".join(f"{v:.4f}" for v in np.asarray(answer).ravel())
    return f"subtract max(z) = {_num(m)}: ({shifted}); exponentiate and divide by the sum: ({values})"


def _receptive_working(p: Mapping[str, Any], answer: Any) -> str:
    parts = ["1"]
    jump = 1
    for step in solver.receptive_field(p["layers"]):
        parts.append(f"{step.dilation}x({step.kernel_size}-1)x{jump}")
        jump = step.jump
    return f"r = {' + '.join(parts)} = {answer} (each layer adds dilation x (kernel-1) x jump; jump multiplies by the stride)"


WORKINGS: dict[str, Callable[[Mapping[str, Any], Any], str]] = {
    "conv2d_output_size": lambda p, a: _size_working(p, a, pool=False),
    "pool2d_output_size": lambda p, a: _size_working(p, a, pool=True),
    "conv2d_output_shape": _conv_shape_working,
    "conv2d_params": _conv_params_working,
    "linear_params": _linear_params_working,
    "conv2d": _conv_working,
    "max_pool2d": lambda p, a: _pool_working(p, a, kind="max"),
    "avg_pool2d": lambda p, a: _pool_working(p, a, kind="mean"),
    "sigmoid": _sigmoid_working,
    "sigmoid_relu": _sigmoid_relu_working,
    "softmax": _softmax_working,
    "receptive_field": _receptive_working,
}
