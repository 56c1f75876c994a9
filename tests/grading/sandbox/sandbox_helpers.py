"""Helpers for the hostile-submission tests: build submissions, run them, scan for leftovers."""

from __future__ import annotations

import os
import secrets
import textwrap
from pathlib import Path

import pytest

from cnnquiz.grading.sandbox import Call, IsolationLevel, Limits, run_submission
from cnnquiz.grading.sandbox.detect import level_available

ALL_LEVELS = [IsolationLevel.BWRAP, IsolationLevel.UNSHARE, IsolationLevel.RLIMITS]
FAST = Limits(call_timeout_s=0.75, cpu_s=1.0)
SLACK_S = 0.6  # start-up of one sandbox process, generously, on a busy 2-core machine

# A tiny correct part every hostile submission carries, to check the other functions survive.
GOOD = '''
import numpy as np

def conv2d_output_size(size, kernel_size, stride=1, padding=0):
    return (size + 2 * padding - kernel_size) // stride + 1

def relu(x):
    return np.maximum(x, 0.0)
'''


def level_params(*levels: IsolationLevel):
    """pytest params for ``levels``; a level this machine cannot run is reported as skipped."""
    return [
        pytest.param(level, id=level.value,
                     marks=pytest.mark.skipif(not _level_works(level), reason=f"{level.value} not available here"))
        for level in levels
    ]


def _level_works(level: IsolationLevel) -> bool:
    try:
        return level_available(level)
    except Exception:  # noqa: BLE001
        return False


def isolated_levels():
    """Levels that promise file-system isolation and a process limit (not plain rlimits)."""
    return level_params(IsolationLevel.BWRAP, IsolationLevel.UNSHARE)


def every_level():
    return level_params(*ALL_LEVELS)


def new_marker() -> str:
    return "cnnquizmark" + secrets.token_hex(6)


def make_submission(root: Path, name: str, source: str, extra: dict[str, str] | None = None) -> Path:
    """``root/name/cnn.py`` holding GOOD plus ``source`` (dedented); returns the folder."""
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "cnn.py").write_text(GOOD + "\n" + textwrap.dedent(source), encoding="utf-8")
    for filename, text in (extra or {}).items():
        (folder / filename).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def relu_calls():
    from cnnquiz.grading.sandbox import ArrayArg

    return [Call("conv2d_output_size", (32, 5), {"padding": 2}), Call("relu", (ArrayArg([[[-1.0, 2.0]]]),))]


def assert_good(outcomes) -> None:
    """The two GOOD calls (first and last of a run built with :func:`run`) returned the right values."""
    from cnnquiz.grading.sandbox import CallStatus

    first, last = outcomes[0], outcomes[-1]
    assert first.status is CallStatus.OK and first.value == 32, first
    assert last.status is CallStatus.OK and last.value == [[[0.0, 2.0]]], last


def run(folder: Path, hostile: list[Call], level: IsolationLevel, limits: Limits = FAST, **kwargs):
    """Run GOOD call, the hostile calls, GOOD call again; check the time bound."""
    calls = [relu_calls()[0], *hostile, relu_calls()[1]]
    result = run_submission(folder, calls, limits=limits, isolation=level, **kwargs)
    bound = (len(calls) + 1) * (limits.call_timeout_s + SLACK_S)
    assert result.seconds <= bound, f"took {result.seconds:.2f} s > bound {bound:.2f} s"
    assert len(result.outcomes) == len(calls)
    assert result.isolation is level
    return result


def leftover_processes(marker: str) -> list[str]:
    """Host processes whose command line or environment mentions ``marker``."""
    found = []
    needle = marker.encode()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        for part in ("cmdline", "environ"):
            try:
                data = Path(f"/proc/{name}/{part}").read_bytes()
            except OSError:
                continue
            if needle in data:
                try:
                    state = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[0]
                except (OSError, IndexError):
                    continue
                if state not in ("Z", "X"):
                    found.append(f"{name}: {data[:120]!r}")
                break
    return found



# ------------------------------------------------------------- the uid level here

_UID_PREFIX = "/mnt/cnnquiz-runtime"


def uid_level_runner_argv() -> list[str] | None:
    """A command prefix that runs Python where the ``uid`` level works on this machine, or ``None``.

    The ``uid`` level needs an interpreter other users can reach; pyenv under a
    mode-700 ``/root`` is not. In a private mount namespace (the grader's, not the
    student's: the level itself still creates none), the same runtime is bound
    under a traversable tmpfs at ``/mnt`` and run from there. Nothing on the host
    changes.
    """
    import shutil
    import sys

    from cnnquiz.grading.sandbox.layout import runtime_paths, runtime_world_accessible

    if runtime_world_accessible():
        return [sys.executable]
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return None
    exe, roots, _ = runtime_paths()
    prefix = os.path.realpath(sys.base_prefix)
    if not exe.startswith(prefix + "/") or any(not r.startswith(prefix) for r in roots):
        return None
    inner = _UID_PREFIX + exe[len(prefix):]
    setup = (f"mount -t tmpfs -o mode=0755,size=1m tmpfs /mnt && mkdir {_UID_PREFIX} && "
             f"mount --bind {prefix} {_UID_PREFIX} && exec {inner} \"$@\"")
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", setup, "sh"]


def run_at_uid_level(script: str, cwd: Path) -> dict:
    """Run ``script`` (Python printing one JSON object last) where the ``uid`` level works."""
    import json
    import subprocess

    argv = uid_level_runner_argv()
    if argv is None:
        pytest.skip("no way to run the uid level here")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[3]))
    done = subprocess.run([*argv, "-c", textwrap.dedent(script)], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
