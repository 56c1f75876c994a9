"""Compute cost of layers in multiply-accumulates (MACs).

Convention (stated wherever cnnquiz prints a cost): one MAC is one multiplication
and one addition, i.e. 1 MAC = 2 FLOPs; the bias additions are not counted (as in
torchinfo's "Mult-Adds" and the usual "VGG-16 has 15.5 G" figure, which counts MACs).
"""

from __future__ import annotations

from typing import Any

from cnnquiz.solver._args import as_int, as_pair

__all__ = ["conv2d_macs", "linear_macs"]


def conv2d_macs(in_channels: Any, out_channels: Any, kernel_size: Any, output_size: Any, groups: Any = 1) -> int:
    """Multiply-accumulates of one ``torch.nn.Conv2d`` forward pass on one sample.

    Each of the ``out_channels * Ho * Wo`` outputs takes one MAC per weight of its
    filter, ``(in_channels / groups) * kh * kw``.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (kh, kw)
    output_size : int or (Ho, Wo)
        The layer's spatial output size (see :func:`conv2d_output_size`).
    groups : int
        Divides both channel counts.

    Returns
    -------
    int
        ``out_channels * (in_channels // groups) * kh * kw * Ho * Wo``.

    Examples
    --------
    >>> conv2d_macs(3, 64, 3, 224)  # VGG-16's first layer
    86704128
    >>> conv2d_macs(32, 32, 3, (56, 56), groups=32)  # depthwise
    903168
    """
    cin = as_int(in_channels, "in_channels", minimum=1)
    cout = as_int(out_channels, "out_channels", minimum=1)
    kh, kw = as_pair(kernel_size, "kernel_size", minimum=1)
    ho, wo = as_pair(output_size, "output_size", minimum=1)
    g = as_int(groups, "groups", minimum=1)
    if cin % g:
        raise ValueError(f"in_channels must be divisible by groups; got in_channels={cin}, groups={g}")
    if cout % g:
        raise ValueError(f"out_channels must be divisible by groups; got out_channels={cout}, groups={g}")
    return cout * (cin // g) * kh * kw * ho * wo


def linear_macs(in_features: Any, out_features: Any) -> int:
    """Multiply-accumulates of one ``torch.nn.Linear`` on one feature vector: ``in * out``.

    Examples
    --------
    >>> linear_macs(400, 120)
    48000
    """
    fin = as_int(in_features, "in_features", minimum=1)
    fout = as_int(out_features, "out_features", minimum=1)
    return fin * fout
