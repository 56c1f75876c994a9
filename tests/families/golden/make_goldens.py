"""Write torch_goldens.json: family answers computed independently with PyTorch.

Run with a PyTorch environment (never a test dependency), from the repository root::

    /tmp/torchenv/bin/python tests/families/golden/make_goldens.py

Each case is ``{"computation", "params", "expected"}``; tests/families/test_torch_goldens.py
checks that the families' solver-based computations give the same values. Parameters are
drawn with a fixed seed, so the file only changes when this script does.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

OUT = Path(__file__).with_name("torch_goldens.json")
rng = np.random.default_rng(20261201)


def _count(*modules: nn.Module) -> int:
    return sum(p.numel() for m in modules for p in m.parameters())


def _shift_right(x: torch.Tensor, s: int) -> torch.Tensor:
    out = torch.zeros_like(x)
    out[..., s:] = x[..., : x.shape[-1] - s]
    return out


def batch_norm_cases() -> list[dict]:
    cases = []
    for _ in range(6):
        c = int(rng.choice([3, 10, 64]))
        bn = nn.BatchNorm2d(c)
        buffers = bn.running_mean.numel() + bn.running_var.numel()
        cases.append({"computation": "batch_norm_params", "params": {"channels": c, "height": 7, "width": 7},
                      "expected": _count(bn)})
        cases.append({"computation": "batch_norm_buffers", "params": {"channels": c}, "expected": buffers})
        k, cin, bias = int(rng.choice([1, 3, 5])), int(rng.choice([3, 16])), bool(rng.integers(0, 2))
        conv = nn.Conv2d(cin, c, k, bias=bias)
        cases.append({"computation": "conv_bn_block_params",
                      "params": {"in_channels": cin, "out_channels": c, "kernel_size": k, "conv_bias": bias},
                      "expected": _count(conv, bn)})
    for _ in range(8):
        x, mean, gamma, beta = (round(float(v), 1) for v in rng.uniform(-2, 2, 4))
        var = float(rng.choice([0.25, 1.0, 4.0]))
        y = F.batch_norm(torch.tensor([[x]], dtype=torch.float64), torch.tensor([mean], dtype=torch.float64),
                         torch.tensor([var], dtype=torch.float64), torch.tensor([gamma], dtype=torch.float64),
                         torch.tensor([beta], dtype=torch.float64), training=False, eps=1e-5)
        cases.append({"computation": "batch_norm_eval",
                      "params": {"x": x, "running_mean": mean, "running_var": var, "gamma": gamma, "beta": beta},
                      "expected": float(y[0, 0])})
    for _ in range(8):
        values = [int(v) for v in rng.integers(-4, 7, 4)]
        if len(set(values)) == 1:
            continue
        gamma, beta, momentum = float(rng.choice([0.5, 1, 2])), float(rng.choice([-1, 0, 1])), 0.2
        old_mean, old_var = 0.5, 2.0
        running_mean = torch.tensor([old_mean], dtype=torch.float64)
        running_var = torch.tensor([old_var], dtype=torch.float64)
        y = F.batch_norm(torch.tensor(values, dtype=torch.float64)[:, None], running_mean, running_var,
                         torch.tensor([gamma], dtype=torch.float64), torch.tensor([beta], dtype=torch.float64),
                         training=True, momentum=momentum, eps=1e-5)
        index = int(rng.integers(1, 5))
        cases.append({"computation": "batch_norm_train",
                      "params": {"values": values, "gamma": gamma, "beta": beta, "index": index},
                      "expected": float(y[index - 1, 0])})
        cases.append({"computation": "running_mean_update",
                      "params": {"running_mean": old_mean, "momentum": momentum, "values": values},
                      "expected": float(running_mean[0])})
        cases.append({"computation": "running_var_update",
                      "params": {"running_var": old_var, "momentum": momentum, "values": values},
                      "expected": float(running_var[0])})
    return cases


def savings_cases() -> list[dict]:
    cases = []
    for _ in range(4):
        c, cout, k = int(rng.choice([16, 32])), int(rng.choice([32, 64])), int(rng.choice([3, 5]))
        standard = nn.Conv2d(c, cout, k)
        separable = (nn.Conv2d(c, c, k, groups=c), nn.Conv2d(c, cout, 1))
        p = {"in_channels": c, "out_channels": cout, "kernel_size": k}
        cases.append({"computation": "depthwise_separable_params", "params": p, "expected": _count(*separable)})
        cases.append({"computation": "depthwise_separable_savings", "params": p,
                      "expected": _count(standard) - _count(*separable)})
        m = int(rng.choice([8, 16]))
        bottleneck = (nn.Conv2d(cout, m, 1), nn.Conv2d(m, m, k), nn.Conv2d(m, cout, 1))
        q = {"channels": cout, "mid_channels": m, "kernel_size": k}
        cases.append({"computation": "bottleneck_params", "params": q, "expected": _count(*bottleneck)})
        cases.append({"computation": "bottleneck_savings", "params": q,
                      "expected": _count(nn.Conv2d(cout, cout, k)) - _count(*bottleneck)})
        count = int(rng.choice([2, 3]))
        stack = [nn.Conv2d(c, c, 3) for _ in range(count)]
        big = nn.Conv2d(c, c, 2 * count + 1)
        cases.append({"computation": "stacked_kernel_savings",
                      "params": {"channels": c, "small_kernel": 3, "count": count},
                      "expected": _count(big) - _count(*stack)})
    return cases


def shift_cases() -> list[dict]:
    cases = []
    for _ in range(6):
        x = rng.integers(0, 6, (5, 6))
        kernel = rng.integers(-1, 3, (2, 2))
        shift, row, col = int(rng.integers(1, 3)), int(rng.integers(1, 5)), int(rng.integers(1, 6))
        out = F.conv2d(_shift_right(torch.tensor(x[None, None], dtype=torch.float64), shift),
                       torch.tensor(kernel[None, None], dtype=torch.float64))
        cases.append({"computation": "shifted_conv_response",
                      "params": {"x": x.tolist(), "kernel": kernel.tolist(), "shift": shift, "row": row, "col": col},
                      "expected": float(out[0, 0, row - 1, col - 1])})
        image = torch.tensor(rng.integers(0, 10, (4, 6))[None], dtype=torch.float64)
        before, after = F.max_pool2d(image, 2), F.max_pool2d(_shift_right(image, 1), 2)
        cases.append({"computation": "pool_shift_changes",
                      "params": {"x": image[0].int().tolist(), "kernel_size": 2, "shift": 1},
                      "expected": int((before != after).sum())})
        w = rng.integers(-2, 3, (3, 3))
        neuron = nn.Linear(9, 1, bias=False, dtype=torch.float64)
        with torch.no_grad():
            neuron.weight.copy_(torch.tensor(w.reshape(1, 9), dtype=torch.float64))
        shifted = _shift_right(torch.tensor(x[:3, :3], dtype=torch.float64), 1)
        cases.append({"computation": "fc_shift_response", "params": {"x": x[:3, :3].tolist(), "w": w.tolist(), "shift": 1},
                      "expected": float(neuron(shifted.reshape(1, 9)).detach()[0, 0])})
        flipped = rng.integers(-1, 3, (3, 3))
        lecture = F.conv2d(torch.tensor(x[None, None, :5, :5], dtype=torch.float64),
                           torch.tensor(flipped[None, None], dtype=torch.float64).flip(-1, -2))
        cases.append({"computation": "true_convolution", "params": {"x": x[:5, :5].tolist(), "kernel": flipped.tolist()},
                      "expected": lecture[0].tolist()})
    return cases


def main() -> None:
    cases = batch_norm_cases() + savings_cases() + shift_cases()
    text = json.dumps({"torch": torch.__version__, "cases": cases}, indent=1) + "\n"
    fd, tmp = tempfile.mkstemp(dir=OUT.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, OUT)
    print(f"{OUT}: {len(cases)} cases")


if __name__ == "__main__":
    main()
