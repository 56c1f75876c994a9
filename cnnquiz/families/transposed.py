"""Transposed convolution: output size (with ``output_padding``) and result.

Answers are the solver's ``conv_transpose2d_output_size`` / ``conv_transpose2d``
(PyTorch's ``ConvTranspose2d``: ``out = (in - 1) x stride - 2 x padding +
dilation x (kernel - 1) + output_padding + 1``; each input pixel stamps the kernel,
scaled, at ``stride`` spacing, overlapping stamps add, ``padding`` is cropped from
every side). The encoder-decoder question asks which ``output_padding`` makes the
decoder give back the encoder's input size.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from cnnquiz import solver
from cnnquiz.computations import Computation
from cnnquiz.families._common import flip, int_pair, num, param
from cnnquiz.mistakes import Mistake

__all__ = ["COMPUTATIONS", "MISTAKES", "WORKINGS"]

_SIZE_ARGS = ("size", "kernel_size", "stride", "padding", "output_padding", "dilation")


def _size_args(p: Mapping[str, Any]) -> dict[str, Any]:
    return {k: p[k] for k in _SIZE_ARGS if p.get(k) is not None}


def _size(p: Mapping[str, Any]) -> Any:
    return solver.conv_transpose2d_output_size(**_size_args(p))


def _mistaken_size(p: Mapping[str, Any], *, conv: bool = False, pad_sign: int = -1, use_output_padding: bool = True,
                   use_stride: bool = True) -> int:
    solver.conv_transpose2d_output_size(**_size_args(p))  # the arguments must be valid ones
    n, k = int(p["size"]), int(p["kernel_size"])
    s = int(param(p, "stride", 1)) if use_stride else 1
    pad, d = int(param(p, "padding", 0)), int(param(p, "dilation", 1))
    op = int(param(p, "output_padding", 0)) if use_output_padding else 0
    if conv:
        out = (n + 2 * pad - d * (k - 1) - 1) // s + 1
    else:
        out = (n - 1) * s + pad_sign * 2 * pad + d * (k - 1) + op + 1
    if out < 1:
        raise ValueError("the mistake gives no valid size")
    return out


def _shape(p: Mapping[str, Any], **change: Any) -> list[int]:
    c, h, w = p["input_shape"]
    q = {**p, "size": int(h)}
    hw = _mistaken_size(q, **change) if change else _size(q)
    return [int(p["out_channels"]), int(hw), int(hw)]


def _restore_padding(p: Mapping[str, Any]) -> int:
    n, k, s, pad = int(p["size"]), int(p["kernel_size"]), int(p["stride"]), int(param(p, "padding", 0))
    encoded = solver.conv2d_output_size(n, k, s, pad)
    for op in range(max(s, 1)):
        if solver.conv_transpose2d_output_size(encoded, k, s, pad, op) == n:
            return op
    raise ValueError("no output_padding restores the size")


def _kwargs(p: Mapping[str, Any], **change: Any) -> dict[str, Any]:
    names = ("x", "weight", "bias", "stride", "padding", "output_padding", "groups", "dilation")
    return {**{k: p[k] for k in names if k in p}, **change}


def _overwrite(p: Mapping[str, Any]) -> np.ndarray:
    """Stamps written over each other instead of added (row-major: the last one wins)."""
    x, w = np.asarray(p["x"], dtype=np.float64), np.asarray(p["weight"], dtype=np.float64)
    s, pad = int_pair(param(p, "stride", 1)), int_pair(param(p, "padding", 0))
    if x.shape[0] != 1 or w.shape[:2] != (1, 1) or p.get("bias") is not None or param(p, "output_padding", 0):
        raise ValueError("only the one-channel example without bias or output_padding")
    reference = solver.conv_transpose2d(**_kwargs(p))
    kh, kw = w.shape[2:]
    full = np.zeros(((x.shape[1] - 1) * s[0] + kh, (x.shape[2] - 1) * s[1] + kw))
    for i in range(x.shape[1]):
        for j in range(x.shape[2]):
            full[i * s[0]: i * s[0] + kh, j * s[1]: j * s[1] + kw] = x[0, i, j] * w[0, 0]
    out = full[pad[0]: full.shape[0] - pad[0], pad[1]: full.shape[1] - pad[1]][None]
    if out.shape != reference.shape:
        raise ValueError("the overwritten result has another shape")
    return out


def _size_working(p: Mapping[str, Any], answer: Any) -> str:
    n, k = p["size"], p["kernel_size"]
    s, pad, op, d = (param(p, name, default) for name, default in
                     (("stride", 1), ("padding", 0), ("output_padding", 0), ("dilation", 1)))
    kernel = f"({k} - 1)" if d == 1 else f"{d} x ({k} - 1)"
    return (f"out = (in - 1) x stride - 2 x padding + dilation x (kernel - 1) + output_padding + 1 = "
            f"({n} - 1) x {s} - 2 x {pad} + {kernel} + {op} + 1 = {answer}")


def _shape_working(p: Mapping[str, Any], answer: Any) -> str:
    c, h, w = p["input_shape"]
    return (_size_working({**p, "size": h}, answer[1])
            + f"; channels = out_channels = {answer[0]}; output {answer[0]} x {answer[1]} x {answer[2]} (C x H x W)")


def _restore_working(p: Mapping[str, Any], answer: Any) -> str:
    n, k, s, pad = int(p["size"]), int(p["kernel_size"]), int(p["stride"]), int(param(p, "padding", 0))
    m = solver.conv2d_output_size(n, k, s, pad)
    without = solver.conv_transpose2d_output_size(m, k, s, pad)
    return (f"encoder: floor(({n} + 2x{pad} - {k}) / {s}) + 1 = {m}; decoder without output_padding: "
            f"({m} - 1) x {s} - 2x{pad} + ({k} - 1) + 1 = {without}; output_padding = {n} - {without} = {answer}")


def _result_working(p: Mapping[str, Any], answer: Any) -> str:
    out = np.asarray(answer, dtype=np.float64)
    while out.ndim > 2:
        out = out[0]
    grid = "[" + "; ".join(" ".join(num(v) for v in row) for row in out) + "]"
    return (f"each input pixel stamps the kernel times its value onto the output, the stamps "
            f"{param(p, 'stride', 1)} pixel(s) apart; overlapping stamps add; then padding {param(p, 'padding', 0)} "
            f"is cropped from every side: {grid}")


COMPUTATIONS = [
    Computation("conv_transpose2d_output_size", _size, {
        "conv_formula_used": lambda p: _mistaken_size(p, conv=True),
        "output_padding_forgotten": lambda p: _mistaken_size(p, use_output_padding=False),
        "padding_added": lambda p: _mistaken_size(p, pad_sign=1),
        "stride_ignored": lambda p: _mistaken_size(p, use_stride=False),
    }),
    Computation("conv_transpose2d_output_shape", lambda p: _shape(p), {
        "conv_formula_used": lambda p: _shape(p, conv=True),
        "channels_kept": lambda p: [int(p["input_shape"][0])] + _shape(p)[1:],
        "padding_added": lambda p: _shape(p, pad_sign=1),
    }),
    Computation("output_padding_to_restore", _restore_padding, {
        "output_padding_not_needed": lambda p: 0,
    }),
    Computation("conv_transpose2d", lambda p: solver.conv_transpose2d(**_kwargs(p)), {
        "overlaps_not_added": _overwrite,
        "kernel_flipped": lambda p: solver.conv_transpose2d(**_kwargs(p, weight=flip(p["weight"]))),
        "stride_ignored": lambda p: solver.conv_transpose2d(**_kwargs(p, stride=1)),
    }),
]

MISTAKES = [
    Mistake("conv_formula_used", "that is the (forward) convolution's formula",
            "A transposed convolution enlarges: out = (in - 1) x stride - 2 x padding + dilation x (kernel - 1) + output_padding + 1."),
    Mistake("output_padding_forgotten", "the output_padding was forgotten",
            "output_padding adds that many rows (and columns) on the bottom (right) of the output."),
    Mistake("padding_added", "padding shrinks a transposed convolution's output",
            "In ConvTranspose2d, padding is cropped from each side of the full result: it enters as - 2 x padding."),
    Mistake("output_padding_not_needed", "without output_padding the size is not restored",
            "A strided convolution maps several input sizes onto one output size; output_padding picks the size to give back."),
    Mistake("overlaps_not_added", "overlapping stamps add up",
            "Where the kernel copies of neighbouring pixels overlap, the transposed convolution sums them."),
]

WORKINGS = {
    "conv_transpose2d_output_size": _size_working,
    "conv_transpose2d_output_shape": _shape_working,
    "output_padding_to_restore": _restore_working,
    "conv_transpose2d": _result_working,
}
