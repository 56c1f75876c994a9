"""Network specs (YAML) and their summaries: per-layer output shape, parameters, MACs.

A spec names PyTorch layers with PyTorch's argument names; input channels and
features are inferred from the previous layer. Every number comes from the solver.

MACs (multiply-accumulates, for one sample): 1 MAC = 2 FLOPs; bias additions are not
counted; a convolution costs ``K * (C/groups) * kh * kw * Ho * Wo``, a linear layer
``in * out`` per input vector; pooling, normalisation and activations count 0 (as
torch's FlopCounterMode and torchinfo's "Mult-Adds" of convolutions and linears).

Examples
--------
>>> spec = NetworkSpec.model_validate({"input": [3, 32, 32], "layers": [
...     {"conv2d": {"out_channels": 10, "kernel_size": 5, "padding": 2}}, "relu"]})
>>> [(row.layer, row.output_shape, row.params, row.macs) for row in summarize(spec).layers]
[('conv2d', (10, 32, 32), 760, 768000), ('relu', (10, 32, 32), 0, 0)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cnnquiz import solver
from cnnquiz.errors import SpecError
from cnnquiz.paths import shipped_networks_dir
from cnnquiz.yamlfile import read_yaml, validation_problems

__all__ = [
    "NetworkSpec",
    "LayerSummary",
    "Summary",
    "load_network",
    "resolve_network",
    "shipped_networks",
    "parse_network",
    "summarize",
    "LAYER_TYPES",
]

PositiveInt = Annotated[int, Field(ge=1)]
StrictPositiveInt = Annotated[int, Field(ge=1, strict=True)]
SizeLike = Union[PositiveInt, tuple[PositiveInt, PositiveInt]]
PadLike = Union[Annotated[int, Field(ge=0)], tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)]]]


class _Layer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Conv2d(_Layer):
    type: Literal["conv2d"] = "conv2d"
    in_channels: PositiveInt | None = None
    out_channels: PositiveInt
    kernel_size: SizeLike
    stride: SizeLike = 1
    padding: PadLike | Literal["same", "valid"] = 0
    dilation: SizeLike = 1
    groups: PositiveInt = 1
    bias: bool = True


class MaxPool2d(_Layer):
    type: Literal["max_pool2d"] = "max_pool2d"
    kernel_size: SizeLike
    stride: SizeLike | None = None
    padding: PadLike = 0
    dilation: SizeLike = 1
    ceil_mode: bool = False


class AvgPool2d(_Layer):
    type: Literal["avg_pool2d"] = "avg_pool2d"
    kernel_size: SizeLike
    stride: SizeLike | None = None
    padding: PadLike = 0
    ceil_mode: bool = False
    count_include_pad: bool = True


class AdaptiveAvgPool2d(_Layer):
    type: Literal["adaptive_avg_pool2d"] = "adaptive_avg_pool2d"
    output_size: SizeLike


class BatchNorm2d(_Layer):
    type: Literal["batch_norm2d"] = "batch_norm2d"
    num_features: PositiveInt | None = None
    eps: float = 1e-5
    momentum: float | None = 0.1
    affine: bool = True


class Linear(_Layer):
    type: Literal["linear"] = "linear"
    in_features: PositiveInt | None = None
    out_features: PositiveInt
    bias: bool = True


class Dropout(_Layer):
    type: Literal["dropout"] = "dropout"
    p: float = Field(0.5, ge=0, le=1)


class Flatten(_Layer):
    type: Literal["flatten"] = "flatten"


class Activation(_Layer):
    type: Literal["relu", "tanh", "sigmoid"]


class Softmax(_Layer):
    type: Literal["softmax"] = "softmax"
    dim: int = -1


Layer = Union[Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, BatchNorm2d, Linear, Dropout, Flatten, Activation, Softmax]

LAYER_TYPES: dict[str, type[_Layer]] = {
    "conv2d": Conv2d,
    "max_pool2d": MaxPool2d,
    "avg_pool2d": AvgPool2d,
    "adaptive_avg_pool2d": AdaptiveAvgPool2d,
    "batch_norm2d": BatchNorm2d,
    "relu": Activation,
    "tanh": Activation,
    "sigmoid": Activation,
    "dropout": Dropout,
    "flatten": Flatten,
    "linear": Linear,
    "softmax": Softmax,
}


class NetworkSpec(BaseModel):
    """``input: [C, H, W]`` and a list of layers (a name, or ``{name: {args}}``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str | None = None
    input: tuple[StrictPositiveInt, StrictPositiveInt, StrictPositiveInt]  # true or "3" is not a size
    layers: list[Layer] = Field(min_length=1)

    @field_validator("layers", mode="before")
    @classmethod
    def _tag_layers(cls, layers: Any) -> Any:
        if not isinstance(layers, list):
            return layers
        return [_tag_layer(index, item) for index, item in enumerate(layers)]


def _tag_layer(index: int, item: Any) -> Any:
    """``"relu"`` or ``{"conv2d": {...}}`` -> the matching model (errors name the layer index)."""
    if isinstance(item, _Layer):
        return item
    if isinstance(item, str):
        name, args = item, {}
    elif isinstance(item, dict) and len(item) == 1:
        name, args = next(iter(item.items()))
        args = {} if args is None else args
    else:
        raise ValueError(f"layer {index}: expected a layer name or {{name: {{arguments}}}}; got {item!r}")
    model = LAYER_TYPES.get(name)
    if model is None:
        known = ", ".join(LAYER_TYPES)
        raise ValueError(f"layer {index}: unknown layer {name!r} (known: {known})")
    if not isinstance(args, dict):
        raise ValueError(f"layer {index} ({name}): arguments must be a mapping; got {args!r}")
    if "type" in args:
        raise ValueError(f"layer {index} ({name}): unknown argument 'type'")
    # YAML gives lists; PyTorch's size-likes are tuples.
    args = {k: tuple(v) if isinstance(v, list) else v for k, v in args.items()}
    try:
        return model.model_validate({"type": name, **args})
    except ValidationError as error:
        first = error.errors()[0]
        # loc[0] is the argument; deeper parts name pydantic's union branches, not the user's.
        where = first["loc"][0] if first["loc"] else name
        got = f" (got {first['input']!r})" if first["type"] != "missing" and "input" in first else ""
        raise ValueError(f"layer {index} ({name}): {where}: {first['msg']}{got}") from None


@dataclass(frozen=True)
class LayerSummary:
    """One row of a summary: the layer's output shape, parameters and MACs per sample."""

    index: int
    layer: str
    output_shape: tuple[int, ...]
    params: int
    macs: int = 0


@dataclass(frozen=True)
class Summary:
    """Per-layer rows and the totals (each total is its column's sum)."""

    name: str | None
    input_shape: tuple[int, ...]
    layers: tuple[LayerSummary, ...]

    @property
    def total_params(self) -> int:
        return sum(row.params for row in self.layers)

    @property
    def total_macs(self) -> int:
        return sum(row.macs for row in self.layers)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.layers[-1].output_shape

    def to_json(self) -> dict[str, Any]:
        """The contract's JSON (sections 2 and 1b), plus ``total_macs``."""
        return {
            "layers": [
                {"layer": row.layer, "output_shape": list(row.output_shape), "params": row.params,
                 "macs": row.macs}
                for row in self.layers
            ],
            "total_params": self.total_params,
            "total_macs": self.total_macs,
            "output_shape": list(self.output_shape),
        }


def _layer_output(layer: Layer, shape: tuple[int, ...]) -> tuple[tuple[int, ...], int, int]:
    """Output shape, parameter count and MACs of one layer given its input shape."""
    if isinstance(layer, (Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, BatchNorm2d)) and len(shape) != 3:
        raise ValueError(f"expects a (C, H, W) input; got shape {list(shape)}")
    if isinstance(layer, Conv2d):
        c, h, w = shape
        if layer.in_channels is not None and layer.in_channels != c:
            raise ValueError(f"in_channels={layer.in_channels} but the previous layer gives {c} channels")
        params = solver.conv2d_params(c, layer.out_channels, layer.kernel_size, layer.bias, layer.groups)
        ho, wo = solver.conv2d_output_size((h, w), layer.kernel_size, layer.stride, layer.padding, layer.dilation)
        macs = solver.conv2d_macs(c, layer.out_channels, layer.kernel_size, (ho, wo), layer.groups)
        return (layer.out_channels, ho, wo), params, macs
    if isinstance(layer, MaxPool2d):
        c, h, w = shape
        ho, wo = solver.pool2d_output_size(
            (h, w), layer.kernel_size, layer.stride, layer.padding, layer.dilation, layer.ceil_mode
        )
        return (c, ho, wo), 0, 0
    if isinstance(layer, AvgPool2d):
        c, h, w = shape
        ho, wo = solver.pool2d_output_size((h, w), layer.kernel_size, layer.stride, layer.padding, 1, layer.ceil_mode)
        return (c, ho, wo), 0, 0
    if isinstance(layer, AdaptiveAvgPool2d):
        size = layer.output_size
        ho, wo = (size, size) if isinstance(size, int) else size
        return (shape[0], ho, wo), 0, 0
    if isinstance(layer, BatchNorm2d):
        if layer.num_features is not None and layer.num_features != shape[0]:
            raise ValueError(f"num_features={layer.num_features} but the previous layer gives {shape[0]} channels")
        return shape, (2 * shape[0] if layer.affine else 0), 0
    if isinstance(layer, Linear):
        features = shape[-1]
        if layer.in_features is not None and layer.in_features != features:
            raise ValueError(
                f"in_features={layer.in_features} but the previous layer gives {features} features "
                f"(shape {list(shape)})"
            )
        params = solver.linear_params(features, layer.out_features, layer.bias)
        # Applied to every vector along the leading dimensions (none after flatten).
        macs = solver.linear_macs(features, layer.out_features) * math.prod(shape[:-1])
        return shape[:-1] + (layer.out_features,), params, macs
    if isinstance(layer, Flatten):
        return (math.prod(shape),), 0, 0
    if isinstance(layer, Softmax):
        if not -len(shape) <= layer.dim < len(shape):
            raise ValueError(f"dim={layer.dim} is out of range for shape {list(shape)}")
        return shape, 0, 0
    return shape, 0, 0  # relu, tanh, sigmoid, dropout keep the shape


def summarize(spec: NetworkSpec, *, source: str | None = None) -> Summary:
    """Per-layer output shape, parameter count and MACs, as torchinfo reports them.

    ``source`` (a file name) prefixes error messages.

    Raises
    ------
    SpecError
        Naming the layer index and the problem (e.g. a shape that collapses below 1).
    """
    shape: tuple[int, ...] = tuple(spec.input)
    rows = []
    for index, layer in enumerate(spec.layers):
        try:
            shape, params, macs = _layer_output(layer, shape)
        except ValueError as error:
            prefix = f"{source}: " if source else ""
            raise SpecError(f"{prefix}layer {index} ({layer.type}): {error}") from None
        rows.append(LayerSummary(index, layer.type, shape, params, macs))
    return Summary(spec.name, tuple(spec.input), tuple(rows))


def parse_network(data: Any, *, source: str = "<spec>") -> NetworkSpec:
    """Validate already-loaded YAML data; errors name ``source`` and the field or layer."""
    if not isinstance(data, dict):
        raise SpecError(f"{source}: a network spec is a mapping with 'input' and 'layers'")
    try:
        return NetworkSpec.model_validate(data)
    except ValidationError as error:
        loc, msg = validation_problems(error)[0]
        if msg.startswith("layer "):
            raise SpecError(f"{source}: {msg}") from None
        raise SpecError(f"{source}: {loc}: {msg}") from None


def load_network(path: str | Path) -> NetworkSpec:
    """Read and validate a network spec YAML file."""
    source = Path(path)
    spec = parse_network(read_yaml(source, SpecError), source=str(source))
    if spec.name is None:
        spec = spec.model_copy(update={"name": source.stem})
    return spec


def shipped_networks() -> dict[str, Path]:
    """The networks shipped with cnnquiz, by file stem (``lenet5``, ``vgg16``, ...)."""
    return {path.stem: path for path in sorted(shipped_networks_dir().glob("*.yaml"))}


def resolve_network(name_or_path: str | Path) -> Path:
    """A spec file path, or the name of a shipped network (``vgg16``)."""
    path = Path(name_or_path)
    if path.exists():
        return path
    shipped = shipped_networks()
    if str(name_or_path) in shipped:
        return shipped[str(name_or_path)]
    names = ", ".join(shipped) or "none"
    raise SpecError(f"{name_or_path}: no such file, and not a shipped network (shipped: {names})")
