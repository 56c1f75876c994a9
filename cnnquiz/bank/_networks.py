"""Layers of real networks (LeNet-5, VGG-16, ...) as question parameters.

A ``network_layer`` parameter is a record: the layer's solver arguments (with the
input channels / features and spatial size worked out by :func:`cnnquiz.network.summarize`)
plus text for the prompt. The answer is still computed by the solver through
:mod:`cnnquiz.mistakes`, from these arguments; answers (output shape, parameter
count) are deliberately not part of the record.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnquiz.bank.schema import NetworkLayerSpec
from cnnquiz.errors import CnnquizError

if TYPE_CHECKING:
    from cnnquiz.network import NetworkSpec, Summary

__all__ = ["network_layer", "layer_numbers", "describe"]

_ARGS = {
    "conv2d": ("out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias"),
    "max_pool2d": ("kernel_size", "stride", "padding", "dilation", "ceil_mode"),
    "avg_pool2d": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"),
    "linear": ("out_features", "bias"),
}


@functools.lru_cache(maxsize=32)
def _load(network: str) -> tuple[NetworkSpec, Summary]:
    # cnnquiz.network (pydantic models) loads with the first network question, not with the bank.
    from cnnquiz.network import load_network, resolve_network, summarize

    path = resolve_network(network)
    spec = load_network(path)
    return spec, summarize(spec, source=str(path))


def _plain(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def describe(layer: Any) -> str:
    """``conv2d(out_channels=6, kernel_size=5)``: the layer as its spec writes it."""
    fields = layer.model_dump(exclude_defaults=True, exclude={"type"})
    inner = ", ".join(f"{k}={_plain(v)!r}".replace("'", "") if isinstance(v, str) else f"{k}={_plain(v)}"
                      for k, v in fields.items())
    return f"{layer.type}({inner})" if inner else layer.type


def _architecture(spec: NetworkSpec) -> str:
    c, h, w = spec.input
    lines = [f"input: {c} x {h} x {w} (C x H x W)"]
    width = len(str(len(spec.layers)))
    lines += [f"{str(i + 1).rjust(width)}. {describe(layer)}" for i, layer in enumerate(spec.layers)]
    return "\n\n" + "\n".join("    " + line for line in lines) + "\n\n"


def _candidates(net: NetworkSpec, spec: NetworkLayerSpec) -> list[int]:
    return [i for i, layer in enumerate(net.layers) if layer.type in spec.types]


def layer_numbers(spec: NetworkLayerSpec) -> list[int]:
    """The 1-based numbers of the layers ``spec`` can draw (for draw-coverage checks)."""
    if spec.number is not None:
        return [spec.number]
    try:
        net, _summary = _load(spec.network)
    except CnnquizError as error:
        raise ValueError(str(error)) from None
    return [i + 1 for i in _candidates(net, spec)]


def network_layer(spec: NetworkLayerSpec, rng: np.random.Generator) -> dict[str, Any]:
    """Draw one layer of ``spec.network`` whose type is in ``spec.types`` (ValueError if none)."""
    try:
        net, summary = _load(spec.network)
    except CnnquizError as error:
        raise ValueError(str(error)) from None
    candidates = _candidates(net, spec)
    if spec.number is not None:
        index = spec.number - 1
        if index not in candidates:
            raise ValueError(f"layer {spec.number} of {spec.network} is not one of {', '.join(spec.types)}")
    elif candidates:
        index = candidates[int(rng.integers(0, len(candidates)))]
    else:
        raise ValueError(f"{spec.network} has no layer of type {', '.join(spec.types)}")
    layer = net.layers[index]
    in_shape = list(summary.input_shape if index == 0 else summary.layers[index - 1].output_shape)
    record: dict[str, Any] = {
        "network": net.name or spec.network,
        "number": index + 1,
        "type": layer.type,
        "description": describe(layer),
        "input_shape": in_shape,
        "input_text": " x ".join(str(v) for v in in_shape),
        "architecture": _architecture(net),
    }
    for name in _ARGS[layer.type]:
        record[name] = _plain(getattr(layer, name))
    if layer.type == "linear":
        record["in_features"] = in_shape[-1]
    else:
        record["size"] = in_shape[1:]
        if layer.type == "conv2d":
            record["in_channels"] = in_shape[0]
    return record
