"""Cost of a layer: multiply-accumulates, activation memory, parameter savings.

Conventions (stated in every prompt): 1 MAC = one multiply and one add = 2 FLOPs;
bias additions are not counted; activations are float32 (4 bytes), 1 KiB = 1024
bytes. Every count comes from the solver (``conv2d_output_size``, ``conv2d_params``,
``conv2d_macs``, ``receptive_field``); mistakes change exactly one thing.
"""

from __future__ import annotations

from typing import Any, Mapping

from cnnquiz import solver
from cnnquiz.computations import Computation
from cnnquiz.families._common import int_pair, num, param
from cnnquiz.mistakes import Mistake

__all__ = ["COMPUTATIONS", "MISTAKES", "WORKINGS"]

_FLOAT32_BYTES = 4
_UNITS = {"bytes": 1, "KiB": 1024, "MiB": 1024 * 1024}
_DECIMAL_UNITS = {"bytes": 1, "KiB": 1000, "MiB": 1000 * 1000}


# --- MACs of a convolution ----------------------------------------------------------------

def _out_size(p: Mapping[str, Any]) -> tuple[int, int]:
    return solver.conv2d_output_size(tuple(int_pair(p["size"])), p["kernel_size"], param(p, "stride", 1),
                                     param(p, "padding", 0), param(p, "dilation", 1))


def _macs(p: Mapping[str, Any], *, output_size: Any = None, in_channels: Any = None, groups: Any = None) -> int:
    return solver.conv2d_macs(
        p["in_channels"] if in_channels is None else in_channels, p["out_channels"], p["kernel_size"],
        _out_size(p) if output_size is None else output_size,
        groups=param(p, "groups", 1) if groups is None else groups,
    )


def _macs_working(p: Mapping[str, Any], answer: Any) -> str:
    ho, wo = _out_size(p)
    kh, kw = int_pair(p["kernel_size"])
    groups = int(param(p, "groups", 1))
    per_filter = f"{p['in_channels']}/{groups}" if groups != 1 else f"{p['in_channels']}"
    return (f"output {ho}x{wo} (from the output-size formula); each of the {p['out_channels']} x {ho} x {wo} "
            f"outputs needs ({per_filter}) x {kh} x {kw} multiply-accumulates: "
            f"{p['out_channels']} x {ho} x {wo} x {per_filter} x {kh} x {kw} = {answer} MACs "
            f"(= {2 * int(answer)} FLOPs; bias additions not counted)")


# --- activation memory -----------------------------------------------------------------------

def _activation_memory(p: Mapping[str, Any], *, value_bytes: int = _FLOAT32_BYTES,
                       units: Mapping[str, int] = _UNITS, channels: Any = None) -> float:
    c, h, w = p["input_shape"]
    ho, wo = _out_size({**p, "size": (h, w)})
    k = p["out_channels"] if channels is None else channels
    unit = p.get("unit", "bytes")
    if unit not in units:
        raise ValueError(f"unit must be one of {', '.join(units)}; got unit={unit!r}")
    return value_bytes * int(k) * ho * wo / units[unit]


def _memory_working(p: Mapping[str, Any], answer: Any) -> str:
    c, h, w = p["input_shape"]
    ho, wo = _out_size({**p, "size": (h, w)})
    unit = p.get("unit", "bytes")
    values = int(p["out_channels"]) * ho * wo
    scale = "" if unit == "bytes" else f" / {_UNITS[unit]} = {num(answer)} {unit}"
    return (f"output {p['out_channels']} x {ho} x {wo} (C x H x W) = {values} values; float32 is 4 bytes each: "
            f"{values} x 4 = {4 * values} bytes{scale}")


# --- parameter savings ------------------------------------------------------------------------

def _big_kernel(small: int, count: int) -> int:
    """The one kernel whose receptive field equals ``count`` stacked ``small`` ones (stride 1)."""
    return solver.receptive_field([small] * count)[-1].size


def _stack_params(p: Mapping[str, Any], *, count: Any = None, in_channels: Any = None, bias: Any = None) -> int:
    c, k = int(p["channels"]), int(p["small_kernel"])
    n = int(p["count"]) if count is None else count
    b = bool(param(p, "bias", True)) if bias is None else bias
    return n * solver.conv2d_params(c if in_channels is None else in_channels, c, k, bias=b)


def _big_params(p: Mapping[str, Any], *, in_channels: Any = None, bias: Any = None) -> int:
    c = int(p["channels"])
    big = _big_kernel(int(p["small_kernel"]), int(p["count"]))
    b = bool(param(p, "bias", True)) if bias is None else bias
    return solver.conv2d_params(c if in_channels is None else in_channels, c, big, bias=b)


