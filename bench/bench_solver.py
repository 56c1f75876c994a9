"""Benchmark the solver's conv2d / pooling against PyTorch, side by side, one thread each.

Run by hand (not part of the test suite). PyTorch is optional: without it only the
solver and the naive numpy baselines are timed. For the comparison use the separate
torch venv (see tools/make_goldens.py), and on machines that set OPENBLAS_CORETYPE /
OPENBLAS_L2_SIZE (they pick an older, slower OpenBLAS kernel) unset both for this
command only::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /tmp/torchvenv/bin/python bench/bench_solver.py

Workloads
    (a) one large layer: x 3x224x224 float64, 64 filters 3x3, padding 1 (milliseconds).
    (b) grading-sized calls, thousands of times: conv2d of x 3x9x7 with four 3x2 filters
        and a bias, stride 2, padding 1; max_pool2d of 2x5x7 with kernel 3, stride 2; and
        the two together (microseconds per call).

Each side is timed in alternation, ``--repeat`` rounds, and the best round is kept, so
both see the same machine load. Inputs are numpy arrays and results numpy arrays on
both sides (torch pays ``from_numpy`` / ``.numpy()``, as a caller of ours would).
"""

from __future__ import annotations

import os

# One thread everywhere, set before numpy loads OpenBLAS.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402

from cnnquiz import solver  # noqa: E402

try:
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover - torch is optional
    torch = None  # type: ignore[assignment]

try:
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(1)
except ImportError:  # pragma: no cover
    threadpool_info = None  # type: ignore[assignment]


def _best_per_call(fns: dict[str, Callable[[], Any]], number: int, repeat: int) -> dict[str, float]:
    """Seconds per call of each function: best of ``repeat`` rounds of ``number`` calls,
    the functions alternating within each round."""
    best = {name: float("inf") for name in fns}
    for fn in fns.values():
        fn()  # warm up
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(number):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / number)
    return best


# --------------------------------------------------------------------------- baselines


def naive_conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, stride: int, padding: int) -> np.ndarray:
    """The textbook numpy version: np.pad + sliding_window_view + einsum."""
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    win = np.lib.stride_tricks.sliding_window_view(xp, w.shape[2:], axis=(1, 2))[:, ::stride, ::stride]
    out = np.einsum("chwij,kcij->khw", win, w, optimize=True)
    return out if b is None else out + b[:, None, None]


def im2col_conv2d(x: np.ndarray, w: np.ndarray, padding: int) -> np.ndarray:
    """Plain im2col + one matmul (stride 1)."""
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    win = np.lib.stride_tricks.sliding_window_view(xp, w.shape[2:], axis=(1, 2))  # (C, Ho, Wo, kh, kw)
    c, ho, wo, kh, kw = win.shape
    cols = win.transpose(0, 3, 4, 1, 2).reshape(c * kh * kw, ho * wo)
    return (w.reshape(w.shape[0], -1) @ cols).reshape(-1, ho, wo)


def naive_max_pool2d(x: np.ndarray, k: int, s: int) -> np.ndarray:
    win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))[:, ::s, ::s]
    return win.max(axis=(3, 4))


# --------------------------------------------------------------------------- workloads


