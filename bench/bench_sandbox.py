"""Benchmark the sandbox: cost per submission at each isolation level (run by hand).

    python bench/bench_sandbox.py [--submissions 20] [--workers 2]
    python bench/bench_sandbox.py --hostile [--before DIR]

A correct submission with 25 small calls (the default assignment's functions on
small arrays) is graded repeatedly, one after another and on a thread pool; the
baseline is a bare ``python -c 'import numpy'`` start-up on this machine.

``--hostile`` measures what hostile submissions cost the grader, side by side
with an older copy of the package when ``--before`` names a folder holding one
(``git archive <commit> cnnquiz | tar -x -C DIR``). Each measurement runs in a
fresh grader process (``PYTHONPATH`` picks the package), so peak RSS is the
grader's own (``RUSAGE_SELF``), never the sandbox's:

- ``flood``: every one of 30 calls returns ~1.9 million empty lists (7.6 MB of
  JSON each, under the byte cap); ``flood-300k`` and ``flood-250k``: 300,000 and
  250,000 per call (just over and just under the per-call element cap, so the
  per-submission cap is what bites): the grader's peak RSS;
- ``sysv``: a background child creates sixteen 100 MB SysV segments and touches
  them under a 768 MB limit: the bytes it pinned, at each level;
- ``class``: wall time of 10 honest submissions alone, then with three hostile
  ones (flood, sysv, an import that sleeps 1 s and 12 calls that crash).
"""

from __future__ import annotations

import argparse
import json
import os
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


_HOSTILE = r'''
import ctypes, os

def flood(n):
    return [[]] * n  # one empty list n times: instant to build, n lists once encoded

def sysv(segments, mb):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    read, write = os.pipe()
    if os.fork() == 0:
        pinned = 0
        for _ in range(segments):
            shmid = libc.shmget(ctypes.c_long(0), ctypes.c_size_t(mb << 20), ctypes.c_int(0o1600))
            if shmid < 0:
                break
            address = libc.shmat(shmid, None, 0)
            if address in (None, ctypes.c_void_p(-1).value):
                break
            ctypes.memset(address, 1, mb << 20)
            libc.shmdt(ctypes.c_void_p(address))
            pinned += mb << 20
        os.write(write, str(pinned).encode())
        os._exit(0)
    os.close(write)
    return int(os.read(read, 64) or b"-1")

def crash():
    os._exit(1)
'''

_SLOW = "import os, time\ntime.sleep(1.0)\n\ndef crash(i):\n    os._exit(1)\n"

_CHILD = r'''
import json, resource, sys, time
from pathlib import Path
from cnnquiz.grading.sandbox import Call, IsolationLevel, Limits, run_submission
job = json.loads(sys.argv[1])
out = {}
if job["mode"] == "flood":
    calls = [Call("flood", (job["n"],)) for _ in range(30)]
    start = time.monotonic()
    result = run_submission(Path(job["folder"]), calls, isolation=IsolationLevel(job["level"]))
    out["seconds"] = time.monotonic() - start
    out["kept"] = sum(o.value is not None for o in result.outcomes)
elif job["mode"] == "sysv":
    levels = {}
    for level in job["levels"]:
        try:
            result = run_submission(Path(job["folder"]), [Call("sysv", (16, 100))], isolation=IsolationLevel(level),
                                    limits=Limits(call_timeout_s=10.0, cpu_s=10.0))
            levels[level] = result.outcomes[0].value
        except Exception as error:
            levels[level] = repr(error)[:80]
    out["pinned"] = levels
elif job["mode"] == "class":
    start = time.monotonic()
    for folder, calls in job["students"]:
        run_submission(Path(folder), [Call(name, tuple(args)) for name, args in calls])
    out["seconds"] = time.monotonic() - start
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
'''


def _segments() -> dict[int, int]:
    """``shmid -> bytes`` of the host's unattached SysV segments (what a dead sandbox left)."""
    found = {}
    for line in Path("/proc/sysvipc/shm").read_text().splitlines()[1:]:
        fields = line.split()
        if fields and fields[6] == "0":
            found[int(fields[1])] = int(fields[3])
    return found


