"""Parameter counts, as PyTorch's ``module.parameters()`` counts them."""

from __future__ import annotations

from typing import Any

from cnnquiz.solver._args import as_flag, as_int, as_pair

__all__ = ["conv2d_params", "linear_params"]


def conv2d_params(
    in_channels: Any, out_channels: Any, kernel_size: Any, bias: bool = True, groups: Any = 1
) -> int:
    """Learnable parameters of ``torch.nn.Conv2d``.

    Returns
    -------
    int
        ``out_channels * (in_channels // groups) * kh * kw`` plus ``out_channels``
        when ``bias`` is true.

    Examples
    --------
    >>> conv2d_params(3, 10, 5)
    760
    >>> conv2d_params(16, 1, 1)
    17
    >>> conv2d_params(32, 32, 3, groups=32)
    320
    """
    cin = as_int(in_channels, "in_channels", minimum=1)
    cout = as_int(out_channels, "out_channels", minimum=1)
    kh, kw = as_pair(kernel_size, "kernel_size", minimum=1)
    g = as_int(groups, "groups", minimum=1)
    if cin % g:
        raise ValueError(f"in_channels must be divisible by groups; got in_channels={cin}, groups={g}")
    if cout % g:
        raise ValueError(f"out_channels must be divisible by groups; got out_channels={cout}, groups={g}")
    return cout * (cin // g) * kh * kw + (cout if as_flag(bias, "bias") else 0)


def linear_params(in_features: Any, out_features: Any, bias: bool = True) -> int:
    """Learnable parameters of ``torch.nn.Linear``: ``in*out`` plus ``out`` for the bias.

    Examples
    --------
    >>> linear_params(256, 100) + linear_params(100, 26)
    28326
    """
    fin = as_int(in_features, "in_features", minimum=1)
    fout = as_int(out_features, "out_features", minimum=1)
    return fin * fout + (fout if as_flag(bias, "bias") else 0)
