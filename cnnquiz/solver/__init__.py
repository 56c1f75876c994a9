"""The numeric reference solver: pure numpy functions with PyTorch's semantics.

Everything cnnquiz says is computed here. Arrays are one sample ``(C, H, W)``.
This package imports nothing else of cnnquiz.

Names load lazily from their modules on first use (PEP 562): the size, parameter
and MAC arithmetic needs no numpy, so ``cnnquiz summary`` starts without importing
it; the array operations import numpy when first touched.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "conv2d_output_size",
    "pool2d_output_size",
    "conv_transpose2d_output_size",
    "window_count",
    "formula_output_size",
    "Rounding",
    "conv2d_params",
    "linear_params",
    "conv2d_macs",
    "linear_macs",
    "conv2d",
    "conv_transpose2d",
    "max_pool2d",
    "avg_pool2d",
    "conv2d_backward",
    "max_pool2d_backward",
    "avg_pool2d_backward",
    "relu",
    "sigmoid",
    "softmax",
    "receptive_field",
    "ReceptiveFieldStep",
]

_MODULE_OF = {
    **dict.fromkeys(["relu", "sigmoid", "softmax"], "activations"),
    **dict.fromkeys(["conv2d_backward", "max_pool2d_backward", "avg_pool2d_backward"], "backward"),
    **dict.fromkeys(["conv2d_macs", "linear_macs"], "costs"),
    **dict.fromkeys(["conv2d", "max_pool2d", "avg_pool2d"], "ops"),
    **dict.fromkeys(["conv2d_params", "linear_params"], "params"),
    **dict.fromkeys(["receptive_field", "ReceptiveFieldStep"], "receptive"),
    **dict.fromkeys(["Rounding", "formula_output_size", "window_count"], "formula"),
    **dict.fromkeys(["conv2d_output_size", "conv_transpose2d_output_size", "pool2d_output_size"], "shapes"),
    "conv_transpose2d": "transpose",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from cnnquiz.solver.activations import relu, sigmoid, softmax
    from cnnquiz.solver.backward import avg_pool2d_backward, conv2d_backward, max_pool2d_backward
    from cnnquiz.solver.costs import conv2d_macs, linear_macs
    from cnnquiz.solver.ops import avg_pool2d, conv2d, max_pool2d
    from cnnquiz.solver.params import conv2d_params, linear_params
    from cnnquiz.solver.receptive import ReceptiveFieldStep, receptive_field
    from cnnquiz.solver.formula import Rounding, formula_output_size, window_count
    from cnnquiz.solver.shapes import conv2d_output_size, conv_transpose2d_output_size, pool2d_output_size
    from cnnquiz.solver.transpose import conv_transpose2d


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
