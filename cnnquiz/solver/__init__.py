"""The numeric reference solver: pure numpy functions with PyTorch's semantics.

Everything cnnquiz says is computed here. Arrays are one sample ``(C, H, W)``.
This package imports nothing else of cnnquiz.
"""

from __future__ import annotations

from cnnquiz.solver.activations import relu, sigmoid, softmax
from cnnquiz.solver.ops import avg_pool2d, conv2d, max_pool2d
from cnnquiz.solver.params import conv2d_params, linear_params
from cnnquiz.solver.shapes import (
    ReceptiveFieldStep,
    conv2d_output_size,
    pool2d_output_size,
    receptive_field,
)

__all__ = [
    "conv2d_output_size",
    "pool2d_output_size",
    "conv2d_params",
    "linear_params",
    "conv2d",
    "max_pool2d",
    "avg_pool2d",
    "relu",
    "sigmoid",
    "softmax",
    "receptive_field",
    "ReceptiveFieldStep",
]
