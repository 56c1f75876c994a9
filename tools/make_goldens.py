"""Generate the solver's golden cases with PyTorch: ``tests/golden/*.json``.

PyTorch is *not* a dependency of cnnquiz. Run this by hand from a separate venv
that has torch (CPU build) and cnnquiz installed::

    python -m venv /tmp/torchvenv
    /tmp/torchvenv/bin/pip install torch==2.13.0 numpy pydantic pyyaml
    /tmp/torchvenv/bin/pip install -e . --no-deps       # or PYTHONPATH=. below
    /tmp/torchvenv/bin/python tools/make_goldens.py            # writes tests/golden/
    /tmp/torchvenv/bin/python tools/make_goldens.py --check    # exits 1 if a file would change
    /tmp/torchvenv/bin/python tools/make_goldens.py --only macs.json networks.json

(pydantic and pyyaml only for networks.json, which reads the shipped network specs.)

The golden files are committed; ``tests/solver/test_golden.py`` reads them without torch.

Determinism
    Every random draw comes from ``numpy.random.default_rng(SEED + k)`` with a fixed
    ``k`` per file, and torch computes in float64 with one thread, so the same torch
    version writes byte-identical files. Each file records the torch version and seed.

Inputs
    "int" cases hold small integer-valued inputs (torch computes them in float64; the
    expected outputs are exact integers and are compared for exact equality). "float"
    cases hold float64 inputs rounded to 3 decimals (short JSON) and torch's float64
    outputs written with ``repr`` (round-trips exactly).

Files (each ``{"meta": {...}, "cases": [...]}``, one case per line; params, activations
and errors are built in tools/goldens_basic.py)
    conv2d.json       x, weight, bias, kwargs (stride, padding incl. "same"/"valid" and
                      pairs, dilation, groups incl. depthwise), expected (K, Ho, Wo)
    max_pool2d.json   x, kwargs (kernel_size, stride incl. None, padding, dilation, ceil_mode)
    avg_pool2d.json   x, kwargs (kernel_size, stride, padding, ceil_mode, count_include_pad)
    output_size.json  {"fn": "conv2d_output_size" | "pool2d_output_size", "args", "expected"}
                      measured from the shape torch's op returns; int or (h, w) forms
    params.json       {"module": "Conv2d" | "Linear", "args", "expected"} from parameters()
    activations.json  {"fn": "relu" | "sigmoid" | "softmax", "x", "kwargs", "expected"}
    errors.json       arguments for which torch raises: {"op", "x_shape", "weight_shape",
                      "bias_shape", "kwargs", "torch_error"}; the solver must raise ValueError

  Contract 1b (tools/goldens_course.py); a case has "expected" or, where torch raised,
  "torch_error" (the solver must raise ValueError):
    conv_transpose2d.json  x, weight (C, K/groups, kh, kw), bias, kwargs (stride, padding,
                           output_padding, groups, dilation); output_size.json also holds
                           {"fn": "conv_transpose2d_output_size", ...} measured from torch
    conv2d_backward.json   x, weight, grad_output, kwargs; expected {grad_x, grad_weight,
                           grad_bias} = the .grad autograd leaves
    pool_backward.json     {"op": "max_pool2d_backward" | "avg_pool2d_backward", x, grad_output,
                           kwargs, expected x.grad}; max-pool inputs in -1..1 for many ties
    macs.json              {"module": "Conv2d" | "Linear", "args", "expected"}: FlopCounterMode / 2
    networks.json          per shipped network (tools/goldens_networks.py): per-layer
                           output_shape, params, macs, and the totals, measured on torch modules
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from golden_torch import data, out_list, render_cases, tensor, torch_arg, torch_error  # noqa: E402
from goldens_basic import activation_cases, error_cases, params_cases  # noqa: E402
from goldens_course import (  # noqa: E402
    conv2d_backward_cases,
    conv_transpose2d_cases,
    conv_transpose2d_size_cases,
    macs_cases,
    pool_backward_cases,
)
from goldens_networks import network_cases  # noqa: E402

SEED = 20241125
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "tests" / "golden"

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
# padding="same" with an even kernel: torch warns that it pads a copy; that is the point.
warnings.filterwarnings("ignore", message="Using padding='same'", category=UserWarning)


# --------------------------------------------------------------------------- helpers


# Shared with the per-topic generators (tools/golden_torch.py); the short private
# names stay for the code below.
_data, _t, _out, _torch_arg, _error = data, tensor, out_list, torch_arg, torch_error


# --------------------------------------------------------------------------- conv2d


def _conv_case(name, kind, x, w, b, **kwargs) -> dict:
    targs = {k: _torch_arg(v) for k, v in kwargs.items()}
    y = F.conv2d(_t(x)[None], _t(w), _t(b), **targs)[0]
    return {
        "name": name,
        "kind": kind,
        "x": x.tolist(),
        "weight": w.tolist(),
        "bias": None if b is None else b.tolist(),
        "kwargs": kwargs,
        "expected": _out(y, kind),
    }


def conv2d_cases(rng: np.random.Generator) -> list[dict]:
    cases = []

    def add(name, kind, c, h, wd, k, kernel, bias=True, **kwargs):
        g = kwargs.get("groups", 1)
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        x = _data(rng, (c, h, wd), kind)
        w = _data(rng, (k, c // g, kh, kw), kind)
        b = _data(rng, (k,), kind) if bias else None
        cases.append(_conv_case(name, kind, x, w, b, **kwargs))

    for kind in ("int", "float"):
        add(f"{kind}-basic-3x3", kind, 1, 5, 5, 1, 3, bias=False)
        add(f"{kind}-rect-kernel-3x2-stride2-pad1", kind, 3, 9, 7, 4, (3, 2), stride=2, padding=1)
        add(f"{kind}-rect-input-2x4", kind, 2, 6, 9, 3, (2, 4))
        add(f"{kind}-stride-pair", kind, 2, 8, 7, 2, 3, stride=[2, 3])
        add(f"{kind}-padding-pair", kind, 2, 5, 6, 2, 3, padding=[2, 0])
        add(f"{kind}-padding-same-odd", kind, 2, 6, 5, 3, 3, padding="same")
        add(f"{kind}-padding-same-even", kind, 2, 6, 5, 2, (2, 4), padding="same")
        add(f"{kind}-padding-same-dilated", kind, 1, 7, 6, 2, (3, 2), padding="same", dilation=[2, 3])
        add(f"{kind}-padding-valid", kind, 3, 6, 6, 2, 3, padding="valid")
        add(f"{kind}-dilation-2", kind, 2, 8, 8, 2, 3, dilation=2)
        add(f"{kind}-dilation-pair-stride", kind, 1, 9, 10, 2, 2, dilation=[1, 3], stride=2, padding=1)
        add(f"{kind}-groups-2", kind, 4, 6, 5, 6, 3, groups=2, padding=1)
        add(f"{kind}-depthwise", kind, 3, 6, 6, 3, 3, groups=3, padding=1)
        add(f"{kind}-depthwise-multiplier-2", kind, 3, 5, 7, 6, (2, 3), groups=3, stride=[1, 2])
        add(f"{kind}-1x1", kind, 5, 4, 4, 3, 1)
        add(f"{kind}-kernel-equals-input", kind, 2, 4, 3, 2, (4, 3))
        add(f"{kind}-stride-exceeds-kernel", kind, 1, 9, 9, 1, 2, stride=4)
        add(f"{kind}-no-bias-groups", kind, 4, 5, 5, 4, 2, bias=False, groups=4, stride=2, padding=[1, 0])
    # Random combinations over every argument.
    for i in range(40):
        kind = "int" if i % 2 == 0 else "float"
        g = int(rng.choice([1, 1, 2, 3]))
        c = g * int(rng.integers(1, 3))
        k = g * int(rng.integers(1, 3))
        kernel = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
        dilation = [int(rng.integers(1, 3)), int(rng.integers(1, 3))]
        if rng.random() < 0.25:
            stride: Any = 1
            padding: Any = str(rng.choice(["same", "valid"]))
        else:
            stride = [int(rng.integers(1, 4)), int(rng.integers(1, 4))]
            padding = [int(rng.integers(0, 3)), int(rng.integers(0, 3))]
        eff = [d * (kk - 1) + 1 for d, kk in zip(dilation, kernel)]
        h = int(rng.integers(max(1, eff[0] - 2), eff[0] + 6))
        wd = int(rng.integers(max(1, eff[1] - 2), eff[1] + 6))
        kwargs = {"stride": stride, "padding": padding, "dilation": dilation, "groups": g}
        x = _data(rng, (c, h, wd), kind)
        w = _data(rng, (k, c // g, *kernel), kind)
        b = _data(rng, (k,), kind) if rng.random() < 0.5 else None
        targs = {kk: _torch_arg(v) for kk, v in kwargs.items()}
        if _error(lambda: F.conv2d(_t(x)[None], _t(w), _t(b), **targs)) is not None:
            continue  # too small for this kernel: errors.json covers that
        cases.append(_conv_case(f"random-{i}-{kind}", kind, x, w, b, **kwargs))
    return cases


# --------------------------------------------------------------------------- pooling


def _pool_case(op: str, name: str, kind: str, x: np.ndarray, **kwargs) -> dict:
    fn = F.max_pool2d if op == "max_pool2d" else F.avg_pool2d
    targs = {k: _torch_arg(v) for k, v in kwargs.items()}
    y = fn(_t(x)[None], **targs)[0]
    expected = _out(y, kind) if op == "max_pool2d" else y.numpy().tolist()
    return {"name": name, "kind": kind, "x": x.tolist(), "kwargs": kwargs, "expected": expected}


def max_pool2d_cases(rng: np.random.Generator) -> list[dict]:
    cases = []

    def add(name, kind, shape, **kwargs):
        cases.append(_pool_case("max_pool2d", name, kind, _data(rng, shape, kind), **kwargs))

    for kind in ("int", "float"):
        add(f"{kind}-2x2", kind, (2, 4, 4), kernel_size=2)
        add(f"{kind}-stride-none-explicit", kind, (1, 6, 7), kernel_size=3, stride=None)
        add(f"{kind}-rect-kernel", kind, (2, 6, 7), kernel_size=[2, 3])
        add(f"{kind}-stride-1", kind, (1, 5, 5), kernel_size=2, stride=1)
        add(f"{kind}-padding-1", kind, (2, 5, 5), kernel_size=3, stride=2, padding=1)
        add(f"{kind}-padding-pair", kind, (1, 6, 5), kernel_size=[4, 2], padding=[2, 1])
        add(f"{kind}-dilation-2", kind, (1, 7, 7), kernel_size=2, stride=1, dilation=2)
        add(f"{kind}-dilation-pair-padding", kind, (2, 8, 9), kernel_size=3, stride=2, padding=1, dilation=[2, 1])
        add(f"{kind}-ceil-5-k2-s2-p1", kind, (1, 5, 5), kernel_size=2, stride=2, padding=1, ceil_mode=True)
        add(f"{kind}-ceil-5-k2-s2", kind, (1, 5, 5), kernel_size=2, stride=2, ceil_mode=True)
        add(f"{kind}-ceil-rect", kind, (2, 7, 6), kernel_size=[3, 2], stride=[2, 3], ceil_mode=True)
        add(f"{kind}-ceil-dilated-padded", kind, (1, 9, 8), kernel_size=3, stride=3, padding=1, dilation=2, ceil_mode=True)
    # ceil_mode: a window may overhang a too-small input as long as it starts inside it.
    add("int-ceil-kernel-larger-than-input", "int", (1, 2, 4), kernel_size=3, ceil_mode=True)
    add("float-ceil-kernel-larger-than-input-1x1", "float", (2, 1, 1), kernel_size=3, stride=3, ceil_mode=True)
    # All negative values with padding: the padding must never win the max.
    x = -np.arange(1, 26, dtype=np.int64).reshape(1, 5, 5)
    cases.append(_pool_case("max_pool2d", "int-negative-padding-never-wins", "int", x,
                            kernel_size=3, stride=2, padding=1))
    for i in range(30):
        kind = "int" if i % 2 == 0 else "float"
        kernel = [int(rng.integers(1, 5)), int(rng.integers(1, 5))]
        kwargs: dict[str, Any] = {"kernel_size": kernel}
        if rng.random() < 0.7:
            kwargs["stride"] = [int(rng.integers(1, 4)), int(rng.integers(1, 4))]
        kwargs["padding"] = [int(rng.integers(0, kernel[0] // 2 + 1)), int(rng.integers(0, kernel[1] // 2 + 1))]
        kwargs["dilation"] = [int(rng.integers(1, 3)), int(rng.integers(1, 3))]
        kwargs["ceil_mode"] = bool(rng.random() < 0.5)
        shape = (int(rng.integers(1, 3)), int(rng.integers(2, 10)), int(rng.integers(2, 10)))
        x = _data(rng, shape, kind)
        targs = {k: _torch_arg(v) for k, v in kwargs.items()}
        if _error(lambda: F.max_pool2d(_t(x)[None], **targs)) is not None:
            continue
        cases.append(_pool_case("max_pool2d", f"random-{i}-{kind}", kind, x, **kwargs))
    return cases


def avg_pool2d_cases(rng: np.random.Generator) -> list[dict]:
    cases = []
    for kind in ("int", "float"):
        for ceil in (False, True):
            for include in (True, False):
                for pad in (0, 1, [1, 0]):
                    x = _data(rng, (2, 5, 6), kind)
                    name = f"{kind}-k3-s2-pad{pad}-ceil{int(ceil)}-include{int(include)}"
                    cases.append(_pool_case("avg_pool2d", name, kind, x, kernel_size=3, stride=2,
                                            padding=pad, ceil_mode=ceil, count_include_pad=include))
        x = _data(rng, (1, 6, 7), kind)
        cases.append(_pool_case("avg_pool2d", f"{kind}-rect-kernel-stride-none", kind, x, kernel_size=[2, 3]))
        x = _data(rng, (1, 5, 5), kind)
        cases.append(_pool_case("avg_pool2d", f"{kind}-ceil-5-k2-s2-p1", kind, x, kernel_size=2, stride=2,
                                padding=1, ceil_mode=True, count_include_pad=True))
    for include in (True, False):
        x = _data(rng, (1, 2, 4), "int")
        cases.append(_pool_case("avg_pool2d", f"int-ceil-kernel-larger-than-input-include{int(include)}", "int",
                                x, kernel_size=3, ceil_mode=True, count_include_pad=include))
    for i in range(24):
        kind = "int" if i % 2 == 0 else "float"
        kernel = [int(rng.integers(1, 5)), int(rng.integers(1, 5))]
        kwargs: dict[str, Any] = {"kernel_size": kernel}
        if rng.random() < 0.7:
            kwargs["stride"] = [int(rng.integers(1, 4)), int(rng.integers(1, 4))]
        kwargs["padding"] = [int(rng.integers(0, kernel[0] // 2 + 1)), int(rng.integers(0, kernel[1] // 2 + 1))]
        kwargs["ceil_mode"] = bool(rng.random() < 0.5)
        kwargs["count_include_pad"] = bool(rng.random() < 0.5)
        shape = (int(rng.integers(1, 3)), int(rng.integers(2, 9)), int(rng.integers(2, 9)))
        x = _data(rng, shape, kind)
        targs = {k: _torch_arg(v) for k, v in kwargs.items()}
        if _error(lambda: F.avg_pool2d(_t(x)[None], **targs)) is not None:
            continue
        cases.append(_pool_case("avg_pool2d", f"random-{i}-{kind}", kind, x, **kwargs))
    return cases


# --------------------------------------------------------------------------- output sizes


def _measured(fn: str, size: Any, kwargs: dict) -> Any:
    h, w = (size, size) if isinstance(size, int) else size
    x = torch.zeros(1, 1, h, w, dtype=torch.float64)
    targs = {k: _torch_arg(v) for k, v in kwargs.items()}
    if fn == "conv2d_output_size":
        kernel = targs.pop("kernel_size")
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        y = F.conv2d(x, torch.zeros(1, 1, kh, kw, dtype=torch.float64), **targs)
    else:
        y = F.max_pool2d(x, **targs)
    return y.shape[2] if isinstance(size, int) else [y.shape[2], y.shape[3]]


def output_size_cases(rng: np.random.Generator) -> list[dict]:
    cases = []

    def add(fn, size, **kwargs):
        cases.append({"fn": fn, "size": size, "kwargs": kwargs, "expected": _measured(fn, size, kwargs)})

    conv, pool = "conv2d_output_size", "pool2d_output_size"
    add(conv, 32, kernel_size=5, stride=1, padding=2)
    add(conv, 150, kernel_size=3)
    add(conv, 224, kernel_size=7, stride=2, padding=3)
    add(conv, 6, kernel_size=3, stride=2)
    add(conv, 7, kernel_size=3, stride=2)
    add(conv, 28, kernel_size=5, padding="same")
    add(conv, 28, kernel_size=4, padding="same")
    add(conv, 28, kernel_size=5, padding="valid")
    add(conv, 32, kernel_size=3, dilation=2)
    add(conv, 5, kernel_size=5)
    add(conv, [9, 7], kernel_size=[3, 2], stride=2, padding=1)
    add(conv, [10, 11], kernel_size=[3, 5], stride=[1, 2], padding=[0, 2], dilation=[2, 1])
    add(conv, [8, 6], kernel_size=[2, 4], padding="same", dilation=[3, 1])
    add(pool, 150, kernel_size=2)
    add(pool, 5, kernel_size=2, stride=2, padding=1, ceil_mode=True)
    add(pool, 5, kernel_size=2, stride=2, ceil_mode=True)
    add(pool, 5, kernel_size=2, stride=2, padding=1)
    add(pool, 112, kernel_size=3, stride=2, padding=1)
    add(pool, 6, kernel_size=3, stride=2, padding=1, ceil_mode=True)
    add(pool, 7, kernel_size=3, stride=2, ceil_mode=True)
    add(pool, 13, kernel_size=3, stride=2, ceil_mode=True)
    add(pool, 10, kernel_size=3, stride=4, padding=1, dilation=2, ceil_mode=True)
    add(pool, [7, 6], kernel_size=[3, 2], stride=[2, 3], ceil_mode=True)
    add(pool, [9, 8], kernel_size=[3, 2], stride=None, padding=[1, 0])
    add(pool, 2, kernel_size=3, ceil_mode=True)
    add(pool, 1, kernel_size=3, stride=3, ceil_mode=True)
    add(pool, [2, 4], kernel_size=3, ceil_mode=True)
    for i in range(40):
        size = [int(rng.integers(1, 20)), int(rng.integers(1, 20))]
        kernel = [int(rng.integers(1, 6)), int(rng.integers(1, 6))]
        stride = [int(rng.integers(1, 5)), int(rng.integers(1, 5))]
        dilation = [int(rng.integers(1, 4)), int(rng.integers(1, 4))]
        if i % 2 == 0:
            fn = conv
            padding = [int(rng.integers(0, 4)), int(rng.integers(0, 4))]
            kwargs = {"kernel_size": kernel, "stride": stride, "padding": padding, "dilation": dilation}
        else:
            fn = pool
            padding = [int(rng.integers(0, kernel[0] // 2 + 1)), int(rng.integers(0, kernel[1] // 2 + 1))]
            kwargs = {"kernel_size": kernel, "stride": stride, "padding": padding, "dilation": dilation,
                      "ceil_mode": bool(rng.random() < 0.6)}
        if _error(lambda: _measured(fn, size, kwargs)) is not None:
            continue
        add(fn, size, **kwargs)
    return cases


# --------------------------------------------------------------------------- writing


_render = render_cases


def build() -> dict[str, str]:
    """All golden files as ``{file name: text}``."""
    files: dict[str, tuple[list[dict], int | None]] = {
        "conv2d.json": (conv2d_cases(np.random.default_rng(SEED + 1)), SEED + 1),
        "max_pool2d.json": (max_pool2d_cases(np.random.default_rng(SEED + 2)), SEED + 2),
        "avg_pool2d.json": (avg_pool2d_cases(np.random.default_rng(SEED + 3)), SEED + 3),
        "output_size.json": (output_size_cases(np.random.default_rng(SEED + 4)), SEED + 4),
        "params.json": (params_cases(), None),
        "activations.json": (activation_cases(np.random.default_rng(SEED + 5)), SEED + 5),
        "errors.json": (error_cases(), None),
        # Contract 1b (tools/goldens_course.py) and the shipped networks (tools/goldens_networks.py).
        "conv_transpose2d.json": (conv_transpose2d_cases(np.random.default_rng(SEED + 6)), SEED + 6),
        "conv2d_backward.json": (conv2d_backward_cases(np.random.default_rng(SEED + 7)), SEED + 7),
        "pool_backward.json": (pool_backward_cases(np.random.default_rng(SEED + 8)), SEED + 8),
        "macs.json": (macs_cases(), None),
        "networks.json": (network_cases(), None),
    }
    # Transposed-convolution sizes join the other output sizes (their own seed).
    files["output_size.json"][0].extend(conv_transpose2d_size_cases(np.random.default_rng(SEED + 9)))
    return {name: _render(name, cases, seed) for name, (cases, seed) in files.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file would change")
    parser.add_argument("--only", nargs="+", metavar="FILE", help="write or check only these files (e.g. macs.json)")
    args = parser.parse_args(argv)
    texts = build()
    if args.only:
        unknown = sorted(set(args.only) - set(texts))
        if unknown:
            parser.error(f"unknown golden file(s): {', '.join(unknown)} (known: {', '.join(texts)})")
        texts = {name: text for name, text in texts.items() if name in args.only}
    changed = [n for n, t in texts.items() if not (args.out / n).exists() or (args.out / n).read_text() != t]
    if args.check:
        for name in changed:
            print(f"{args.out / name}: would change", file=sys.stderr)
        return 1 if changed else 0
    from cnnquiz.atomic import write_text

    total = 0
    for name, text in texts.items():
        write_text(args.out / name, text)
        total += len(text.encode())
        print(f"{args.out / name}: {text.count(chr(10)) - 2} cases, {len(text.encode()) / 1024:.1f} KiB")
    print(f"total {total / 1024:.1f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
