"""Network shape tables: one row of a network's summary, the flatten size, parameter totals.

The ``network`` argument is a shipped network's name (``lenet5``) or a spec mapping
(random small stacks drawn by a template); ``number`` is the 1-based row. Every value
is a row of :func:`cnnquiz.network.summarize`; a mistake summarises the spec with one
layer's arguments changed (its stride, its bias, ...) or reads a neighbouring number.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any, Callable, Mapping

from cnnquiz.computations import Computation
from cnnquiz.errors import CnnquizError
from cnnquiz.mistakes import Mistake

if TYPE_CHECKING:
    from cnnquiz.network import NetworkSpec, Summary


def _network() -> Any:
    # cnnquiz.network (pydantic models, ~20 ms) loads only when a network question is
    # computed: grading and most quizzes never need it.
    from cnnquiz import network

    return network

__all__ = ["COMPUTATIONS", "MISTAKES", "WORKINGS"]

_CONV_LIKE = ("conv2d", "max_pool2d", "avg_pool2d")


@functools.lru_cache(maxsize=16)
def _shipped(name: str) -> NetworkSpec:
    return _network().load_network(_network().resolve_network(name))


def _spec(p: Mapping[str, Any]) -> NetworkSpec:
    network = p["network"]
    try:
        return _shipped(network) if isinstance(network, str) else _network().parse_network(network, source="drawn network")
    except CnnquizError as error:
        raise ValueError(str(error)) from None


def _summary(spec: NetworkSpec) -> Summary:
    try:
        return _network().summarize(spec)
    except CnnquizError as error:
        raise ValueError(str(error)) from None


def _changed(spec: NetworkSpec, index: int, **update: Any) -> NetworkSpec:
    layers = list(spec.layers)
    layers[index] = layers[index].model_copy(update=update)
    return spec.model_copy(update={"layers": layers})


def _row(p: Mapping[str, Any]) -> tuple[NetworkSpec, int]:
    spec = _spec(p)
    index = int(p["number"]) - 1
    if not 0 <= index < len(spec.layers):
        raise ValueError(f"number={index + 1} is not a row of the network (1..{len(spec.layers)})")
    return spec, index


def _input_shape(summary: Summary, index: int) -> tuple[int, ...]:
    return summary.input_shape if index == 0 else summary.layers[index - 1].output_shape


def _shape(p: Mapping[str, Any], change: Callable[[NetworkSpec, int], NetworkSpec] | None = None) -> list[int]:
    spec, index = _row(p)
    if change is not None:
        spec = change(spec, index)
    return list(_summary(spec).layers[index].output_shape)


def _layer(p: Mapping[str, Any], *types: str) -> Any:
    spec, index = _row(p)
    layer = spec.layers[index]
    if layer.type not in types:
        raise ValueError(f"row {index + 1} is a {layer.type}, the mistake needs {' or '.join(types)}")
    return spec, index, layer


def _plus_one_forgotten(p: Mapping[str, Any]) -> list[int]:
    spec, index, layer = _layer(p, *_CONV_LIKE)
    if getattr(layer, "ceil_mode", False):
        raise ValueError("ceil_mode rows have no simple +1 to forget")
    c, h, w = _shape(p)
    if min(h, w) < 2:
        raise ValueError("the mistake gives no valid size")
    return [c, h - 1, w - 1]


def _pool_stride_one(spec: NetworkSpec, index: int) -> NetworkSpec:
    layer = spec.layers[index]
    if layer.type not in ("max_pool2d", "avg_pool2d") or layer.stride == 1:
        raise ValueError("not a pooling row with a stride")
    return _changed(spec, index, stride=1)


def _channels_kept(p: Mapping[str, Any]) -> list[int]:
    spec, index, _ = _layer(p, "conv2d")
    return [_input_shape(_summary(spec), index)[0]] + _shape(p)[1:]


def _params(p: Mapping[str, Any], change: Callable[[NetworkSpec, int], NetworkSpec] | None = None) -> int:
    spec, index = _row(p)
    if change is not None:
        spec = change(spec, index)
    return _summary(spec).layers[index].params


def _no_bias(spec: NetworkSpec, index: int) -> NetworkSpec:
    if spec.layers[index].type not in ("conv2d", "linear") or not spec.layers[index].bias:
        raise ValueError("no bias to forget")
    return _changed(spec, index, bias=False)


def _one_input_channel(p: Mapping[str, Any]) -> int:
    """A conv row counted as if each filter saw one channel (the input channels forgotten)."""
    spec, index, layer = _layer(p, "conv2d")
    return layer.out_channels * (math.prod(_pair(layer.kernel_size)) + int(layer.bias))


def _batch_norm_doubled(p: Mapping[str, Any]) -> int:
    _layer(p, "batch_norm2d")
    return 2 * _params(p)


def _pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def _all_biases_off(spec: NetworkSpec) -> NetworkSpec:
    for index, layer in enumerate(spec.layers):
        if layer.type in ("conv2d", "linear"):
            spec = _changed(spec, index, bias=False)
    return spec


def _running_counted(summary: Summary) -> int:
    """Batch-norm rows counted twice: gamma and beta plus the two running statistics."""
    return sum(2 * row.params if row.layer == "batch_norm2d" else row.params for row in summary.layers)


def _flatten_index(spec: NetworkSpec) -> int:
    for index, layer in enumerate(spec.layers):
        if layer.type == "flatten":
            return index
    raise ValueError("the network has no flatten layer")


def _flatten_size(p: Mapping[str, Any], *, skip_pool: bool = False, channels: bool = True) -> int:
    spec = _spec(p)
    index = _flatten_index(spec)
    if skip_pool:
        pools = [i for i in range(index) if spec.layers[i].type in ("max_pool2d", "avg_pool2d")]
        if not pools:
            raise ValueError("no pooling before the flatten")
        layers = [layer for i, layer in enumerate(spec.layers) if i != pools[-1]]
        spec, index = spec.model_copy(update={"layers": layers}), index - 1
    shape = _input_shape(_summary(spec), index)
    return math.prod(shape if channels else shape[1:])


def _first_linear(p: Mapping[str, Any], *, bias: bool = True, in_features: int | None = None) -> int:
    spec = _spec(p)
    summary = _summary(spec)
    index = next((i for i, layer in enumerate(spec.layers) if layer.type == "linear"), None)
    if index is None:
        raise ValueError("the network has no linear layer")
    layer = spec.layers[index]
    features = _input_shape(summary, index)[-1] if in_features is None else in_features
    return features * layer.out_features + (layer.out_features if bias and layer.bias else 0)


def _text(shape: Any) -> str:
    return " x ".join(str(v) for v in shape)


def _shape_working(p: Mapping[str, Any], answer: Any) -> str:
    spec, index = _row(p)
    layer, summary = spec.layers[index], _summary(spec)
    c, *hw = _input_shape(summary, index)
    head = f"row {index + 1} ({layer.type}) gets {_text([c, *hw])} from the row before"
    if layer.type == "conv2d":
        how = (f"out = floor((in + 2 x {layer.padding} - {layer.kernel_size}) / {layer.stride}) + 1 per side "
               f"(dilation {layer.dilation}); channels = out_channels = {layer.out_channels}")
    elif layer.type in ("max_pool2d", "avg_pool2d"):
        stride = layer.kernel_size if layer.stride is None else layer.stride
        how = (f"pooling keeps the {c} channels; out = {'ceil' if layer.ceil_mode else 'floor'}((in + 2 x "
               f"{layer.padding} - {layer.kernel_size}) / {stride}) + 1")
    elif layer.type == "flatten":
        how = f"flatten multiplies everything: {' x '.join(map(str, [c, *hw]))}"
    elif layer.type == "linear":
        how = f"a linear layer gives out_features = {layer.out_features}"
    else:
        how = f"{layer.type} keeps the shape"
    layout = " (C x H x W)" if len(answer) == 3 else " features"
    return f"{head}; {how}: output {_text(answer)}{layout}"


def _params_working(p: Mapping[str, Any], answer: Any) -> str:
    spec, index = _row(p)
    layer, summary = spec.layers[index], _summary(spec)
    shape = _input_shape(summary, index)
    if layer.type == "conv2d":
        b = " + 1 bias" if layer.bias else ""
        kh, kw = _pair(layer.kernel_size)
        per_filter = f"{shape[0]}/{layer.groups}" if layer.groups != 1 else f"{shape[0]}"
        return f"row {index + 1}: {layer.out_channels} filters x ({per_filter} x {kh} x {kw} weights{b}) = {answer}"
    if layer.type == "linear":
        b = f" + {layer.out_features} biases" if layer.bias else ""
        return f"row {index + 1}: {shape[-1]} x {layer.out_features} weights{b} = {answer}"
    if layer.type == "batch_norm2d":
        return f"row {index + 1}: gamma and beta per channel: 2 x {shape[0]} = {answer} (running statistics are buffers)"
    return f"row {index + 1} ({layer.type}) has no trainable parameters: {answer}"


def _flatten_working(p: Mapping[str, Any], answer: Any) -> str:
    spec = _spec(p)
    index = _flatten_index(spec)
    shape = _input_shape(_summary(spec), index)
    return f"the layer before flatten (row {index}) outputs {_text(shape)} (C x H x W); flatten: {' x '.join(map(str, shape))} = {answer}"


def _first_linear_working(p: Mapping[str, Any], answer: Any) -> str:
    spec = _spec(p)
    index = next(i for i, layer in enumerate(spec.layers) if layer.type == "linear")
    features = _input_shape(_summary(spec), index)[-1]
    out = spec.layers[index].out_features
    b = f" + {out} biases" if spec.layers[index].bias else ""
    return f"the first linear layer (row {index + 1}) gets {features} features (the flattened volume): {features} x {out} weights{b} = {answer}"


def _total_working(p: Mapping[str, Any], answer: Any) -> str:
    rows = [row for row in _summary(_spec(p)).layers if row.params]
    terms = " + ".join(f"{row.params} ({row.layer}, row {row.index + 1})" for row in rows)
    return f"sum of the rows with parameters: {terms} = {answer}"


COMPUTATIONS = [
    Computation("network_row_output_shape", lambda p: _shape(p), {
        "previous_row_shape": lambda p: list(_input_shape(_summary(_row(p)[0]), _row(p)[1])),
        "forgot_plus_one": _plus_one_forgotten,
        "channels_kept": _channels_kept,
        "pool_stride_one": lambda p: _shape(p, _pool_stride_one),
    }),
    Computation("network_row_params", lambda p: _params(p), {
        "bias_forgotten": lambda p: _params(p, _no_bias),
        "input_channels_forgotten": _one_input_channel,
        "running_stats_counted": _batch_norm_doubled,
    }),
    Computation("network_flatten_size", lambda p: _flatten_size(p), {
        "flatten_channels_forgotten": lambda p: _flatten_size(p, channels=False),
        "flatten_pool_skipped": lambda p: _flatten_size(p, skip_pool=True),
    }),
    Computation("network_first_linear_params", lambda p: _first_linear(p), {
        "bias_forgotten": lambda p: _first_linear(p, bias=False),
        "flatten_channels_forgotten": lambda p: _first_linear(p, in_features=_flatten_size(p, channels=False)),
        "flatten_pool_skipped": lambda p: _first_linear(p, in_features=_flatten_size(p, skip_pool=True)),
    }),
    Computation("network_total_params", lambda p: _summary(_spec(p)).total_params, {
        "bias_forgotten": lambda p: _summary(_all_biases_off(_spec(p))).total_params,
        "running_stats_counted": lambda p: _running_counted(_summary(_spec(p))),
    }),
]

MISTAKES = [
    Mistake("previous_row_shape", "that is the row's input shape, not its output",
            "Each row's output shape is what the layer makes of the previous row's output; apply this row's layer too."),
    Mistake("flatten_channels_forgotten", "the channels were left out of the flatten",
            "Flatten turns a C x H x W volume into C x H x W features: multiply the channels in as well."),
    Mistake("flatten_pool_skipped", "the pooling before the flatten was skipped",
            "The last pooling layer shrinks the feature maps before they are flattened; flatten its output."),
]

WORKINGS = {
    "network_row_output_shape": _shape_working,
    "network_row_params": _params_working,
    "network_flatten_size": _flatten_working,
    "network_first_linear_params": _first_linear_working,
    "network_total_params": _total_working,
}
