"""Every solver op against PyTorch, side by side: a matrix of time ratios (issue 11).

Run by hand (not part of the test suite). PyTorch is optional: without it the torch
column says why and only cnnquiz is timed. For the comparison use the torch venv (see
tools/make_goldens.py), and on machines that set OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
(an older, slower OpenBLAS kernel for numpy) unset both for this command only::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /tmp/torchenv/bin/python bench/bench_ops.py
    ... bench/bench_ops.py --filter pool --rounds 31

Method
    One thread on both sides (OPENBLAS/OMP/MKL_NUM_THREADS=1 before numpy loads,
    threadpoolctl when present, ``torch.set_num_threads(1)``), float64. Both sides take
    numpy arrays and return numpy arrays (torch pays ``from_numpy`` / ``.numpy()``, as a
    caller of ours would). Each round times a batch of calls of one side, then of the
    other (alternating which goes first), so both see the same machine load; the
    reported times are medians over rounds and the ratio is the median of the
    per-round ratios. The clock is this thread's CPU time by default (``--clock cpu``):
    on a machine shared by many processes, wall time mostly measures who else got the
    cores (the same code varied 5x between runs here); CPU time still counts page
    faults and cache misses. ``--clock wall`` for an idle machine. Results are checked
    equal before timing.
    Gradients on the torch side are the ATen backward kernels autograd calls (max-pool's
    includes the forward pass that finds the indices, as ours must).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads OpenBLAS

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402

from cnnquiz import solver  # noqa: E402

try:
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    _NO_TORCH = ""
except ImportError as error:  # pragma: no cover - torch is optional
    torch = F = None  # type: ignore[assignment]
    _NO_TORCH = f"torch rows skipped: {error}"

try:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
except ImportError:  # pragma: no cover
    pass

_TARGET_SECONDS = 0.02  # per side per round
_NO_GOAL = float("nan")  # rows issue 11 sets no target for (reported all the same)


@dataclass
class Row:
    """One benchmark case: the same computation in cnnquiz and in torch."""

    op: str
    case: str
    ours: Callable[[], Any]
    torch: Callable[[], Any] | None
    goal: float  # the target ratio


def _t(a: np.ndarray):
    return torch.from_numpy(a)


def _rows() -> list[Row]:  # noqa: C901 - one flat table of cases
    rng = np.random.default_rng(0)
    have = torch is not None
    rows: list[Row] = []

    def add(op: str, case: str, ours: Callable[[], Any], theirs: Callable[[], Any] | None, goal: float) -> None:
        rows.append(Row(op, case, ours, theirs if have else None, goal))

    # --- pooling (issue 11: <= 1.0x)
    for c, n in ((16, 56), (64, 112)):
        x = rng.standard_normal((c, n, n))
        add("max_pool2d", f"{c}x{n}x{n} k2", lambda x=x: solver.max_pool2d(x, 2),
            lambda x=x: F.max_pool2d(_t(x), 2).numpy(), 1.0)
        add("max_pool2d", f"{c}x{n}x{n} k3 s2 p1 ceil", lambda x=x: solver.max_pool2d(x, 3, 2, 1, ceil_mode=True),
            lambda x=x: F.max_pool2d(_t(x), 3, 2, 1, ceil_mode=True).numpy(), 1.0)
        add("avg_pool2d", f"{c}x{n}x{n} k2", lambda x=x: solver.avg_pool2d(x, 2),
            lambda x=x: F.avg_pool2d(_t(x), 2).numpy(), 1.0)
        add("avg_pool2d", f"{c}x{n}x{n} k3 s2 p1 no-pad-count",
            lambda x=x: solver.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
            lambda x=x: F.avg_pool2d(_t(x), 3, 2, 1, count_include_pad=False).numpy(), 1.0)
    small = rng.standard_normal((2, 5, 7))
    # Grading-sized calls: Python call overhead against torch's C++ dispatch (no goal in the issue).
    add("max_pool2d", "grading 2x5x7 k3 s2", lambda: solver.max_pool2d(small, 3, 2),
        lambda: F.max_pool2d(_t(small), 3, 2).numpy(), _NO_GOAL)
    add("avg_pool2d", "grading 2x5x7 k3 s2 p1", lambda: solver.avg_pool2d(small, 3, 2, 1),
        lambda: F.avg_pool2d(_t(small), 3, 2, 1).numpy(), _NO_GOAL)

    # --- activations
    big = rng.standard_normal(1_000_000) * 10
    logits = rng.standard_normal(1000) * 5
    add("relu", "1e6", lambda: solver.relu(big), lambda: torch.relu(_t(big)).numpy(), _NO_GOAL)
    add("sigmoid", "1e6", lambda: solver.sigmoid(big), lambda: torch.sigmoid(_t(big)).numpy(), 1.0)
    add("softmax", "1000", lambda: solver.softmax(logits), lambda: torch.softmax(_t(logits), -1).numpy(), 2.0)

    # --- conv2d (stay <= 1.0x)
    conv_cases = {
        "large 3x224x224 64x3x3 p1": ((3, 224, 224), (64, 3, 3, 3), {"padding": 1}),
        "mid 64x56x56 64x3x3 p1": ((64, 56, 56), (64, 64, 3, 3), {"padding": 1}),
        "strided 32x56x56 64x3x3 s2 p1": ((32, 56, 56), (64, 32, 3, 3), {"stride": 2, "padding": 1}),
        "dilated 16x56x56 16x3x3 d2 p2": ((16, 56, 56), (16, 16, 3, 3), {"padding": 2, "dilation": 2}),
        "depthwise 64x56x56 g64 3x3 p1": ((64, 56, 56), (64, 1, 3, 3), {"padding": 1, "groups": 64}),
        "1x1 64x56x56 -> 128": ((64, 56, 56), (128, 64, 1, 1), {}),
        "grading 3x9x7 4x3x2 s2 p1": ((3, 9, 7), (4, 3, 3, 2), {"stride": 2, "padding": 1}),
    }
    for case, (xs, ws, kw) in conv_cases.items():
        x, w = rng.standard_normal(xs), rng.standard_normal(ws)
        add("conv2d", case, lambda x=x, w=w, kw=kw: solver.conv2d(x, w, **kw),
            lambda x=x, w=w, kw=kw: F.conv2d(_t(x), _t(w), **kw).numpy(), 1.0)

    # --- contract 1b (no goal in issue 11; reported)
    x, w = rng.standard_normal((64, 28, 28)), rng.standard_normal((64, 32, 4, 4))
    add("conv_transpose2d", "64x28x28 -> 32 k4 s2 p1", lambda: solver.conv_transpose2d(x, w, stride=2, padding=1),
        lambda: F.conv_transpose2d(_t(x)[None], _t(w), stride=2, padding=1)[0].numpy(), _NO_GOAL)
    xs, ws = rng.standard_normal((3, 9, 7)), rng.standard_normal((3, 2, 3, 2))
    add("conv_transpose2d", "grading 3x9x7 k3x2 s2", lambda: solver.conv_transpose2d(xs, ws, stride=2),
        lambda: F.conv_transpose2d(_t(xs)[None], _t(ws), stride=2)[0].numpy(), _NO_GOAL)
    x, w = rng.standard_normal((32, 28, 28)), rng.standard_normal((32, 32, 3, 3))
    gy = rng.standard_normal((32, 28, 28))
    add("conv2d_backward", "32x28x28 32x3x3 p1", lambda: solver.conv2d_backward(x, w, gy, padding=1),
        lambda: _torch_conv_backward(x, w, gy),
        _NO_GOAL)
    xp = rng.standard_normal((16, 56, 56))
    gmax = rng.standard_normal(solver.max_pool2d(xp, 3, 2, 1, ceil_mode=True).shape)
    gavg = rng.standard_normal(solver.avg_pool2d(xp, 3, 2, 1).shape)
    add("max_pool2d_backward", "16x56x56 k3 s2 p1 ceil", lambda: solver.max_pool2d_backward(xp, gmax, 3, 2, 1, ceil_mode=True),
        lambda: _torch_max_backward(xp, gmax, 3, 2, 1, True), _NO_GOAL)
    add("avg_pool2d_backward", "16x56x56 k3 s2 p1 no-pad-count",
        lambda: solver.avg_pool2d_backward(xp, gavg, 3, 2, 1, count_include_pad=False),
        lambda: torch.ops.aten.avg_pool2d_backward(_t(gavg), _t(xp), [3, 3], [2, 2], [1, 1], False, False,
                                                   None).numpy(), _NO_GOAL)
    return rows


def _torch_conv_backward(x: np.ndarray, w: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, ...]:
    gx, gw, gb = torch.ops.aten.convolution_backward(_t(g)[None], _t(x)[None], _t(w), [w.shape[0]], [1, 1], [1, 1],
                                                      [1, 1], False, [0, 0], 1, [True, True, True])
    return gx[0].numpy(), gw.numpy(), gb.numpy()


def _torch_max_backward(x: np.ndarray, g: np.ndarray, k: int, s: int, p: int, ceil: bool) -> np.ndarray:
    tx = _t(x)
    _, indices = torch.ops.aten.max_pool2d_with_indices(tx, [k, k], [s, s], [p, p], [1, 1], ceil)
    return torch.ops.aten.max_pool2d_with_indices_backward(_t(g), tx, [k, k], [s, s], [p, p], [1, 1], ceil,
                                                           indices).numpy()


def _check(row: Row) -> None:
    ours, theirs = row.ours(), row.torch()
    if isinstance(ours, tuple):
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, err_msg=f"{row.op} {row.case}")
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9, err_msg=f"{row.op} {row.case}")


def _calls_per_batch(fn: Callable[[], Any]) -> int:
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    return max(1, int(_TARGET_SECONDS / once))


def _interleaved(sides: dict[str, Callable[[], Any]], rounds: int, clock: Callable[[], float]) -> dict[str, list[float]]:
    """Seconds per call of each side in each round; the sides' batches alternate."""
    for fn in sides.values():
        fn()  # warm up (first-call allocations, lazy imports)
    number = {name: _calls_per_batch(fn) for name, fn in sides.items()}
    samples: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            fn, n = sides[name], number[name]
            start = clock()
            for _ in range(n):
                fn()
            samples[name].append((clock() - start) / n)
    return samples