def _stack_savings(p: Mapping[str, Any], **change: Any) -> int:
    # A forgotten bias or input depth is forgotten in the large layer too; the count only in the stack.
    both_sides = {k: v for k, v in change.items() if k in ("in_channels", "bias")}
    return _big_params(p, **both_sides) - _stack_params(p, **change)


def _stack_working(p: Mapping[str, Any], answer: Any) -> str:
    c, k, n = int(p["channels"]), int(p["small_kernel"]), int(p["count"])
    big = _big_kernel(k, n)
    b = " + 1" if param(p, "bias", True) else ""
    return (f"{n} stacked {k}x{k} layers see {big}x{big} pixels (1 + {n} x ({k}-1)); one {big}x{big} layer: "
            f"{c} x ({c} x {big} x {big}{b}) = {_big_params(p)}; the stack: {n} x {c} x ({c} x {k} x {k}{b}) = "
            f"{_stack_params(p)}; saved: {_big_params(p)} - {_stack_params(p)} = {answer}")


def _stack_params_working(p: Mapping[str, Any], answer: Any) -> str:
    c, k, n = int(p["channels"]), int(p["small_kernel"]), int(p["count"])
    b = " + 1 bias" if param(p, "bias", True) else ""
    return f"{n} layers x {c} filters x ({c} x {k} x {k} weights{b}) = {answer}"


def _separable(p: Mapping[str, Any], *, depthwise_groups: Any = None, pointwise: bool = True,
               bias: Any = None) -> int:
    c, k_out, k = int(p["in_channels"]), int(p["out_channels"]), p["kernel_size"]
    b = bool(param(p, "bias", True)) if bias is None else bias
    depthwise = solver.conv2d_params(c, c, k, bias=b, groups=c if depthwise_groups is None else depthwise_groups)
    return depthwise + (solver.conv2d_params(c, k_out, 1, bias=b) if pointwise else 0)


def _standard(p: Mapping[str, Any], *, bias: Any = None) -> int:
    b = bool(param(p, "bias", True)) if bias is None else bias
    return solver.conv2d_params(p["in_channels"], p["out_channels"], p["kernel_size"], bias=b)


def _separable_working(p: Mapping[str, Any], answer: Any, *, savings: bool) -> str:
    c, k_out = int(p["in_channels"]), int(p["out_channels"])
    kh, kw = int_pair(p["kernel_size"])
    b = " + 1" if param(p, "bias", True) else ""
    text = (f"depthwise {kh}x{kw} (groups = {c}, one filter per channel): {c} x (1 x {kh} x {kw}{b}) = "
            f"{_separable(p, pointwise=False)}; pointwise 1x1: {k_out} x ({c} x 1 x 1{b}) = "
            f"{_separable(p) - _separable(p, pointwise=False)}; together {_separable(p)}")
    if not savings:
        return text
    return (f"standard: {k_out} x ({c} x {kh} x {kw}{b}) = {_standard(p)}; {text}; "
            f"saved: {_standard(p)} - {_separable(p)} = {answer}")


def _bottleneck(p: Mapping[str, Any], *, mid: Any = None, bias: Any = None) -> int:
    c, m, k = int(p["channels"]), int(p["mid_channels"] if mid is None else mid), p["kernel_size"]
    b = bool(param(p, "bias", True)) if bias is None else bias
    return (solver.conv2d_params(c, m, 1, bias=b) + solver.conv2d_params(m, m, k, bias=b)
            + solver.conv2d_params(m, c, 1, bias=b))


def _bottleneck_direct(p: Mapping[str, Any], *, bias: Any = None) -> int:
    b = bool(param(p, "bias", True)) if bias is None else bias
    return solver.conv2d_params(p["channels"], p["channels"], p["kernel_size"], bias=b)


def _bottleneck_working(p: Mapping[str, Any], answer: Any, *, savings: bool) -> str:
    c, m = int(p["channels"]), int(p["mid_channels"])
    kh, kw = int_pair(p["kernel_size"])
    b = " + 1" if param(p, "bias", True) else ""
    text = (f"1x1 reduce: {m} x ({c}{b}) + {kh}x{kw}: {m} x ({m} x {kh} x {kw}{b}) + 1x1 expand: "
            f"{c} x ({m}{b}) = {_bottleneck(p)}")
    if not savings:
        return text
    return (f"one {kh}x{kw} layer {c} -> {c}: {c} x ({c} x {kh} x {kw}{b}) = {_bottleneck_direct(p)}; "
            f"bottleneck: {text}; saved: {_bottleneck_direct(p)} - {_bottleneck(p)} = {answer}")


