"""Golden summaries of the shipped networks, measured on PyTorch modules.

Used by ``tools/make_goldens.py``. Each spec in ``question_bank/networks/`` is built
as a ``torch.nn`` module per layer and run on a zero batch of one: the output shape
and ``parameters()`` count come from torch, and the MACs from torch's
``FlopCounterMode`` (2 FLOPs per multiply-add; bias adds, pooling, normalisation
and activations are not counted), halved. ``cnnquiz summary`` must agree exactly.
"""

from __future__ import annotations

from pathlib import Path

import torch

from golden_torch import torch_arg

__all__ = ["network_cases"]

ROOT = Path(__file__).resolve().parents[1]


def _module(layer, shape: tuple[int, ...]) -> torch.nn.Module:
    """The torch module of one spec layer, given its input shape (without the batch)."""
    nn = torch.nn
    kind = layer.type
    if kind == "conv2d":
        return nn.Conv2d(shape[0], layer.out_channels, torch_arg(layer.kernel_size), torch_arg(layer.stride),
                         torch_arg(layer.padding), torch_arg(layer.dilation), layer.groups, layer.bias)
    if kind == "max_pool2d":
        return nn.MaxPool2d(torch_arg(layer.kernel_size), torch_arg(layer.stride), torch_arg(layer.padding),
                            torch_arg(layer.dilation), ceil_mode=layer.ceil_mode)
    if kind == "avg_pool2d":
        return nn.AvgPool2d(torch_arg(layer.kernel_size), torch_arg(layer.stride), torch_arg(layer.padding),
                            layer.ceil_mode, layer.count_include_pad)
    if kind == "adaptive_avg_pool2d":
        return nn.AdaptiveAvgPool2d(torch_arg(layer.output_size))
    if kind == "batch_norm2d":
        return nn.BatchNorm2d(shape[0], layer.eps, layer.momentum, layer.affine).eval()
    if kind == "linear":
        return nn.Linear(shape[-1], layer.out_features, layer.bias)
    if kind == "flatten":
        return nn.Flatten(start_dim=1)
    if kind == "dropout":
        return nn.Dropout(layer.p).eval()
    if kind == "softmax":
        return nn.Softmax(dim=layer.dim if layer.dim < 0 else layer.dim + 1)
    return {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}[kind]()


def network_cases() -> list[dict]:
    from torch.utils.flop_counter import FlopCounterMode

    from cnnquiz.network import load_network

    cases = []
    for path in sorted((ROOT / "question_bank" / "networks").glob("*.yaml")):
        spec = load_network(path)
        x = torch.zeros(1, *spec.input)
        layers = []
        with torch.no_grad():
            for layer in spec.layers:
                module = _module(layer, tuple(x.shape[1:]))
                with FlopCounterMode(display=False) as counter:
                    x = module(x)
                flops = counter.get_total_flops()
                assert flops % 2 == 0
                layers.append({"layer": layer.type, "output_shape": list(x.shape[1:]),
                               "params": sum(p.numel() for p in module.parameters()), "macs": flops // 2})
        cases.append({"network": path.stem, "layers": layers,
                      "total_params": sum(row["params"] for row in layers),
                      "total_macs": sum(row["macs"] for row in layers)})
    return cases
