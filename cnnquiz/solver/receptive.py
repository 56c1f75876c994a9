"""Receptive field size and jump after each layer of a stack of convolutions/poolings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from cnnquiz.solver._args import as_int, is_scalar

__all__ = ["receptive_field", "ReceptiveFieldStep"]


@dataclass(frozen=True)
class ReceptiveFieldStep:
    """Receptive field after one layer: ``size`` in input pixels, ``jump`` between outputs."""

    kernel_size: int
    stride: int
    dilation: int
    size: int
    jump: int


def receptive_field(layers: Iterable[Mapping[str, Any] | Sequence[int] | int]) -> list[ReceptiveFieldStep]:
    """Receptive field size and jump after each layer of a stack of convs/pools.

    Each layer is an int kernel size, a tuple ``(kernel_size, stride, dilation)``
    (stride and dilation optional) or a mapping with those keys. The recurrence is
    ``size += d*(k-1) * jump`` then ``jump *= stride``, starting from size 1, jump 1.

    Examples
    --------
    >>> [step.size for step in receptive_field([3, 3, 3])]
    [3, 5, 7]
    >>> [step.size for step in receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)])]
    [3, 7, 15]
    """
    try:
        if isinstance(layers, (str, bytes, Mapping)):
            raise TypeError
        items = list(layers)
    except TypeError:
        raise ValueError(f"layers must be a sequence of layers; got layers={layers!r}") from None
    steps: list[ReceptiveFieldStep] = []
    size, jump = 1, 1
    for index, layer in enumerate(items):
        if isinstance(layer, Mapping):
            k, s, d = layer.get("kernel_size"), layer.get("stride", 1), layer.get("dilation", 1)
        elif is_scalar(layer):
            k, s, d = layer, 1, 1
        elif isinstance(layer, (list, tuple)) and 1 <= len(layer) <= 3:
            values = list(layer) + [1, 1]
            k, s, d = values[0], values[1], values[2]
        else:
            raise ValueError(
                f"layers[{index}] must be a kernel size, a tuple (kernel_size, stride, dilation) "
                f"or a mapping; got layers[{index}]={layer!r}"
            )
        k = as_int(k, f"layers[{index}].kernel_size", minimum=1)
        s = as_int(s if s is not None else k, f"layers[{index}].stride", minimum=1)
        d = as_int(d, f"layers[{index}].dilation", minimum=1)
        size += d * (k - 1) * jump
        jump *= s
        steps.append(ReceptiveFieldStep(k, s, d, size, jump))
    if not steps:
        raise ValueError("layers must contain at least one layer; got an empty stack")
    return steps
