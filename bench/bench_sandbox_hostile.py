"""What hostile submissions cost the grader, now and (optionally) with an older package.

Run through ``python bench/bench_sandbox.py --hostile [--before DIR]``. Each
measurement runs in a fresh grader process (``PYTHONPATH`` picks the package), so
peak RSS is the grader's own (``RUSAGE_SELF``), never the sandbox's:

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

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["compare"]

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


def _child(package_root: Path, job: dict) -> dict:
    env = dict(os.environ, PYTHONPATH=str(package_root))
    done = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(job)], env=env, capture_output=True, text=True,
                          cwd="/", timeout=900)
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1][:120] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _students(tmp: Path) -> tuple[list, list]:
    from bench_sandbox import CNN, _calls

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
        rows: dict[str, dict[str, object]] = {}
        for label, root in trees.items():
            for n, what in ((1_900_000, "flood"), (300_000, "flood-300k"), (250_000, "flood-250k")):
                got = _child(root, {"mode": "flood", "n": n, "folder": str(tmp / "hostile"), "level": "bwrap"})
                rows.setdefault(f"{what}: grader peak RSS MB", {})[label] = got.get("peak_rss_mb", got.get("error"))
                rows.setdefault(f"{what}: seconds", {})[label] = got.get("seconds", got.get("error"))
            got = _child(root, {"mode": "sysv", "folder": str(tmp / "hostile"), "levels": ["bwrap", "unshare", "rlimits"]})
            for level, value in got.get("pinned", {"all": got.get("error")}).items():
                shown = value / 2**20 if isinstance(value, int) else value
                rows.setdefault(f"sysv: MB pinned under 768 MB ({level})", {})[label] = shown
            for what, students in (("honest only", honest), ("honest + 3 hostile", honest + hostile)):
                start = time.monotonic()
                got = _child(root, {"mode": "class", "students": students})
                rows.setdefault(f"class ({what}): seconds", {})[label] = got.get("seconds", got.get("error"))
                rows.setdefault(f"class ({what}): grader peak RSS MB", {})[label] = got.get("peak_rss_mb")
    labels = list(trees)
    print(f"{'measurement':<44}" + "".join(f"{label:>12}" for label in labels) + ("   before/now" if before else ""))
    for key, values in rows.items():
        cells = [values.get(label) for label in labels]
        text = "".join(f"{c:>12.1f}" if isinstance(c, (int, float)) else f"{str(c)[:11]:>12}" for c in cells)
        ratio = ""
        if before and all(isinstance(c, (int, float)) for c in cells) and cells[0]:
            ratio = f"   {cells[1] / cells[0]:.1f}x"
        print(f"{key:<44}{text}{ratio}")