COMPUTATIONS = [
    Computation("conv2d_macs", lambda p: _macs(p), {
        "flops_counted": lambda p: 2 * _macs(p),
        "input_size_used": lambda p: _macs(p, output_size=tuple(int_pair(p["size"]))),
        "input_channels_forgotten": lambda p: _macs(p, in_channels=param(p, "groups", 1)),
        "groups_ignored": lambda p: _macs(p, groups=1),
    }),
    Computation("activation_memory", lambda p: _activation_memory(p), {
        "bytes_per_value_forgotten": lambda p: _activation_memory(p, value_bytes=1),
        "decimal_units": lambda p: _activation_memory(p, units=_DECIMAL_UNITS),
        "channels_kept": lambda p: _activation_memory(p, channels=p["input_shape"][0]),
    }),
    Computation("stacked_kernel_savings", lambda p: _stack_savings(p), {
        "single_small_layer": lambda p: _stack_savings(p, count=1),
        "bias_forgotten": lambda p: _stack_savings(p, bias=False),
        "input_channels_forgotten": lambda p: _stack_savings(p, in_channels=1),
    }),
    Computation("stacked_kernel_params", lambda p: _stack_params(p), {
        "single_small_layer": lambda p: _stack_params(p, count=1),
        "bias_forgotten": lambda p: _stack_params(p, bias=False),
        "input_channels_forgotten": lambda p: _stack_params(p, in_channels=1),
    }),
    Computation("depthwise_separable_params", lambda p: _separable(p), {
        "groups_ignored": lambda p: _separable(p, depthwise_groups=1),
        "pointwise_forgotten": lambda p: _separable(p, pointwise=False),
        "bias_forgotten": lambda p: _separable(p, bias=False),
    }),
    Computation("depthwise_separable_savings", lambda p: _standard(p) - _separable(p), {
        "groups_ignored": lambda p: _standard(p) - _separable(p, depthwise_groups=1),
        "pointwise_forgotten": lambda p: _standard(p) - _separable(p, pointwise=False),
        "bias_forgotten": lambda p: _standard(p, bias=False) - _separable(p, bias=False),
    }),
    Computation("bottleneck_params", lambda p: _bottleneck(p), {
        "bottleneck_width_ignored": lambda p: _bottleneck(p, mid=p["channels"]),
        "bias_forgotten": lambda p: _bottleneck(p, bias=False),
    }),
    Computation("bottleneck_savings", lambda p: _bottleneck_direct(p) - _bottleneck(p), {
        "bottleneck_width_ignored": lambda p: _bottleneck_direct(p) - _bottleneck(p, mid=p["channels"]),
        "bias_forgotten": lambda p: _bottleneck_direct(p, bias=False) - _bottleneck(p, bias=False),
    }),
]

MISTAKES = [
    Mistake("flops_counted", "that is FLOPs, not MACs",
            "One multiply-accumulate (MAC) is one multiplication plus one addition, i.e. 2 FLOPs; the question asks for MACs."),
    Mistake("input_size_used", "the input's height and width were used instead of the output's",
            "A convolution does its kernel's work once per OUTPUT position: use Ho x Wo from the output-size formula."),
    Mistake("bytes_per_value_forgotten", "those are values, not bytes",
            "Each float32 value takes 4 bytes: multiply the number of values by 4."),
    Mistake("decimal_units", "1 KiB is 1024 bytes, not 1000",
            "KiB and MiB are binary units: 1 KiB = 1024 bytes, 1 MiB = 1024 x 1024 bytes."),
    Mistake("single_small_layer", "only one of the stacked layers was counted",
            "Every layer of the stack has its own weights: multiply one layer's parameters by the number of layers."),
    Mistake("pointwise_forgotten", "the 1x1 (pointwise) layer was forgotten",
            "A depthwise-separable convolution is a depthwise kxk convolution followed by a 1x1 convolution that mixes the channels."),
    Mistake("bottleneck_width_ignored", "the bottleneck's narrow width was ignored",
            "The kxk layer of a bottleneck works on the reduced number of channels, which is where the saving comes from."),
]

WORKINGS = {
    "conv2d_macs": _macs_working,
    "activation_memory": _memory_working,
    "stacked_kernel_savings": _stack_working,
    "stacked_kernel_params": _stack_params_working,
    "depthwise_separable_params": lambda p, a: _separable_working(p, a, savings=False),
    "depthwise_separable_savings": lambda p, a: _separable_working(p, a, savings=True),
    "bottleneck_params": lambda p, a: _bottleneck_working(p, a, savings=False),
    "bottleneck_savings": lambda p, a: _bottleneck_working(p, a, savings=True),
}
