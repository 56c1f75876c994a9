"""Translation equivariance of convolution, (partial) invariance of pooling, padding modes.

Shifts move the content ``shift`` pixels to the right (columns that come in are
zeros, columns pushed out are lost). Padding modes follow the Deep Learning book
(ch. 9): *valid* adds no padding, *same* adds (k - 1) / 2 per side (odd k), *full*
adds k - 1 per side so every pixel is visited k times. A locally connected layer
("unshared convolution") has one filter, and one bias, per output position.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from cnnquiz import solver
from cnnquiz.computations import Computation
from cnnquiz.families._common import as_image, cell, int_pair, num, param
from cnnquiz.mistakes import Mistake

__all__ = ["COMPUTATIONS", "MISTAKES", "WORKINGS"]

_MODES = ("valid", "same", "full")


def _mode_padding(kernel_size: Any, mode: str) -> int:
    k = int(kernel_size)
    if mode == "valid":
        return 0
    if mode == "same":
        if k % 2 == 0:
            raise ValueError(f"same padding needs an odd kernel; got kernel_size={k}")
        return (k - 1) // 2
    if mode == "full":
        return k - 1
    raise ValueError(f"mode must be one of {', '.join(_MODES)}; got mode={mode!r}")


def _mode_size(p: Mapping[str, Any], mode: str | None = None) -> int:
    used = p["mode"] if mode is None else mode
    if mode is not None and mode == p["mode"]:
        raise ValueError("the mistake is the right mode")
    return solver.conv2d_output_size(p["size"], p["kernel_size"], 1, _mode_padding(p["kernel_size"], used))


def _shifted(x: np.ndarray, shift: int) -> np.ndarray:
    """Content moved ``shift`` columns to the right (negative: left), zeros coming in."""
    out = np.zeros_like(x)
    w = x.shape[-1]
    if shift >= 0:
        out[..., shift:] = x[..., : w - shift]
    else:
        out[..., : w + shift] = x[..., -shift:]
    return out


def _conv_shifted(p: Mapping[str, Any], *, shift: Any = None) -> float:
    x = as_image(p["x"])
    s = int(p["shift"]) if shift is None else shift
    weight = np.asarray(p["kernel"], dtype=np.float64)[None, None]
    out = solver.conv2d(_shifted(x, s), weight)
    row, col = cell(p, out.shape)
    return float(out[0, row, col])


def _pool_changes(p: Mapping[str, Any]) -> int:
    x = as_image(p["x"])
    k = p["kernel_size"]
    before = solver.max_pool2d(x, k)
    after = solver.max_pool2d(_shifted(x, int(p["shift"])), k)
    return int(np.count_nonzero(before != after))


def _pool_outputs(p: Mapping[str, Any]) -> int:
    return int(solver.max_pool2d(as_image(p["x"]), p["kernel_size"]).size)


def _locally_connected(p: Mapping[str, Any], *, shared: bool = False, output_size: Any = None,
                       bias: Any = None) -> int:
    ho, wo = solver.conv2d_output_size(tuple(int_pair(p["size"])), p["kernel_size"], param(p, "stride", 1),
                                       param(p, "padding", 0)) if output_size is None else output_size
    per_position = solver.conv2d_params(p["in_channels"], p["out_channels"], p["kernel_size"],
                                        bias=bool(param(p, "bias", True)) if bias is None else bias)
    return per_position if shared else ho * wo * per_position


def _fc_shifted(p: Mapping[str, Any], *, shift: Any = None) -> float:
    x = as_image(p["x"])[0]
    w = np.asarray(p["w"], dtype=np.float64)
    if w.shape != x.shape:
        raise ValueError(f"w must have the image's shape {x.shape}; got {w.shape}")
    s = int(p["shift"]) if shift is None else shift
    return float(np.sum(w * _shifted(x, s)))


def _mode_working(p: Mapping[str, Any], answer: Any) -> str:
    k, mode = int(p["kernel_size"]), p["mode"]
    pad = _mode_padding(k, mode)
    rule = {"valid": "no padding", "same": f"(k - 1) / 2 = {pad} per side", "full": f"k - 1 = {pad} per side"}[mode]
    return f"{mode} padding: {rule}; out = {p['size']} + 2x{pad} - {k} + 1 = {answer}"


def _shift_working(p: Mapping[str, Any], answer: Any) -> str:
    s = int(p["shift"])
    col = int(p["col"])
    text = (f"convolution is translation-equivariant: shifting the input {s} to the right shifts the output {s} to the "
            f"right, so output (row {p['row']}, column {col}) of the shifted image equals the original image's output "
            f"(row {p['row']}, column {col - s}); ")
    if col - s < 1:
        text = (f"output column {col} is within {s} of the left border: its window reaches the zero columns that "
                "came in, so it is no shifted copy of an old output; ")
    return text + f"computed on the shifted image it is {num(answer)}"


def _pool_working(p: Mapping[str, Any], answer: Any) -> str:
    total = _pool_outputs(p)
    return (f"max-pool both images ({p['kernel_size']}x{p['kernel_size']} windows, stride {p['kernel_size']}) and "
            f"compare the {total} outputs: a window's maximum survives a shift only when it stays inside the same "
            f"window; outputs that change: {answer}")


def _lc_working(p: Mapping[str, Any], answer: Any) -> str:
    ho, wo = solver.conv2d_output_size(tuple(int_pair(p["size"])), p["kernel_size"], param(p, "stride", 1),
                                       param(p, "padding", 0))
    return (f"output {ho}x{wo}; a convolution shares one set of {_locally_connected(p, shared=True)} parameters "
            f"over all positions; a locally connected layer has its own set at each of the {ho} x {wo} positions: "
            f"{ho} x {wo} x {_locally_connected(p, shared=True)} = {answer}")


def _fc_working(p: Mapping[str, Any], answer: Any) -> str:
    return (f"a fully connected neuron weighs each pixel position with its own weight, so after the shift each pixel "
            f"meets a different weight: y = sum of w x shifted x = {num(answer)} (before the shift: "
            f"{num(_fc_shifted(p, shift=0))})")


COMPUTATIONS = [
    Computation("padding_mode_output_size", lambda p: _mode_size(p), {
        "same_mode_used": lambda p: _mode_size(p, "same"),
        "valid_mode_used": lambda p: _mode_size(p, "valid"),
        "full_mode_used": lambda p: _mode_size(p, "full"),
    }),
    Computation("shifted_conv_response", lambda p: _conv_shifted(p), {
        "shift_not_applied": lambda p: _conv_shifted(p, shift=0),
        "shift_reversed": lambda p: _conv_shifted(p, shift=-int(p["shift"])),
    }),
    Computation("pool_shift_changes", _pool_changes, {
        "pooling_fully_invariant": lambda p: 0,
        "pooling_not_invariant": _pool_outputs,
    }),
    Computation("locally_connected_params", lambda p: _locally_connected(p), {
        "weights_shared": lambda p: _locally_connected(p, shared=True),
        "input_size_used": lambda p: _locally_connected(p, output_size=tuple(int_pair(p["size"]))),
        "bias_forgotten": lambda p: _locally_connected(p, bias=False),
    }),
    Computation("locally_connected_ratio", lambda p: _locally_connected(p) // _locally_connected(p, shared=True), {
        "input_size_used": lambda p: _locally_connected(p, output_size=tuple(int_pair(p["size"])))
        // _locally_connected(p, shared=True),
        "kernel_positions_counted": lambda p: solver.conv2d_params(p["in_channels"], 1, p["kernel_size"], bias=False)
        // int(p["in_channels"]),
    }),
    Computation("fc_shift_response", lambda p: _fc_shifted(p), {
        "shift_not_applied": lambda p: _fc_shifted(p, shift=0),
        "shift_reversed": lambda p: _fc_shifted(p, shift=-int(p["shift"])),
    }),
]

MISTAKES = [
    Mistake("same_mode_used", "that is 'same' padding's size",
            "'same' pads (k - 1) / 2 per side and keeps the size; the question asks about another mode."),
    Mistake("valid_mode_used", "that is 'valid' (no padding) size",
            "'valid' adds no padding: out = n - k + 1; the question asks about another mode."),
    Mistake("full_mode_used", "that is 'full' padding's size",
            "'full' pads k - 1 per side: out = n + k - 1; the question asks about another mode."),
    Mistake("shift_not_applied", "that is the value before the shift",
            "The input was shifted: recompute with the shifted image (for a convolution, the whole output shifts with it)."),
    Mistake("shift_reversed", "the shift went the wrong way",
            "Shifting right moves every pixel to a larger column index; zeros come in from the left."),
    Mistake("pooling_fully_invariant", "pooling is only partly shift-invariant",
            "A max survives a shift only if it stays in the same window; some outputs change."),
    Mistake("pooling_not_invariant", "not every pooled output changes",
            "Pooling gives some shift invariance: a window's maximum that stays inside the window keeps its output."),
    Mistake("kernel_positions_counted", "that counts kernel taps, not output positions",
            "Weight sharing saves one copy of the filters per OUTPUT position: the ratio is Ho x Wo, not kh x kw."),
    Mistake("weights_shared", "those are the shared weights of a convolution",
            "A locally connected layer has its own filter (and bias) at every output position: multiply by Ho x Wo."),
]

WORKINGS = {
    "padding_mode_output_size": _mode_working,
    "shifted_conv_response": _shift_working,
    "pool_shift_changes": _pool_working,
    "locally_connected_params": _lc_working,
    "locally_connected_ratio": lambda p, a: _lc_working(p, a * _locally_connected(p, shared=True))
    + f"; ratio: {a * _locally_connected(p, shared=True)} / {_locally_connected(p, shared=True)} = {a} = Ho x Wo",
    "fc_shift_response": _fc_working,
}
