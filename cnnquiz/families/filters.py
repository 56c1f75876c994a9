"""Classic image filters (box blur, sharpen, Laplacian, Sobel) and convolution vs correlation.

A filter's response is the solver's ``conv2d`` (cross-correlation, as PyTorch) of a
one-channel image with the kernel divided by ``divisor`` (9 for a 3x3 box blur).
The lecture writes convolution with the kernel flipped,
``(I * h)(x, y) = sum I(x - i, y - j) h(i, j)``: ``true_convolution`` is the solver's
cross-correlation with the flipped kernel.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from cnnquiz import solver
from cnnquiz.computations import Computation
from cnnquiz.families._common import as_image, cell, flip, num, param
from cnnquiz.mistakes import Mistake

__all__ = ["COMPUTATIONS", "MISTAKES", "WORKINGS"]


def _weight(p: Mapping[str, Any], *, flipped: bool = False, divisor: Any = None) -> np.ndarray:
    kernel = np.asarray(p["kernel"], dtype=np.float64)
    if kernel.ndim != 2:
        raise ValueError(f"kernel must be a matrix; got shape {kernel.shape}")
    d = float(param(p, "divisor", 1) if divisor is None else divisor)
    kernel = (flip(kernel) if flipped else kernel) / d
    return kernel[None, None]


def _response_map(p: Mapping[str, Any], **change: Any) -> np.ndarray:
    return solver.conv2d(as_image(p["x"]), _weight(p, **change), padding=param(p, "padding", 0))


def _response(p: Mapping[str, Any], **change: Any) -> float:
    out = _response_map(p, **change)
    row, col = cell(p, out.shape)
    return float(out[0, row, col])


def _response_working(p: Mapping[str, Any], answer: Any) -> str:
    x = as_image(p["x"])[0]
    pad = int(param(p, "padding", 0))
    padded = np.pad(x, pad)
    kernel = np.asarray(p["kernel"], dtype=np.float64)
    kh, kw = kernel.shape
    row, col = cell(p, _response_map(p).shape)
    window = padded[row: row + kh, col: col + kw]
    terms = " + ".join(f"{_factor(a)}x{_factor(b)}" for a, b in zip(window.ravel(), kernel.ravel()) if b != 0)
    divisor = float(param(p, "divisor", 1))
    where = f"output row {row + 1}, column {col + 1}"
    if divisor != 1:
        return (f"{where}: the window under the kernel (no flipping): ({terms}) / {num(divisor)} = "
                f"{num(window.ravel() @ kernel.ravel())} / {num(divisor)} = {num(answer)}")
    return f"{where}: the window under the kernel (no flipping), terms with weight 0 left out: {terms or '0'} = {num(answer)}"


def _factor(value: Any) -> str:
    """A product's factor, negative ones in brackets: ``3x(-1)``."""
    return f"({num(value)})" if float(value) < 0 else num(value)


def _rows(matrix: Any) -> str:
    arr = np.asarray(matrix, dtype=np.float64)
    while arr.ndim > 2:
        arr = arr[0]
    return "[" + "; ".join(" ".join(num(v) for v in row) for row in arr) + "]"


def _convolution_working(p: Mapping[str, Any], answer: Any) -> str:
    flipped = flip(np.asarray(p["kernel"], dtype=np.float64))
    return (f"convolution as in the lecture flips the kernel by 180 degrees first: {_rows(flipped)}; then slide it "
            f"like cross-correlation (stride 1, padding {param(p, 'padding', 0)}): {_rows(answer)}")


COMPUTATIONS = [
    Computation("filter_response", lambda p: _response(p), {
        "kernel_flipped": lambda p: _response(p, flipped=True),
        "divisor_forgotten": lambda p: _response(p, divisor=1),
    }),
    Computation("true_convolution", lambda p: _response_map(p, flipped=True), {
        "kernel_not_flipped": lambda p: _response_map(p),
    }),
]

MISTAKES = [
    Mistake("divisor_forgotten", "the kernel's normalisation was forgotten",
            "A box blur averages: the sum of the window is divided by the number of pixels (9 for 3x3)."),
    Mistake("kernel_not_flipped", "that is cross-correlation: convolution flips the kernel",
            "The lecture's convolution sums I(x - i, y - j) h(i, j): the kernel is rotated by 180 degrees before sliding (PyTorch's conv2d does not flip)."),
]

WORKINGS = {
    "filter_response": _response_working,
    "true_convolution": _convolution_working,
}
