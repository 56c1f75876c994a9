"""Network specs: shipped networks match published totals; broken specs name the layer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cnnquiz import solver
from cnnquiz.errors import SpecError
from cnnquiz.network import load_network, parse_network, resolve_network, shipped_networks, summarize

# Published figures: torchvision's model cards (AlexNet, VGG-16), LeCun et al. (LeNet-5),
# and the lecture's own arithmetic (the fully connected comparison).
PUBLISHED_TOTALS = {
    "alexnet": 61_100_840,
    "vgg16": 138_357_544,
    "lenet5": 61_706,
    "lecture_fc": 28_326,
}


# Published MACs (torchinfo / torchvision's "GFLOPS", which count multiply-adds):
# VGG-16 15.47 G, AlexNet 0.71 G, LeNet-5 (classic) 0.42 M; rounded as published.
PUBLISHED_MACS = {"vgg16": (15.47e9, 0.005e9), "alexnet": (0.71e9, 0.005e9), "lenet5": (0.42e6, 0.005e6)}

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "networks.json"


@pytest.mark.parametrize("name,published", sorted(PUBLISHED_MACS.items()))
def test_shipped_network_macs_match_published_figure(name: str, published: tuple[float, float]) -> None:
    value, rounding = published
    assert abs(summarize(load_network(resolve_network(name))).total_macs - value) <= rounding


@pytest.mark.parametrize("case", json.loads(GOLDEN.read_text())["cases"], ids=lambda case: case["network"])
def test_shipped_network_matches_torch_modules(case: dict) -> None:
    """tools/goldens_networks.py ran each layer as a torch module (FlopCounterMode for MACs)."""
    result = summarize(load_network(resolve_network(case["network"])))
    got = [{"layer": row.layer, "output_shape": list(row.output_shape), "params": row.params, "macs": row.macs}
           for row in result.layers]
    assert got == case["layers"]
    assert (result.total_params, result.total_macs) == (case["total_params"], case["total_macs"])


def test_linear_on_a_feature_map_costs_per_position() -> None:
    # Linear on (C, H, W) acts on the last axis: each of the 4*5 rows of W costs in x out.
    spec = parse_network({"input": [4, 5, 6], "layers": [{"linear": {"out_features": 3}}]})
    row = summarize(spec).layers[0]
    assert row.output_shape == (4, 5, 3) and row.macs == 4 * 5 * 6 * 3 and row.params == 6 * 3 + 3


@pytest.mark.parametrize("name,total", sorted(PUBLISHED_TOTALS.items()))
def test_shipped_network_total_matches_published_figure(name: str, total: int) -> None:
    assert summarize(load_network(resolve_network(name))).total_params == total


def test_every_shipped_network_summarizes() -> None:
    assert {"alexnet", "vgg16", "lenet5", "lecture_cnn", "lecture_fc"} <= set(shipped_networks())
    for path in shipped_networks().values():
        result = summarize(load_network(path))
        assert result.total_params == sum(row.params for row in result.layers)


def test_vgg16_feature_map_before_classifier_is_512x7x7() -> None:
    rows = summarize(load_network(resolve_network("vgg16"))).layers
    flatten = next(row for row in rows if row.layer == "flatten")
    assert flatten.output_shape == (512 * 7 * 7,)
    assert rows[0].output_shape == (64, 224, 224)


def test_alexnet_first_layers_follow_the_solver() -> None:
    rows = summarize(load_network(resolve_network("alexnet"))).layers
    size = solver.conv2d_output_size(224, 11, stride=4, padding=2)
    assert rows[0].output_shape == (64, size, size) == (64, 55, 55)
    assert rows[0].params == solver.conv2d_params(3, 64, 11) == 23_296
    pooled = solver.pool2d_output_size(size, 3, stride=2)
    assert rows[2].output_shape == (64, pooled, pooled) == (64, 27, 27)


def test_lecture_example_layer_is_32x32x10_with_760_parameters() -> None:
    first = summarize(load_network(resolve_network("lecture_cnn"))).layers[0]
    assert (first.output_shape, first.params) == ((10, 32, 32), 760)


def test_contract_example_spec_json() -> None:
    spec = parse_network(
        {
            "input": [3, 32, 32],
            "layers": [
                {"conv2d": {"out_channels": 10, "kernel_size": 5, "stride": 1, "padding": 2}},
                "batch_norm2d",
                "relu",
                {"max_pool2d": {"kernel_size": 3, "stride": 2, "ceil_mode": True}},
                "flatten",
                {"linear": {"out_features": 26}},
                "softmax",
            ],
        }
    )
    data = summarize(spec).to_json()
    # 10 filters of 3x5x5 at each of 32x32 positions: 760 parameters, 768,000 MACs.
    assert data["layers"][0] == {"layer": "conv2d", "output_shape": [10, 32, 32], "params": 760,
                                 "macs": 10 * 3 * 5 * 5 * 32 * 32}
    assert data["layers"][1]["params"] == 20  # batch norm: weight and bias per channel
    assert data["layers"][1]["macs"] == 0  # only convolutions and linear layers count
    assert data["layers"][3]["output_shape"] == [10, 16, 16]  # ceil((32-3)/2)+1 = 16
    assert data["layers"][5]["params"] == 10 * 16 * 16 * 26 + 26
    assert data["layers"][5]["macs"] == 10 * 16 * 16 * 26  # in x out, no bias adds
    assert data["total_params"] == sum(layer["params"] for layer in data["layers"])
    assert data["total_macs"] == sum(layer["macs"] for layer in data["layers"])
    assert data["output_shape"] == [26]


def test_groups_and_rectangular_kernels() -> None:
    spec = parse_network(
        {
            "input": [32, 20, 30],
            "layers": [
                {"conv2d": {"out_channels": 32, "kernel_size": 3, "padding": 1, "groups": 32}},
                {"conv2d": {"out_channels": 8, "kernel_size": [3, 5], "stride": [1, 2]}},
                {"adaptive_avg_pool2d": {"output_size": 1}},
            ],
        }
    )
    rows = summarize(spec).layers
    assert rows[0].params == 32 * 9 + 32
    assert rows[1].output_shape == (8, 18, 13)
    assert rows[1].params == 8 * 32 * 15 + 8
    assert rows[2].output_shape == (8, 1, 1)
    assert rows[0].macs == 32 * 1 * 9 * 20 * 30  # depthwise: one input channel per filter
    assert rows[1].macs == 8 * 32 * 15 * 18 * 13
    assert rows[2].macs == 0


@pytest.mark.parametrize(
    "layers,message",
    [
        (["softmaxx"], r"layer 0: unknown layer 'softmaxx'"),
        ([{"conv2d": {"out_channels": 4}}], r"layer 0 \(conv2d\): kernel_size: Field required"),
        (["relu", {"conv2d": {"out_channels": 4, "kernel_size": 3, "strid": 2}}], r"layer 1 \(conv2d\): strid: Extra inputs"),
        ([{"conv2d": {"out_channels": 0, "kernel_size": 3}}], r"layer 0 \(conv2d\): out_channels: Input should be greater"),
        ([{"linear": {"out_features": 4, "bias": "yes"}}], r"layer 0 \(linear\): bias"),
        ([{"conv2d": {"out_channels": 4, "kernel_size": 3, "padding": "full"}}], r"layer 0 \(conv2d\): padding"),
        ([42], r"layer 0: expected a layer name"),
    ],
)
def test_bad_layer_names_the_index(layers: list, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_network({"input": [3, 8, 8], "layers": layers}, source="net.yaml")


@pytest.mark.parametrize(
    "layers,message",
    [
        ([{"conv2d": {"out_channels": 4, "kernel_size": 3}}, {"max_pool2d": {"kernel_size": 9}}],
         r"net.yaml: layer 1 \(max_pool2d\): kernel_size 9 .* larger than the padded input \(6\)"),
        ([{"conv2d": {"out_channels": 4, "kernel_size": 3, "in_channels": 1}}], r"layer 0 \(conv2d\): in_channels=1 but .* 3 channels"),
        ([{"conv2d": {"out_channels": 4, "kernel_size": 3, "groups": 2}}], r"layer 0 \(conv2d\): in_channels must be divisible by groups"),
        (["flatten", {"conv2d": {"out_channels": 4, "kernel_size": 3}}], r"layer 1 \(conv2d\): expects a \(C, H, W\) input"),
        (["flatten", {"linear": {"out_features": 4, "in_features": 10}}], r"layer 1 \(linear\): in_features=10 but .* 192 features"),
        ([{"max_pool2d": {"kernel_size": 2, "padding": 2}}], r"layer 0 \(max_pool2d\): padding must be at most half"),
    ],
)
def test_shape_errors_name_the_layer(layers: list, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        summarize(parse_network({"input": [3, 8, 8], "layers": layers}), source="net.yaml")


def test_bad_input_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"input"):
        parse_network({"input": [3, 8], "layers": ["relu"]})
    for size in (True, "32", 32.0):  # YAML's true became 1 channel; sizes are integers, as in the layers
        with pytest.raises(SpecError, match=r"input\.0: Input should be a valid integer"):
            parse_network({"input": [size, 8, 8], "layers": ["relu"]})
    with pytest.raises(SpecError, match=r"layers: List should have at least 1 item"):
        parse_network({"input": [3, 8, 8], "layers": []})
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: [3, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4\n")
    with pytest.raises(SpecError, match=r"bad.yaml: line \d+: invalid YAML: "):
        load_network(bad)
    with pytest.raises(SpecError, match=r"missing.yaml: cannot read"):
        load_network(tmp_path / "missing.yaml")
    with pytest.raises(SpecError, match=r"not a shipped network \(shipped: .*vgg16"):
        resolve_network("resnet50")
