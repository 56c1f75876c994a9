"""``hint``: the formula a question needs, without its numbers.

A formula card per solver computation (:data:`FORMULAS`); a computation without a
card gets the question's own worked solution with every number replaced by ``…``,
which keeps the shape of the arithmetic and gives nothing away.

Examples
--------
>>> mask_numbers("10 filters x (3 x 5 x 5 weights + 1 bias) = 760")
'… filters x (… x … x … weights + … bias) = …'
"""

from __future__ import annotations

import re
from typing import Sequence

__all__ = ["FORMULAS", "hint_lines", "mask_numbers"]

FORMULAS: dict[str, str] = {
    "conv2d_output_size": "out = floor((in + 2 x padding - dilation x (kernel - 1) - 1) / stride) + 1, "
                          "for height and width separately (dilation 1: (in + 2p - k) / s + 1)",
    "pool2d_output_size": "out = floor((in + 2 x padding - kernel) / stride) + 1; the stride defaults to the "
                          "kernel size; ceil_mode rounds up, but the last window must start inside the input",
    "conv2d_output_shape": "height and width: out = floor((in + 2p - k) / s) + 1; depth = the number of filters",
    "conv2d_params": "filters x (in_channels / groups x kh x kw weights + 1 bias)",
    "linear_params": "in_features x out_features weights + out_features biases",
    "conv2d": "out[i, j] = sum over channels c and kernel cells (u, v) of x[c, i x stride + u, j x stride + v] x "
              "w[c, u, v], + bias: slide, multiply element-wise, add (the kernel is not flipped)",
    "max_pool2d": "each output is the largest value of its window; windows move by the stride "
                  "(by default the kernel size, so they do not overlap)",
    "avg_pool2d": "each output is the mean of its window (zero padding counts as 0 and in the divisor)",
    "relu": "ReLU(x) = max(x, 0), element by element",
    "sigmoid": "sigmoid(x) = 1 / (1 + e^(-x))",
    "sigmoid_relu": "first r = ReLU(z) = max(z, 0), then sigmoid(r) = 1 / (1 + e^(-r))",
    "softmax": "softmax(z)_i = e^(z_i - max z) / sum over j of e^(z_j - max z)",
    "receptive_field": "r = 1 and jump = 1 before the first layer; each layer: r += dilation x (kernel - 1) x jump, "
                       "then jump x= stride",
    "conv_transpose2d_output_size": "out = (in - 1) x stride - 2 x padding + dilation x (kernel - 1) "
                                    "+ output_padding + 1",
    "conv_transpose2d_output_shape": "height and width: out = (in - 1) x s - 2p + d x (k - 1) + output_padding + 1; "
                                     "depth = out_channels",
    "conv_transpose2d": "each input cell adds (its value x the kernel) to the output, stamps stride apart; "
                        "overlaps add up; then padding is cropped from every side",
    "conv2d_macs": "MACs = out_channels x (in_channels / groups) x kh x kw x out_height x out_width",
    "same_padding": "stride 1 keeps the size when padding = dilation x (kernel - 1) / 2 on each side",
    "batch_norm_params": "2 x channels learned parameters (gamma and beta); running mean and variance are buffers",
    "batch_norm_eval": "y = gamma x (x - running_mean) / sqrt(running_var + eps) + beta",
    "batch_norm_train": "y = gamma x (x - batch mean) / sqrt(batch variance + eps) + beta (biased variance)",
    "running_mean_update": "new = (1 - momentum) x old + momentum x batch mean",
    "running_var_update": "new = (1 - momentum) x old + momentum x unbiased batch variance",
    "network_flatten_size": "flatten gives C x H x W numbers of the last feature map",
}

_NUMBER = re.compile(r"(?<![A-Za-wyz_])[-+]?\d+(?:[.,]\d+)?(?:e[-+]?\d+)?")


def mask_numbers(text: str) -> str:
    """``text`` with every number written as ``…`` (names such as ``conv2`` keep theirs)."""
    return _NUMBER.sub("…", text)


def hint_lines(computations: Sequence[str], working: str) -> list[str]:
    """The formula cards of ``computations`` (one line each), or the masked working.

    Parameters
    ----------
    computations : sequence of str
        The question's computations (several for a key that combines parts; none for a
        concept question).
    working : str
        The question's worked solution, used (masked) when no card fits.
    """
    cards = [FORMULAS[c] for c in dict.fromkeys(computations) if c in FORMULAS]
    if cards:
        return cards
    if computations and working:
        return [f"the working has this shape: {mask_numbers(working)}"]
    return ["no formula here: read each option and ask which one the lecture's definition gives"]
