"""Golden cases for parameters, activations and the errors torch raises, from PyTorch.

Used by ``tools/make_goldens.py`` (params.json, activations.json, errors.json); see its
docstring for how to run it and what each file holds.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from golden_torch import torch_arg as _torch_arg
from golden_torch import torch_error as _error

__all__ = ["params_cases", "activation_cases", "error_cases"]


# --------------------------------------------------------------------------- parameters


def params_cases() -> list[dict]:
    cases = []
    for cin, cout, kernel, bias, groups in [
        (3, 10, 5, True, 1), (16, 1, 1, True, 1), (3, 64, 3, False, 1), (3, 6, [3, 2], True, 1),
        (32, 32, 3, True, 32), (32, 64, 3, False, 32), (8, 12, [1, 5], True, 4), (6, 6, 7, True, 2),
    ]:
        m = torch.nn.Conv2d(cin, cout, tuple(kernel) if isinstance(kernel, list) else kernel,
                            bias=bias, groups=groups)
        cases.append({"module": "Conv2d", "args": {"in_channels": cin, "out_channels": cout,
                      "kernel_size": kernel, "bias": bias, "groups": groups},
                      "expected": sum(p.numel() for p in m.parameters())})
    for fin, fout, bias in [(256, 100, True), (100, 26, True), (784, 10, False), (1, 1, True)]:
        m = torch.nn.Linear(fin, fout, bias=bias)
        cases.append({"module": "Linear", "args": {"in_features": fin, "out_features": fout, "bias": bias},
                      "expected": sum(p.numel() for p in m.parameters())})
    return cases


# --------------------------------------------------------------------------- activations


def activation_cases(rng: np.random.Generator) -> list[dict]:
    cases = []
    extremes = [-1000.0, -745.2, -100.0, -1.5, -0.0, 0.0, 1e-300, 0.5, 36.8, 100.0, 709.8, 1000.0]
    cases.append({"fn": "relu", "x": [-3, -1, 0, 2, 5], "kwargs": {}, "kind": "int",
                  "expected": torch.relu(torch.tensor([-3, -1, 0, 2, 5])).tolist()})
    for fn, op in (("relu", torch.relu), ("sigmoid", torch.sigmoid)):
        for x in (extremes, np.round(rng.standard_normal((2, 3, 4)) * 5, 3).tolist()):
            cases.append({"fn": fn, "x": x, "kwargs": {}, "kind": "float",
                          "expected": op(torch.tensor(x, dtype=torch.float64)).tolist()})
    for x, axis in (
        ([1.0, 2.0, 3.0], -1), ([1000.0, 1000.0], -1), ([-1000.0, 1000.0], -1), ([1000.0, 1001.0, 1002.0], -1),
        ([-1000.0, -1001.0, -999.5], -1), ([0.0], -1), ([[1.0, 2.0], [1000.0, -1000.0]], -1),
        ([[1.0, 2.0], [1000.0, -1000.0]], 0), (np.round(rng.standard_normal(10) * 3, 3).tolist(), -1),
        ([3, 1, 2], -1),
    ):
        cases.append({"fn": "softmax", "x": x, "kwargs": {"axis": axis}, "kind": "float",
                      "expected": torch.softmax(torch.tensor(x, dtype=torch.float64), dim=axis).tolist()})
    return cases


# --------------------------------------------------------------------------- errors


def error_cases() -> list[dict]:
    cases = []

    # "geometry": the same arguments make conv2d_output_size / pool2d_output_size raise too.
    def conv(name, x_shape, w_shape, b_shape=None, geometry=True, **kwargs):
        x = torch.ones(1, *x_shape, dtype=torch.float64)
        w = torch.ones(*w_shape, dtype=torch.float64)
        b = None if b_shape is None else torch.ones(*b_shape, dtype=torch.float64)
        targs = {k: _torch_arg(v) for k, v in kwargs.items()}
        err = _error(lambda: F.conv2d(x, w, b, **targs))
        assert err is not None, name
        cases.append({"name": name, "op": "conv2d", "x_shape": list(x_shape), "weight_shape": list(w_shape),
                      "bias_shape": None if b_shape is None else list(b_shape), "kwargs": kwargs,
                      "geometry": geometry, "torch_error": err})

    def pool(op, name, x_shape, **kwargs):
        fn = F.max_pool2d if op == "max_pool2d" else F.avg_pool2d
        targs = {k: _torch_arg(v) for k, v in kwargs.items()}
        err = _error(lambda: fn(torch.ones(1, *x_shape, dtype=torch.float64), **targs))
        assert err is not None, name
        cases.append({"name": name, "op": op, "x_shape": list(x_shape), "kwargs": kwargs, "geometry": True,
                      "torch_error": err})

    def conv_module(name, **kwargs):
        err = _error(lambda: torch.nn.Conv2d(**{k: _torch_arg(v) for k, v in kwargs.items()}))
        assert err is not None, name
        cases.append({"name": name, "op": "conv2d_params", "kwargs": kwargs, "geometry": False,
                      "torch_error": err})

    conv("kernel-larger-than-input", (1, 3, 3), (1, 1, 5, 5))
    conv("kernel-larger-than-padded-input", (1, 3, 3), (1, 1, 6, 6), padding=1)
    conv("kernel-larger-along-width", (2, 8, 3), (1, 2, 3, 4))
    conv("dilated-kernel-larger-than-input", (1, 4, 4), (1, 1, 3, 3), dilation=2)
    conv("output-size-below-1-rect", (1, 5, 2), (1, 1, 1, 3), padding=[2, 0])
    conv("groups-do-not-divide-channels", (4, 5, 5), (3, 4, 3, 3), geometry=False, groups=3)
    conv("groups-do-not-divide-filters", (4, 5, 5), (3, 2, 3, 3), geometry=False, groups=2)
    conv("weight-channels-mismatch", (4, 5, 5), (4, 3, 3, 3), geometry=False)
    conv("weight-channels-mismatch-groups", (4, 5, 5), (4, 4, 3, 3), geometry=False, groups=2)
    conv("same-with-stride-2", (1, 5, 5), (1, 1, 3, 3), padding="same", stride=2)
    conv("same-with-stride-pair", (1, 5, 5), (1, 1, 3, 3), padding="same", stride=[1, 2])
    conv("unknown-padding-string", (1, 5, 5), (1, 1, 3, 3), padding="full")
    conv("negative-padding", (1, 5, 5), (1, 1, 3, 3), padding=-1)
    conv("negative-padding-pair", (1, 5, 5), (1, 1, 3, 3), padding=[1, -1])
    conv("zero-stride", (1, 5, 5), (1, 1, 3, 3), stride=0)
    conv("zero-dilation", (1, 5, 5), (1, 1, 3, 3), dilation=0)
    conv("bias-wrong-length", (1, 5, 5), (2, 1, 3, 3), b_shape=(3,), geometry=False)
    conv("bias-2d", (1, 5, 5), (2, 1, 3, 3), b_shape=(2, 1), geometry=False)
    pool("max_pool2d", "pool-pad-more-than-half-kernel", (1, 5, 5), kernel_size=2, padding=2)
    pool("max_pool2d", "pool-pad-more-than-half-kernel-3", (1, 5, 5), kernel_size=3, padding=2)
    pool("max_pool2d", "pool-pad-more-than-half-rect", (1, 5, 5), kernel_size=[4, 2], padding=[1, 2])
    pool("max_pool2d", "pool-pad-more-than-half-even-dilated", (1, 5, 5), kernel_size=3, padding=2, dilation=2)
    pool("max_pool2d", "pool-output-below-1", (1, 2, 2), kernel_size=3)
    pool("max_pool2d", "pool-output-below-1-ceil", (1, 1, 1), kernel_size=3, stride=2, ceil_mode=True)
    pool("max_pool2d", "pool-output-below-1-ceil-stride-1", (1, 2, 4), kernel_size=3, stride=1, ceil_mode=True)
    pool("max_pool2d", "pool-dilated-larger-than-input", (1, 4, 4), kernel_size=3, dilation=2)
    pool("max_pool2d", "pool-zero-stride", (1, 4, 4), kernel_size=2, stride=0)
    pool("max_pool2d", "pool-zero-kernel", (1, 4, 4), kernel_size=0)
    pool("max_pool2d", "pool-negative-padding", (1, 4, 4), kernel_size=2, padding=-1)
    pool("max_pool2d", "pool-zero-dilation", (1, 4, 4), kernel_size=2, dilation=0)
    pool("avg_pool2d", "avg-pad-more-than-half-kernel", (1, 5, 5), kernel_size=2, padding=2)
    pool("avg_pool2d", "avg-output-below-1", (1, 2, 2), kernel_size=3)
    pool("avg_pool2d", "avg-output-below-1-width", (1, 5, 2), kernel_size=[2, 3], stride=1, ceil_mode=True,
         count_include_pad=False)
    pool("avg_pool2d", "avg-zero-stride", (1, 4, 4), kernel_size=2, stride=0)
    conv_module("params-in-channels-not-divisible", in_channels=4, out_channels=6, kernel_size=3, groups=3)
    conv_module("params-out-channels-not-divisible", in_channels=6, out_channels=4, kernel_size=3, groups=3)
    conv_module("params-zero-groups", in_channels=6, out_channels=6, kernel_size=3, groups=0)
    return cases
