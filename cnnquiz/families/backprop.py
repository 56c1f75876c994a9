"""Backpropagation through a convolution and through pooling, for a small example.

Answers are the solver's ``conv2d_backward`` (what autograd gives for ``conv2d``),
``max_pool2d_backward`` and ``avg_pool2d_backward``:

- dL/dW[k, c, u, v] = sum over positions (i, j) of dL/dY[k, i, j] x X[c, i*s + u, j*s + v]
  (a cross-correlation of the input with the upstream gradient);
- dL/dX is the "full" convolution of dL/dY with the kernel flipped by 180 degrees;
- dL/db[k] = sum over positions of dL/dY[k, i, j];
- max pooling sends each window's gradient to its maximum only (ties: the first in
  row-major order, as PyTorch on CPU); average pooling spreads it evenly (g / k^2).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from cnnquiz import solver
from cnnquiz.computations import Computation
from cnnquiz.families._common import as_image, flip, int_pair, num, param
from cnnquiz.mistakes import Mistake

__all__ = ["COMPUTATIONS", "MISTAKES", "WORKINGS"]


def _conv_backward(p: Mapping[str, Any], *, weight: Any = None, grad_output: Any = None) -> tuple:
    return solver.conv2d_backward(
        as_image(p["x"]), p["weight"] if weight is None else weight,
        p["grad_output"] if grad_output is None else grad_output,
        stride=param(p, "stride", 1), padding=param(p, "padding", 0),
    )


def _first_position_only(grad_output: Any) -> np.ndarray:
    """The upstream gradient of the top-left output position alone (the others zeroed)."""
    g = np.zeros_like(np.asarray(grad_output, dtype=np.float64))
    if g.shape[-1] * g.shape[-2] < 2:
        raise ValueError("one output position: nothing to sum")
    g[..., 0, 0] = np.asarray(grad_output, dtype=np.float64)[..., 0, 0]
    return g


def _pool_kwargs(p: Mapping[str, Any]) -> dict[str, Any]:
    return {"kernel_size": p["kernel_size"], "stride": p.get("stride")}


def _max_backward(p: Mapping[str, Any]) -> np.ndarray:
    return solver.max_pool2d_backward(as_image(p["x"]), p["grad_output"], **_pool_kwargs(p))


def _avg_backward(p: Mapping[str, Any]) -> np.ndarray:
    return solver.avg_pool2d_backward(as_image(p["x"]), p["grad_output"], **_pool_kwargs(p))


def _every_maximum(p: Mapping[str, Any]) -> np.ndarray:
    """Each window's gradient copied to every element that equals the window's maximum."""
    x = as_image(p["x"])
    g = np.asarray(p["grad_output"], dtype=np.float64)
    kh, kw = int_pair(p["kernel_size"])
    sh, sw = int_pair(param(p, "stride", p["kernel_size"]))
    reference = _max_backward(p)
    out = np.zeros_like(x)
    for c in range(g.shape[0]):
        for i in range(g.shape[1]):
            for j in range(g.shape[2]):
                window = x[c, i * sh: i * sh + kh, j * sw: j * sw + kw]
                out[c, i * sh: i * sh + kh, j * sw: j * sw + kw] += np.where(window == window.max(), g[c, i, j], 0)
    if np.array_equal(out, reference):
        raise ValueError("no tie: the mistake is invisible")
    return out


def _grid(values: Any) -> str:
    arr = np.asarray(values, dtype=np.float64)
    while arr.ndim > 2:
        arr = arr[0]
    return "[" + "; ".join(" ".join(num(v) for v in row) for row in arr) + "]"


def _grad_weight_working(p: Mapping[str, Any], answer: Any) -> str:
    x, g = as_image(p["x"])[0], np.asarray(p["grad_output"], dtype=np.float64)[0]
    s = int_pair(param(p, "stride", 1))[0]
    terms = " + ".join(f"{num(g[i, j])}x{num(x[i * s, j * s])}" for i in range(g.shape[0]) for j in range(g.shape[1]))
    first = np.asarray(answer).ravel()[0]
    return (f"dL/dW[u, v] = sum over every output position (i, j) of dL/dY[i, j] x X[i*{s} + u, j*{s} + v], "
            f"the input cross-correlated with dL/dY = {_grid(g)}; entry (1, 1): {terms} = {num(first)}; "
            f"dL/dW = {_grid(answer)}")


def _grad_input_working(p: Mapping[str, Any], answer: Any) -> str:
    return (f"dL/dX: every output position sends dL/dY[i, j] x W back to the pixels its window covered; "
            f"equivalently the full convolution of dL/dY = {_grid(p['grad_output'])} with the kernel flipped by 180 "
            f"degrees, {_grid(flip(np.asarray(p['weight'], dtype=np.float64)))}: {_grid(answer)}")


def _grad_bias_working(p: Mapping[str, Any], answer: Any) -> str:
    g = np.asarray(p["grad_output"], dtype=np.float64)
    sums = ", ".join(f"{' + '.join(num(v) for v in g[k].ravel())} = {num(g[k].sum())}" for k in range(g.shape[0]))
    return f"dL/db[k] = sum of dL/dY[k] over all positions (the bias is added at every position): {sums}"


def _max_pool_working(p: Mapping[str, Any], answer: Any) -> str:
    return (f"each window's gradient goes to the position of its maximum only (ties: the first in row order), "
            f"every other position gets 0; overlapping windows add: {_grid(answer)}")


def _avg_pool_working(p: Mapping[str, Any], answer: Any) -> str:
    kh, kw = int_pair(p["kernel_size"])
    return (f"average pooling multiplies each of the {kh} x {kw} inputs of a window by 1/{kh * kw}, so each gets "
            f"dL/dY / {kh * kw} of its window (overlaps add): {_grid(answer)}")


COMPUTATIONS = [
    Computation("conv2d_grad_weight", lambda p: _conv_backward(p)[1], {
        "positions_not_summed": lambda p: _conv_backward(p, grad_output=_first_position_only(p["grad_output"]))[1],
        "gradient_flipped": lambda p: flip(_conv_backward(p)[1]),
    }),
    Computation("conv2d_grad_input", lambda p: _conv_backward(p)[0], {
        "kernel_not_flipped_backward": lambda p: _conv_backward(p, weight=flip(p["weight"]))[0],
        "positions_not_summed": lambda p: _conv_backward(p, grad_output=_first_position_only(p["grad_output"]))[0],
    }),
    Computation("conv2d_grad_bias", lambda p: _conv_backward(p)[2], {
        "positions_not_summed": lambda p: np.asarray(p["grad_output"], dtype=np.float64)[:, 0, 0],
        "bias_gradient_averaged": lambda p: np.asarray(p["grad_output"], dtype=np.float64).mean(axis=(1, 2)),
    }),
    Computation("max_pool2d_grad", _max_backward, {
        "routed_to_every_maximum": _every_maximum,
        "gradient_spread_evenly": _avg_backward,
    }),
    Computation("avg_pool2d_grad", _avg_backward, {
        "gradient_not_divided": lambda p: _avg_backward(p) * np.prod(int_pair(p["kernel_size"])),
        "routed_to_maximum": _max_backward,
    }),
]

MISTAKES = [
    Mistake("positions_not_summed", "the contributions of all output positions must be summed",
            "The same weight (and bias) is used at every output position, so its gradient is the sum over all positions."),
    Mistake("gradient_flipped", "dL/dW is not flipped",
            "dL/dW is the input cross-correlated with dL/dY: entry (u, v) pairs dL/dY[i, j] with X[i + u, j + v], no rotation."),
    Mistake("kernel_not_flipped_backward", "for dL/dX the kernel must be flipped",
            "dL/dX is the full convolution of dL/dY with the kernel rotated by 180 degrees (each pixel meets the weight it was multiplied by)."),
    Mistake("bias_gradient_averaged", "the bias gradient is a sum, not a mean",
            "dL/db adds dL/dY over every position where the bias was added; nothing is divided."),
    Mistake("routed_to_every_maximum", "only one maximum gets the gradient",
            "With a tie, PyTorch sends a window's gradient to the first maximum (row-major order), not to every maximum."),
    Mistake("gradient_spread_evenly", "that is average pooling's gradient",
            "Max pooling passes the gradient only to the position of the window's maximum; the others get 0."),
    Mistake("gradient_not_divided", "each input gets 1/k^2 of the window's gradient",
            "Average pooling's output is the mean of k x k inputs, so each input's gradient is dL/dY / (k x k)."),
    Mistake("routed_to_maximum", "that is max pooling's gradient",
            "Average pooling spreads the gradient evenly over its window; only max pooling routes it to the maximum."),
]

WORKINGS = {
    "conv2d_grad_weight": _grad_weight_working,
    "conv2d_grad_input": _grad_input_working,
    "conv2d_grad_bias": _grad_bias_working,
    "max_pool2d_grad": _max_pool_working,
    "avg_pool2d_grad": _avg_pool_working,
}
