"""Golden cases for contract 1b (transposed convolution, gradients, MACs), from PyTorch.

Used by ``tools/make_goldens.py``; see its docstring for how to run it. Each builder
returns a list of JSON-ready cases. A case either has ``"expected"`` (torch's
result) or ``"torch_error"`` (the first line of what torch raised; the solver must
raise ValueError for the same arguments).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from golden_torch import data, out_list, tensor, torch_arg, torch_error

__all__ = [
    "conv_transpose2d_cases",
    "conv_transpose2d_size_cases",
    "conv2d_backward_cases",
    "pool_backward_cases",
    "macs_cases",
]


def _targs(kwargs: dict) -> dict:
    return {k: torch_arg(v) for k, v in kwargs.items()}


# --------------------------------------------------------------------------- transposed conv


def _transpose_case(name: str, kind: str, x, w, b, **kwargs) -> dict:
    case = {"name": name, "kind": kind, "x": x.tolist(), "weight": w.tolist(),
            "bias": None if b is None else b.tolist(), "kwargs": kwargs}
    call = lambda: F.conv_transpose2d(tensor(x)[None], tensor(w), tensor(b), **_targs(kwargs))[0]  # noqa: E731
    error = torch_error(call)
    if error is None:
        case["expected"] = out_list(call(), kind)
    else:
        case["torch_error"] = error
    return case


def conv_transpose2d_cases(rng: np.random.Generator) -> list[dict]:
    cases = []

    def add(name, kind, c, h, w, k, kernel, bias=True, **kwargs):
        g = kwargs.get("groups", 1)
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        x = data(rng, (c, h, w), kind)
        weight = data(rng, (c, k // g, kh, kw), kind)
        b = data(rng, (k,), kind) if bias else None
        cases.append(_transpose_case(name, kind, x, weight, b, **kwargs))

    d2l = np.array([[[0, 1], [2, 3]]])
    cases.append(_transpose_case("d2l-14.10", "int", d2l, d2l[None], None))
    cases.append(_transpose_case("d2l-14.10-stride-2", "int", d2l, d2l[None], None, stride=2))
    for kind in ("int", "float"):
        add(f"{kind}-basic", kind, 1, 3, 3, 1, 3, bias=False)
        add(f"{kind}-stride-2", kind, 2, 3, 4, 3, 3, stride=2)
        add(f"{kind}-stride-2-padding-1", kind, 2, 4, 4, 2, 3, stride=2, padding=1)
        add(f"{kind}-decoder-k3-s2-p1-op1", kind, 3, 4, 4, 2, 3, stride=2, padding=1, output_padding=1)
        add(f"{kind}-dcgan-k4-s2-p1", kind, 2, 3, 3, 2, 4, stride=2, padding=1)
        add(f"{kind}-rect-kernel-stride-pair", kind, 2, 3, 5, 2, (3, 2), stride=[2, 3], padding=[1, 0])
        add(f"{kind}-output-padding-pair", kind, 1, 3, 3, 2, 2, stride=[2, 3], output_padding=[1, 2])
        add(f"{kind}-dilation", kind, 2, 3, 3, 2, 3, dilation=2)
        add(f"{kind}-output-padding-below-dilation", kind, 1, 3, 4, 1, 2, dilation=3, output_padding=2)
        add(f"{kind}-groups-2", kind, 4, 3, 3, 6, 2, groups=2, stride=2)
        add(f"{kind}-depthwise", kind, 3, 4, 3, 3, 3, groups=3, padding=1)
        add(f"{kind}-1x1-stride-3", kind, 2, 3, 3, 3, 1, stride=3)
        add(f"{kind}-padding-crops-to-1", kind, 1, 2, 2, 1, 2, padding=1)
    for i in range(40):
        kind = "int" if i % 2 == 0 else "float"
        g = int(rng.choice([1, 1, 2, 3]))
        c, k = g * int(rng.integers(1, 3)), g * int(rng.integers(1, 3))
        kernel = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
        stride = [int(rng.integers(1, 4)), int(rng.integers(1, 4))]
        dilation = [int(rng.integers(1, 3)), int(rng.integers(1, 3))]
        padding = [int(rng.integers(0, 3)), int(rng.integers(0, 3))]
        output_padding = [int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation)]
        kwargs = {"stride": stride, "padding": padding, "output_padding": output_padding,
                  "groups": g, "dilation": dilation}
        x = data(rng, (c, int(rng.integers(1, 6)), int(rng.integers(1, 6))), kind)
        w = data(rng, (c, k // g, *kernel), kind)
        b = data(rng, (k,), kind) if rng.random() < 0.5 else None
        case = _transpose_case(f"random-{i}-{kind}", kind, x, w, b, **kwargs)
        if "expected" in case:
            cases.append(case)
    # Where torch raises.
    for name, c, (kh, kw), wc, k, kwargs in (
        ("error-output-padding-not-below-stride", 1, (3, 3), 1, 1, {"stride": 2, "output_padding": 2}),
        ("error-output-padding-with-stride-1", 1, (3, 3), 1, 1, {"output_padding": 1}),
        ("error-output-padding-pair", 1, (3, 3), 1, 1, {"stride": [2, 1], "output_padding": [1, 1]}),
        ("error-padding-crops-everything", 1, (1, 1), 1, 1, {"padding": 1}),
        ("error-padding-crops-width", 1, (1, 2), 1, 1, {"padding": [0, 2]}),
        ("error-weight-channels", 2, (2, 2), 3, 1, {}),
        ("error-groups-do-not-divide", 3, (2, 2), 3, 2, {"groups": 2}),
        ("error-negative-padding", 1, (2, 2), 1, 1, {"padding": -1}),
        ("error-zero-stride", 1, (2, 2), 1, 1, {"stride": 0}),
    ):
        x = np.ones((c, 2, 2), dtype=np.int64)
        w = np.ones((wc, k, kh, kw), dtype=np.int64)
        case = _transpose_case(name, "int", x, w, None, **kwargs)
        assert "torch_error" in case, name
        cases.append(case)
    return cases


def conv_transpose2d_size_cases(rng: np.random.Generator) -> list[dict]:
    """Output sizes measured from the shape torch's conv_transpose2d returns."""
    cases = []

    def add(size, **kwargs):
        h, w = (size, size) if isinstance(size, int) else size
        kernel = kwargs["kernel_size"]
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        rest = {k: v for k, v in _targs(kwargs).items() if k != "kernel_size"}
        y = F.conv_transpose2d(torch.zeros(1, 1, h, w, dtype=torch.float64),
                               torch.zeros(1, 1, kh, kw, dtype=torch.float64), **rest)
        expected = y.shape[2] if isinstance(size, int) else [y.shape[2], y.shape[3]]
        cases.append({"fn": "conv_transpose2d_output_size", "size": size, "kwargs": kwargs, "expected": expected})

    add(2, kernel_size=2, stride=2)
    add(16, kernel_size=3, stride=2, padding=1, output_padding=1)
    add(16, kernel_size=3, stride=2, padding=1)
    add(4, kernel_size=4, stride=2, padding=1)
    add(7, kernel_size=3, dilation=2, output_padding=1)
    add([7, 5], kernel_size=[4, 3], stride=[2, 1], padding=[1, 0])
    add([3, 6], kernel_size=[2, 5], stride=[3, 2], padding=[0, 2], output_padding=[2, 1], dilation=[1, 2])
    for _ in range(30):
        stride = [int(rng.integers(1, 5)), int(rng.integers(1, 5))]
        dilation = [int(rng.integers(1, 4)), int(rng.integers(1, 4))]
        kwargs = {"kernel_size": [int(rng.integers(1, 6)), int(rng.integers(1, 6))], "stride": stride,
                  "padding": [int(rng.integers(0, 4)), int(rng.integers(0, 4))],
                  "output_padding": [int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation)],
                  "dilation": dilation}
        size = [int(rng.integers(1, 12)), int(rng.integers(1, 12))]
        try:
            add(size, **kwargs)
        except RuntimeError:
            continue  # the padding crops everything: conv_transpose2d.json covers that
    return cases