def _remove_segments(shmids) -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for shmid in shmids:
        libc.shmctl(shmid, 0, None)  # IPC_RMID


def _child(package_root: Path, job: dict) -> dict:
    env = dict(os.environ, PYTHONPATH=str(package_root))
    done = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(job)], env=env, capture_output=True, text=True,
                          cwd="/", timeout=900)
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1][:120] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _students(tmp: Path) -> tuple[list, list]:
    honest = []
    calls = [[c.function, [a.data if hasattr(a, "data") else a for a in c.args]] for c in _calls()
             if not c.kwargs and all(not hasattr(a, "data") for a in c.args)]
    for index in range(10):
        folder = tmp / f"honest{index}"
        folder.mkdir()
        (folder / "cnn.py").write_text(CNN)
        honest.append([str(folder), calls])
    (tmp / "slow").mkdir()
    (tmp / "slow" / "cnn.py").write_text(_SLOW)
    hostile = [[str(tmp / "hostile"), [["flood", [300_000]]] * 30],
               [str(tmp / "hostile"), [["sysv", [16, 100]]]],
               [str(tmp / "slow"), [["crash", [i]] for i in range(12)]]]
    return honest, hostile


def compare(before: Path | None) -> None:
    """Print each measurement for the current package and, with ``before``, the older one."""
    here = Path(__file__).resolve().parents[1]
    trees = {"now": here} | ({"before": before.resolve()} if before else {})
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        os.chmod(tmp, 0o755)
        (tmp / "hostile").mkdir()
        (tmp / "hostile" / "cnn.py").write_text(_HOSTILE)
        honest, hostile = _students(tmp)
        segments_at_start = _segments()
        rows: dict[str, dict[str, object]] = {}
        for label, root in trees.items():
            for n, what in ((1_900_000, "flood"), (300_000, "flood-300k"), (250_000, "flood-250k")):
                got = _child(root, {"mode": "flood", "n": n, "folder": str(tmp / "hostile"), "level": "bwrap"})
                rows.setdefault(f"{what}: grader peak RSS MB", {})[label] = got.get("peak_rss_mb", got.get("error"))
                rows.setdefault(f"{what}: seconds", {})[label] = got.get("seconds", got.get("error"))
            before_run = _segments()
            got = _child(root, {"mode": "sysv", "folder": str(tmp / "hostile"), "levels": ["bwrap", "unshare", "rlimits"]})
            left = {k: v for k, v in _segments().items() if k not in before_run}
            rows.setdefault("sysv: MB still pinned after the run (host)", {})[label] = sum(left.values()) / 2**20
            _remove_segments(left)  # the bench's own leftovers: never leave them on the host
            for level, value in got.get("pinned", {"all": got.get("error")}).items():
                shown = value / 2**20 if isinstance(value, int) else value
                rows.setdefault(f"sysv: MB pinned under 768 MB ({level})", {})[label] = shown
            for what, students in (("honest only", honest), ("honest + 3 hostile", honest + hostile)):
                got = _child(root, {"mode": "class", "students": students})
                rows.setdefault(f"class ({what}): seconds", {})[label] = got.get("seconds", got.get("error"))
                rows.setdefault(f"class ({what}): grader peak RSS MB", {})[label] = got.get("peak_rss_mb")
            _remove_segments([k for k in _segments() if k not in segments_at_start])
    labels = list(trees)
    print(f"{'measurement':<44}" + "".join(f"{label:>12}" for label in labels) + ("   before/now" if before else ""))
    for key, values in rows.items():
        cells = [values.get(label) for label in labels]
        text = "".join(f"{c:>12.1f}" if isinstance(c, (int, float)) else f"{str(c)[:11]:>12}" for c in cells)
        ratio = ""
        if before and all(isinstance(c, (int, float)) for c in cells) and cells[0]:
            ratio = f"   {cells[1] / cells[0]:.1f}x"
        print(f"{key:<44}{text}{ratio}")


if __name__ == "__main__":
    main()