def _format(seconds: float) -> str:
    return f"{seconds * 1e3:9.3f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:9.1f} us"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds per case (median kept)")
    parser.add_argument("--filter", default="", help="only cases whose op or case contains this text")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                        help="this thread's CPU time (default; robust on a shared machine) or wall time")
    args = parser.parse_args(argv)
    clock = time.thread_time if args.clock == "cpu" else time.perf_counter
    rows = [row for row in _rows() if args.filter in f"{row.op} {row.case}"]
    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.1f}, "
          + (f"torch {torch.__version__} ({torch.get_num_threads()} thread)" if torch is not None else _NO_TORCH))
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if var in os.environ:
            print(f"note: {var}={os.environ[var]} is set (numpy runs an older OpenBLAS kernel); unset it to compare")
    print(f"{'op':20s} {'case':34s} {'cnnquiz':>12s} {'torch':>12s} {'ratio':>7s} {'goal':>6s}")
    for row in rows:
        sides = {"ours": row.ours}
        if row.torch is not None:
            _check(row)
            sides["torch"] = row.torch
        samples = _interleaved(sides, args.rounds, clock)
        times = {name: statistics.median(values) for name, values in samples.items()}
        theirs = times.get("torch")
        value = statistics.median(a / b for a, b in zip(samples["ours"], samples["torch"])) if theirs else None
        ratio = f"{value:6.2f}x" if value is not None else f"{'-':>7s}"
        goal = f"<={row.goal:.1f}x" if row.goal == row.goal else f"{'':>6s}"
        mark = " !" if value is not None and row.goal == row.goal and value > row.goal else ""
        print(f"{row.op:20s} {row.case:34s} {_format(times['ours'])} "
              f"{_format(theirs) if theirs else f'{chr(45):>12s}'} {ratio} {goal}{mark}")
    print(f"\nratio = cnnquiz time / torch time, the median of {args.rounds} interleaved rounds' ratios ({args.clock} "
          "clock; below 1: cnnquiz is faster); '!' marks a ratio above the issue's goal."
          + (f"\n{_NO_TORCH}" if _NO_TORCH else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