def workloads() -> list[dict[str, Any]]:
    rng = np.random.default_rng(0)
    big_x = rng.standard_normal((3, 224, 224))
    big_w = rng.standard_normal((64, 3, 3, 3))
    x = rng.standard_normal((3, 9, 7))
    w = rng.standard_normal((4, 3, 3, 2))
    b = rng.standard_normal(4)
    xi = rng.integers(-9, 10, (3, 9, 7))
    wi = rng.integers(-3, 4, (4, 3, 3, 2))
    bi = rng.integers(-3, 4, 4)
    p = rng.integers(-9, 10, (2, 5, 7)).astype(np.float64)

    def grading() -> np.ndarray:
        solver.conv2d(x, w, b, stride=2, padding=1)
        return solver.max_pool2d(p, 3, stride=2)

    rows: list[dict[str, Any]] = [
        {
            "name": "(a) conv2d 3x224x224, 64 3x3, pad 1", "unit": "ms", "number": 3,
            "ours": lambda: solver.conv2d(big_x, big_w, padding=1),
            "baselines": {"im2col+matmul": lambda: im2col_conv2d(big_x, big_w, 1),
                          "einsum": lambda: naive_conv2d(big_x, big_w, None, 1, 1)},
        },
        {
            "name": "(b) conv2d 3x9x7, 4 3x2, s2 p1, bias", "unit": "us", "number": 400,
            "ours": lambda: solver.conv2d(x, w, b, stride=2, padding=1),
            "baselines": {"np.pad+swv+einsum": lambda: naive_conv2d(x, w, b, 2, 1)},
        },
        {
            "name": "(b) conv2d, integer arrays", "unit": "us", "number": 400,
            "ours": lambda: solver.conv2d(xi, wi, bi, stride=2, padding=1),
            "baselines": {},
        },
        {
            "name": "(b) max_pool2d 2x5x7, k3 s2", "unit": "us", "number": 400,
            "ours": lambda: solver.max_pool2d(p, 3, stride=2),
            "baselines": {"swv+max": lambda: naive_max_pool2d(p, 3, 2)},
        },
        {
            "name": "(b) grading call: conv2d + max_pool2d", "unit": "us", "number": 400,
            "ours": grading,
            "baselines": {"naive": lambda: (naive_conv2d(x, w, b, 2, 1), naive_max_pool2d(p, 3, 2))[1]},
        },
    ]
    if torch is not None:
        t = torch.from_numpy
        tx, tw, tb, tp = t(x), t(w), t(b), t(p)
        txi, twi, tbi = t(xi).double(), t(wi).double(), t(bi).double()
        rows[0]["torch"] = lambda: F.conv2d(t(big_x), t(big_w), padding=1).numpy()
        rows[1]["torch"] = lambda: F.conv2d(t(x), t(w), t(b), stride=2, padding=1).numpy()
        # torch has no integer conv2d on the CPU: it converts, as a caller would.
        rows[2]["torch"] = lambda: F.conv2d(t(xi).double(), t(wi).double(), t(bi).double(), stride=2,
                                            padding=1).long().numpy()
        rows[3]["torch"] = lambda: F.max_pool2d(t(p), 3, stride=2).numpy()
        rows[4]["torch"] = lambda: (F.conv2d(t(x), t(w), t(b), stride=2, padding=1).numpy(),
                                    F.max_pool2d(t(p), 3, stride=2).numpy())[1]
        # The same calls on ready-made tensors, without the numpy round trip.
        rows[1]["tensors"] = lambda: F.conv2d(tx, tw, tb, stride=2, padding=1)
        rows[2]["tensors"] = lambda: F.conv2d(txi, twi, tbi, stride=2, padding=1)
        rows[3]["tensors"] = lambda: F.max_pool2d(tp, 3, stride=2)
        rows[4]["tensors"] = lambda: (F.conv2d(tx, tw, tb, stride=2, padding=1), F.max_pool2d(tp, 3, stride=2))
    return rows


def _check(rows: list[dict[str, Any]]) -> None:
    """The two sides must agree before their times mean anything."""
    for row in rows:
        if "torch" in row:
            np.testing.assert_allclose(row["ours"](), row["torch"](), rtol=1e-10, atol=1e-10, err_msg=row["name"])


def _environment() -> str:
    lines = [f"python {platform.python_version()}, numpy {np.__version__}"
             + (f", torch {torch.__version__} ({torch.get_num_threads()} thread)" if torch is not None else
                ", torch not installed (solver and baselines only)")]
    if threadpool_info is not None:
        for pool in threadpool_info():
            lines.append(f"{pool['internal_api']} {pool.get('version')} kernel={pool.get('architecture')} "
                         f"threads={pool['num_threads']} ({os.path.basename(pool['filepath'])})")
    else:
        lines.append(f"threadpoolctl not installed; OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    set_vars = [v for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ]
    if set_vars:
        lines.append(f"note: {', '.join(f'{v}={os.environ[v]}' for v in set_vars)} is set: numpy runs an older "
                     "OpenBLAS kernel; unset both for this command to compare like with like")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=25, help="rounds per workload (best kept)")
    parser.add_argument("--quick", action="store_true", help="fewer calls per round")
    args = parser.parse_args(argv)
    rows = workloads()
    _check(rows)
    print(_environment())
    print()
    header = (f"{'workload':40s} {'cnnquiz':>10s} {'torch':>10s} {'ratio':>6s} {'tensors':>10s} {'ratio':>6s}"
              "   numpy baselines")
    print(header)
    print("-" * (len(header) + 20))
    for row in rows:
        scale = 1e3 if row["unit"] == "ms" else 1e6
        number = max(1, row["number"] // (10 if args.quick else 1))
        sides = {k: row[k] for k in ("ours", "torch", "tensors") if k in row}
        best = _best_per_call({**sides, **row["baselines"]}, number, args.repeat)

        def cell(key: str) -> str:
            return f"{best[key] * scale:7.2f} {row['unit']}" if key in best else f"{'-':>10s}"

        def ratio(key: str) -> str:
            return f"{best['ours'] / best[key]:5.2f}x" if key in best else f"{'-':>6s}"

        base = "  ".join(f"{n} {best[n] * scale:.1f}" for n in row["baselines"])
        print(f"{row['name']:40s} {cell('ours')} {cell('torch')} {ratio('torch')} {cell('tensors')} "
              f"{ratio('tensors')}   {base}")
    print()
    print("ratio = cnnquiz time / torch time (below 1: cnnquiz is faster). 'torch' takes and returns numpy "
          "arrays\n(from_numpy/.numpy(), as a caller of cnnquiz would); 'tensors' is torch on ready-made tensors. "
          f"Best of {args.repeat} alternating rounds per workload.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
