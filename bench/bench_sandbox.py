"""Benchmark the sandbox: cost per submission at each isolation level (run by hand).

    python bench/bench_sandbox.py [--submissions 20] [--workers 2]
    python bench/bench_sandbox.py --hostile [--before DIR]

A correct submission with 25 small calls (the default assignment's functions on
small arrays) is graded repeatedly, one after another and on a thread pool; the
baseline is a bare ``python -c 'import numpy'`` start-up on this machine.

``--hostile`` measures what hostile submissions cost the grader (see
``bench/bench_sandbox_hostile.py``), side by side with an older copy of the
package when ``--before`` names a folder holding one (``git archive <commit>
cnnquiz | tar -x -C DIR``).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from cnnquiz.grading.sandbox import ArrayArg, Call, CallStatus, IsolationLevel, run_submission
try:
    from cnnquiz.grading.sandbox.detect import level_available as _available
except ImportError:  # an older package (bench_sandbox_hostile runs against one)
    from cnnquiz.grading.sandbox.isolation import _available

CNN = '''
import numpy as np

def conv2d_output_size(size, kernel_size, stride=1, padding=0):
    return (size + 2 * padding - kernel_size) // stride + 1

def conv2d_params(in_channels, out_channels, kernel_size, bias=True):
    return out_channels * in_channels * kernel_size * kernel_size + (out_channels if bias else 0)

def conv2d(x, weight, bias=None, stride=1, padding=0):
    x = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    k, c, kh, kw = weight.shape
    ho = (x.shape[1] - kh) // stride + 1
    wo = (x.shape[2] - kw) // stride + 1
    out = np.zeros((k, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, i, j] = np.tensordot(weight, patch, axes=3)
    if bias is not None:
        out += np.asarray(bias).reshape(-1, 1, 1)
    return out

def max_pool2d(x, kernel_size, stride=None):
    stride = stride or kernel_size
    c, h, w = x.shape
    ho, wo = (h - kernel_size) // stride + 1, (w - kernel_size) // stride + 1
    out = np.empty((c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            out[:, i, j] = x[:, i*stride:i*stride+kernel_size, j*stride:j*stride+kernel_size].max(axis=(1, 2))
    return out

def relu(x):
    return np.maximum(x, 0.0)

def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))

def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()

def crash():
    import os
    os._exit(1)
'''


def _calls() -> list[Call]:
    rng = np.random.default_rng(0)
    calls = []
    for size in (5, 8, 28, 32):
        calls.append(Call("conv2d_output_size", (size, 3), {"stride": 1, "padding": 1}))
        calls.append(Call("conv2d_params", (3, size, 3)))
    for _ in range(5):
        x = rng.normal(size=(2, 6, 5)).round(2).tolist()
        w = rng.normal(size=(3, 2, 3, 2)).round(2).tolist()
        calls.append(Call("conv2d", (ArrayArg(x), ArrayArg(w)), {"padding": 1}))
        calls.append(Call("max_pool2d", (ArrayArg(x), 2)))
    for _ in range(3):
        v = rng.normal(size=(3, 4, 4)).round(2).tolist()
        calls += [Call("relu", (ArrayArg(v),)), Call("sigmoid", (ArrayArg(v),))]
    calls += [Call("softmax", (ArrayArg(rng.normal(size=10).tolist()),)) for _ in range(2)]
    return calls[:25]


def _baseline(repeats: int, *flags: str) -> float:
    """Median wall time of a bare ``python FLAGS -c 'import numpy'`` (site dir added by hand under -S)."""
    site = str(Path(np.__file__).resolve().parent.parent)
    code = f"import sys; sys.path.append({site!r}); import numpy"
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, *flags, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _grade(folder: Path, calls: list[Call], level: IsolationLevel, crash: bool = False) -> float:
    result = run_submission(folder, calls, isolation=level)
    bad = [o for o in result.outcomes if o.status is not CallStatus.OK]
    if len(bad) != int(crash) or result.restarts != int(crash):
        raise SystemExit(f"unexpected outcome at {level.value}: {bad[:2]}")
    return result.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--hostile", action="store_true", help="measure hostile submissions instead")
    parser.add_argument("--before", type=Path, help="with --hostile: a folder holding an older cnnquiz package")
    args = parser.parse_args()
    if args.hostile:
        from bench_sandbox_hostile import compare

        compare(args.before)
        return
    calls = _calls()
    with tempfile.TemporaryDirectory() as tmp:
        folders = []
        for index in range(args.submissions):
            folder = Path(tmp) / f"student{index:03d}"
            folder.mkdir()
            (folder / "cnn.py").write_text(CNN)
            folders.append(folder)
        base = _baseline(9, "-I", "-S")
        print(f"baseline: python -I -S -c 'import numpy' = {base * 1000:.0f} ms, "
              f"python -I -c 'import numpy' (with site) = {_baseline(9, '-I') * 1000:.0f} ms (medians of 9)")
        print(f"{len(calls)} calls per submission, {args.submissions} submissions, {args.workers} workers;"
              " 'crash' = one call calls os._exit (two sandbox processes)\n")
        print(f"{'level':<8} {'serial ms/sub':>14} {'x baseline':>11} {'crash ms/sub':>13} "
              f"{'parallel subs/s':>16} {'ms/sub':>8}")
        for level in (IsolationLevel.BWRAP, IsolationLevel.UNSHARE, IsolationLevel.RLIMITS):
            if not _available(level):
                print(f"{level.value:<8} not available here")
                continue
            _grade(folders[0], calls, level)  # warm-up
            serial = [_grade(f, calls, level) for f in folders]
            per_sub = statistics.median(serial)
            crashing = [_grade(f, calls[:12] + [Call("crash")] + calls[12:], level, crash=True) for f in folders[:10]]
            start = time.perf_counter()
            with ThreadPoolExecutor(args.workers) as pool:
                list(pool.map(lambda f: _grade(f, calls, level), folders))
            wall = time.perf_counter() - start
            rate = len(folders) / wall
            print(f"{level.value:<8} {per_sub * 1000:>14.0f} {per_sub / base:>11.2f} "
                  f"{statistics.median(crashing) * 1000:>13.0f} {rate:>16.1f} {1000 / rate:>8.0f}")


if __name__ == "__main__":
    main()