# --------------------------------------------------------------------------- conv2d backward


def _conv_backward_case(name: str, kind: str, x, w, gy_shape_change: int = 0, rng=None, **kwargs) -> dict:
    xt, wt = tensor(x, grad=True), tensor(w, grad=True)
    bt = tensor(np.zeros(w.shape[0]), grad=True)
    y = F.conv2d(xt[None], wt, bt, **_targs(kwargs))[0]
    shape = list(y.shape)
    shape[2] += gy_shape_change
    gy = data(rng, tuple(shape), kind)
    case = {"name": name, "kind": kind, "x": x.tolist(), "weight": w.tolist(), "grad_output": gy.tolist(),
            "kwargs": kwargs}
    error = torch_error(lambda: y.backward(tensor(gy)))
    if error is not None:
        case["torch_error"] = error
        return case
    case["expected"] = {"grad_x": out_list(xt.grad, kind), "grad_weight": out_list(wt.grad, kind),
                        "grad_bias": out_list(bt.grad, kind)}
    return case


def conv2d_backward_cases(rng: np.random.Generator) -> list[dict]:
    cases = []

    def add(name, kind, c, h, w, k, kernel, **kwargs):
        g = kwargs.get("groups", 1)
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        x, weight = data(rng, (c, h, w), kind), data(rng, (k, c // g, kh, kw), kind)
        cases.append(_conv_backward_case(name, kind, x, weight, rng=rng, **kwargs))

    for kind in ("int", "float"):
        add(f"{kind}-basic-3x3", kind, 1, 5, 5, 1, 3)
        add(f"{kind}-2x2-on-3x3", kind, 1, 3, 3, 1, 2)
        add(f"{kind}-channels", kind, 3, 4, 5, 2, 2)
        add(f"{kind}-stride-2", kind, 2, 7, 6, 2, 3, stride=2)
        add(f"{kind}-stride-leaves-rows-unread", kind, 1, 6, 6, 1, 2, stride=3)
        add(f"{kind}-padding-1", kind, 2, 4, 4, 3, 3, padding=1)
        add(f"{kind}-padding-same-even", kind, 1, 5, 4, 2, (2, 3), padding="same")
        add(f"{kind}-dilation", kind, 2, 7, 7, 2, 2, dilation=[2, 3])
        add(f"{kind}-groups", kind, 4, 5, 5, 6, 3, groups=2, stride=[1, 2], padding=[1, 0])
        add(f"{kind}-depthwise", kind, 3, 4, 4, 3, 3, groups=3, padding=1)
    for i in range(24):
        kind = "int" if i % 2 == 0 else "float"
        g = int(rng.choice([1, 1, 2]))
        c, k = g * int(rng.integers(1, 3)), g * int(rng.integers(1, 3))
        kernel = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        kwargs: dict[str, Any] = {"stride": [int(rng.integers(1, 4)), int(rng.integers(1, 4))],
                                  "padding": [int(rng.integers(0, 3)), int(rng.integers(0, 3))],
                                  "dilation": [int(rng.integers(1, 3)), int(rng.integers(1, 3))], "groups": g}
        x = data(rng, (c, int(rng.integers(3, 8)), int(rng.integers(3, 8))), kind)
        w = data(rng, (k, c // g, *kernel), kind)
        if torch_error(lambda: F.conv2d(tensor(x)[None], tensor(w), **_targs(kwargs))) is None:
            cases.append(_conv_backward_case(f"random-{i}-{kind}", kind, x, w, rng=rng, **kwargs))
    x, w = data(rng, (1, 4, 4), "int"), data(rng, (1, 1, 2, 2), "int")
    case = _conv_backward_case("error-grad-output-shape", "int", x, w, gy_shape_change=1, rng=rng)
    assert "torch_error" in case
    cases.append(case)
    return cases


# --------------------------------------------------------------------------- pooling backward


def _pool_backward_case(op: str, name: str, kind: str, x, rng, **kwargs) -> dict:
    fn = F.max_pool2d if op == "max_pool2d_backward" else F.avg_pool2d
    xt = tensor(x, grad=True)
    y = fn(xt[None], **_targs(kwargs))[0]
    gy = data(rng, tuple(y.shape), kind)
    y.backward(tensor(gy))
    return {"op": op, "name": name, "kind": kind, "x": x.tolist(), "grad_output": gy.tolist(), "kwargs": kwargs,
            # Average pooling divides: its gradient is fractional even for integer inputs.
            "expected": out_list(xt.grad, kind if op == "max_pool2d_backward" else "float")}


def _all_in_padding(x: np.ndarray, kwargs: dict) -> bool:
    """A max-pool window entirely in the padding: torch's CPU backward writes out of
    bounds there (and may crash), so such draws are skipped."""
    y = F.max_pool2d(torch.zeros(1, *x.shape, dtype=torch.float64), **_targs(kwargs))
    return bool(torch.isneginf(y).any())


def pool_backward_cases(rng: np.random.Generator) -> list[dict]:
    cases = []
    mx, avg = "max_pool2d_backward", "avg_pool2d_backward"

    def add(op, name, kind, shape, **kwargs):
        # Inputs in -1..1: many ties, which must go to the first maximum in each window.
        x = data(rng, shape, kind, low=-1, high=1) if op == mx else data(rng, shape, kind)
        cases.append(_pool_backward_case(op, name, kind, x, rng, **kwargs))

    for kind in ("int", "float"):
        add(mx, f"{kind}-2x2", kind, (2, 4, 4), kernel_size=2)
        add(mx, f"{kind}-overlap-k3-s1", kind, (1, 5, 5), kernel_size=3, stride=1)
        add(mx, f"{kind}-overlap-k3-s2-p1", kind, (2, 5, 6), kernel_size=3, stride=2, padding=1)
        add(mx, f"{kind}-ceil", kind, (1, 5, 5), kernel_size=2, stride=2, ceil_mode=True)
        add(mx, f"{kind}-ceil-padded", kind, (1, 6, 7), kernel_size=3, stride=2, padding=1, ceil_mode=True)
        add(mx, f"{kind}-dilation", kind, (1, 7, 6), kernel_size=2, stride=1, dilation=[2, 1])
        add(mx, f"{kind}-rect", kind, (2, 6, 7), kernel_size=[2, 3], stride=[1, 2])
        for include in (True, False):
            add(avg, f"{kind}-k3-s2-p1-include{int(include)}", kind, (2, 5, 6), kernel_size=3, stride=2,
                padding=1, count_include_pad=include)
            add(avg, f"{kind}-ceil-include{int(include)}", kind, (1, 5, 5), kernel_size=2, stride=2, padding=1,
                ceil_mode=True, count_include_pad=include)
        add(avg, f"{kind}-2x2", kind, (1, 4, 4), kernel_size=2)
        add(avg, f"{kind}-overlap-rect", kind, (1, 5, 6), kernel_size=[3, 2], stride=1, padding=[1, 0])
    x = np.zeros((1, 3, 3), dtype=np.int64)
    cases.append(_pool_backward_case(mx, "int-all-equal-first-wins", "int", x, rng, kernel_size=2, stride=1))
    for i in range(40):
        op = mx if i % 2 == 0 else avg
        kind = "int" if i % 4 < 2 else "float"
        kernel = [int(rng.integers(1, 5)), int(rng.integers(1, 5))]
        kwargs: dict[str, Any] = {"kernel_size": kernel}
        if rng.random() < 0.7:
            kwargs["stride"] = [int(rng.integers(1, 4)), int(rng.integers(1, 4))]
        kwargs["padding"] = [int(rng.integers(0, kernel[0] // 2 + 1)), int(rng.integers(0, kernel[1] // 2 + 1))]
        if op == mx:
            kwargs["dilation"] = [int(rng.integers(1, 3)), int(rng.integers(1, 3))]
        kwargs["ceil_mode"] = bool(rng.random() < 0.5)
        if op == avg:
            kwargs["count_include_pad"] = bool(rng.random() < 0.5)
        shape = (int(rng.integers(1, 3)), int(rng.integers(2, 9)), int(rng.integers(2, 9)))
        x = data(rng, shape, kind, low=-1, high=1)
        fn = F.max_pool2d if op == mx else F.avg_pool2d
        if torch_error(lambda: fn(tensor(x)[None], **_targs(kwargs))) is not None:
            continue
        if op == mx and _all_in_padding(x, kwargs):
            continue
        cases.append(_pool_backward_case(op, f"random-{i}-{kind}", kind, x, rng, **kwargs))
    return cases


# --------------------------------------------------------------------------- MACs


def _counted_macs(module: torch.nn.Module, shape: tuple[int, ...]) -> int:
    """torch's FlopCounterMode counts 2 FLOPs per multiply-add and no bias adds."""
    with FlopCounterMode(display=False) as counter:
        module(torch.zeros(1, *shape))
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return flops // 2


def macs_cases() -> list[dict]:
    cases = []
    for cin, cout, kernel, stride, padding, groups, size in (
        (3, 64, 3, 1, 1, 1, [224, 224]), (1, 6, 5, 1, 0, 1, [32, 32]), (6, 16, 5, 1, 0, 1, [14, 14]),
        (3, 96, 11, 4, 2, 1, [224, 224]), (32, 32, 3, 1, 1, 32, [56, 56]), (32, 64, 1, 1, 0, 1, [56, 56]),
        (8, 12, [1, 5], [2, 1], [0, 2], 4, [9, 11]), (6, 6, 7, 2, 3, 2, [15, 13]),
    ):
        module = torch.nn.Conv2d(cin, cout, torch_arg(kernel), torch_arg(stride), torch_arg(padding), groups=groups)
        out = list(module(torch.zeros(1, cin, *size)).shape[2:])
        cases.append({"module": "Conv2d", "args": {"in_channels": cin, "out_channels": cout, "kernel_size": kernel,
                      "output_size": out, "groups": groups}, "expected": _counted_macs(module, (cin, *size))})
    for fin, fout in ((400, 120), (9216, 4096), (25088, 4096), (1, 1)):
        module = torch.nn.Linear(fin, fout)
        cases.append({"module": "Linear", "args": {"in_features": fin, "out_features": fout},
                      "expected": _counted_macs(module, (fin,))})
    return cases
