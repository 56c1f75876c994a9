"""The numeric reference solver: pure numpy functions with PyTorch's semantics.

Everything cnnquiz says is computed here. Arrays are one sample ``(C, H, W)``.
This package imports nothing else of cnnquiz.
"""

from __future__ import annotations

from cnnquiz.solver.activations import relu, sigmoid, softmax
from cnnquiz.solver.backward import avg_pool2d_backward, conv2d_backward, max_pool2d_backward
from cnnquiz.solver.costs import conv2d_macs, linear_macs
from cnnquiz.solver.ops import avg_pool2d, conv2d, max_pool2d
from cnnquiz.solver.params import conv2d_params, linear_params
from cnnquiz.solver.receptive import ReceptiveFieldStep, receptive_field
from cnnquiz.solver.shapes import (
    Rounding,
    conv2d_output_size,
    conv_transpose2d_output_size,
    formula_output_size,
    pool2d_output_size,
    window_count,
)
from cnnquiz.solver.transpose import conv_transpose2d

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
