"""Inverse design: which padding, stride or kernel size gives a wanted output size.

The reference searches the smallest hyperparameter for which the solver's
``conv2d_output_size`` gives the target, so the answer is exactly what PyTorch does
(floor rounding included). The mistakes search with one term of the forward
formula changed, or report the total padding where padding per side is asked.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from cnnquiz import solver
from cnnquiz.computations import Computation
from cnnquiz.families._common import param
from cnnquiz.mistakes import Mistake

__all__ = ["COMPUTATIONS", "MISTAKES", "WORKINGS"]


def _solver_size(n: int, k: int, s: int, p: int, d: int) -> int | None:
    try:
        return solver.conv2d_output_size(n, k, s, p, d)
    except ValueError:
        return None


def _mistaken_size(*, plus_one: int = 1, pad_factor: int = 2) -> Callable[[int, int, int, int, int], int | None]:
    """The forward formula with one term changed (floor rounding, as PyTorch)."""
    def size(n: int, k: int, s: int, p: int, d: int) -> int | None:
        span = n + pad_factor * p - d * (k - 1) - 1
        return span // s + plus_one if span >= 0 else None
    return size


def _first(candidates: range, hits: Callable[[int], bool], what: str) -> int:
    for value in candidates:
        if hits(value):
            return value
    raise ValueError(f"no {what} gives the target size")


def _same_padding(p: Mapping[str, Any], *, size_of: Callable = _solver_size, dilation: Any = None) -> int:
    n, k = int(p["size"]), int(p["kernel_size"])
    d = int(param(p, "dilation", 1) if dilation is None else dilation)
    return _first(range(0, d * (k - 1) + 1), lambda pad: size_of(n, k, 1, pad, d) == n, "padding")


def _padding_for(p: Mapping[str, Any], *, size_of: Callable = _solver_size) -> int:
    n, k, s, d = int(p["size"]), int(p["kernel_size"]), int(param(p, "stride", 1)), int(param(p, "dilation", 1))
    target = int(p["target"])
    return _first(range(0, d * (k - 1) + 1), lambda pad: size_of(n, k, s, pad, d) == target, "padding")


def _stride_for(p: Mapping[str, Any], *, size_of: Callable = _solver_size) -> int:
    n, k, pad, d = int(p["size"]), int(p["kernel_size"]), int(param(p, "padding", 0)), int(param(p, "dilation", 1))
    target = int(p["target"])
    return _first(range(1, n + 2 * pad + 1), lambda s: size_of(n, k, s, pad, d) == target, "stride")


def _kernel_for(p: Mapping[str, Any], *, size_of: Callable = _solver_size) -> int:
    n, pad, s = int(p["size"]), int(param(p, "padding", 0)), int(param(p, "stride", 1))
    target = int(p["target"])
    # The largest kernel first: with stride 1 there is only one, with a larger stride the widest fitting one.
    return _first(range(n + 2 * pad, 0, -1), lambda k: size_of(n, k, s, pad, 1) == target, "kernel size")


def _dropped(p: Mapping[str, Any], *, pad_factor: int = 2) -> int:
    """Pixels at the bottom (right) of the padded input that no window reaches."""
    n, k, s, pad = int(p["size"]), int(p["kernel_size"]), int(param(p, "stride", 1)), int(param(p, "padding", 0))
    out = solver.conv2d_output_size(n, k, s, pad) if pad_factor == 2 else _mistaken_size(pad_factor=pad_factor)(n, k, s, pad, 1)
    if out is None:
        raise ValueError("the mistake gives no valid size")
    return n + pad_factor * pad - ((out - 1) * s + k)


def _padding_to_fit(p: Mapping[str, Any]) -> int:
    k, s = int(p["kernel_size"]), int(p["stride"])
    return _first(range(0, s + k), lambda pad: _dropped({**p, "padding": pad}) == 0, "padding")


def _formula(p: Mapping[str, Any], **fixed: Any) -> str:
    q = {"size": p["size"], "kernel_size": p.get("kernel_size"), "stride": param(p, "stride", 1),
         "padding": param(p, "padding", 0), "dilation": param(p, "dilation", 1), **fixed}
    n, k, s, pad, d = (int(q[name]) for name in ("size", "kernel_size", "stride", "padding", "dilation"))
    kernel = f"{k}" if d == 1 else f"({d}x({k}-1)+1)"
    return f"floor(({n} + 2x{pad} - {kernel}) / {s}) + 1 = {solver.conv2d_output_size(n, k, s, pad, d)}"


def _search_working(name: str, value_key: str) -> Callable[[Mapping[str, Any], Any], str]:
    def working(p: Mapping[str, Any], answer: Any) -> str:
        target = p["size"] if value_key == "same" else p["target"]
        smallest = "largest" if name == "kernel_size" else "smallest"
        label = name.replace("_", " ")
        return (f"out = floor((in + 2 x padding - dilation x (kernel - 1) - 1) / stride) + 1 must equal {target}; "
                f"the {smallest} {label} that does it: {_formula(p, **{name: answer})}; so {label} = {answer}")
    return working


def _dropped_working(p: Mapping[str, Any], answer: Any) -> str:
    n, k, s, pad = int(p["size"]), int(p["kernel_size"]), int(param(p, "stride", 1)), int(param(p, "padding", 0))
    out = solver.conv2d_output_size(n, k, s, pad)
    return (f"{_formula(p)} windows; the last starts at {(out - 1) * s} and ends at {(out - 1) * s + k} "
            f"of the {n + 2 * pad} padded pixels ({n} + 2x{pad}), so {answer} are left over"
            + (" (the setting fits exactly)" if answer == 0 else " (floor drops them)"))


def _fit_working(p: Mapping[str, Any], answer: Any) -> str:
    n, k, s = int(p["size"]), int(p["kernel_size"]), int(p["stride"])
    return (f"the stride must divide in + 2 x padding - kernel: with padding {answer} per side, "
            f"{n} + 2x{answer} - {k} = {n + 2 * int(answer) - k}, divisible by {s}; {_formula(p, padding=answer)}; "
            f"so padding = {answer} per side")


_PLUS_ONE_FORGOTTEN = _mistaken_size(plus_one=0)
_PADDING_ONCE = _mistaken_size(pad_factor=1)

COMPUTATIONS = [
    Computation("same_padding", lambda p: _same_padding(p), {
        "dilation_ignored": lambda p: _same_padding(p, dilation=1),
        "padding_total_given": lambda p: 2 * _same_padding(p),
    }),
    Computation("padding_for_target", lambda p: _padding_for(p), {
        "padding_total_given": lambda p: 2 * _padding_for(p),
        "forgot_plus_one": lambda p: _padding_for(p, size_of=_PLUS_ONE_FORGOTTEN),
    }),
    Computation("stride_for_target", lambda p: _stride_for(p), {
        "forgot_plus_one": lambda p: _stride_for(p, size_of=_PLUS_ONE_FORGOTTEN),
        "padding_once": lambda p: _stride_for(p, size_of=_PADDING_ONCE),
    }),
    Computation("kernel_for_target", lambda p: _kernel_for(p), {
        "forgot_plus_one": lambda p: _kernel_for(p, size_of=_PLUS_ONE_FORGOTTEN),
        "padding_once": lambda p: _kernel_for(p, size_of=_PADDING_ONCE),
    }),
    Computation("dropped_pixels", lambda p: _dropped(p), {
        "padding_once": lambda p: _dropped(p, pad_factor=1),
    }),
    Computation("padding_to_fit", _padding_to_fit, {
        "padding_total_given": lambda p: 2 * _padding_to_fit(p),
    }),
]

MISTAKES = [
    Mistake("padding_total_given", "that is the total padding; the question asks for padding per side",
            "Padding p is added on each side, so the input grows by 2p; the answer is p, half of the total."),
]

WORKINGS = {
    "same_padding": _search_working("padding", "same"),
    "padding_for_target": _search_working("padding", "target"),
    "stride_for_target": _search_working("stride", "target"),
    "kernel_for_target": _search_working("kernel_size", "target"),
    "dropped_pixels": _dropped_working,
    "padding_to_fit": _fit_working,
}
