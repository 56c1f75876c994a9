"""The sandbox's parts, in-process: value conversion, import scan, output tail, limits."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sandbox_helpers import FAST, every_level, leftover_processes, make_submission, new_marker, relu_calls

from cnnquiz.grading.sandbox import Call, CallStatus, Limits, run_submission
from cnnquiz.grading.sandbox.driver import _valid_value
from cnnquiz.grading.sandbox.intake import walk
from cnnquiz.grading.sandbox.scan import forbidden_imports, imported_modules
from cnnquiz.grading.sandbox.scratch import Scratch
from cnnquiz.grading.sandbox.session import OutputTail


@pytest.fixture(scope="module")
def harness():
    module = importlib.import_module("cnnquiz.grading.sandbox.harness")
    module._NUMPY_SCALARS = (np.int64, np.int32, np.float64, np.float32, np.uint8)
    return module


def plain(harness, value, budget=10_000):
    return harness._plain(value, np, [budget, budget])


def test_child_side_modules_import_nothing_of_cnnquiz_and_do_nothing_on_import():
    import ast
    from pathlib import Path

    import cnnquiz.grading.sandbox.confine as confine_module
    import cnnquiz.grading.sandbox.harness as harness_module
    import cnnquiz.grading.sandbox.jail as jail_module

    for module in (harness_module, jail_module, confine_module):
        tree = ast.parse(Path(module.__file__).read_text())
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module}
        assert imported <= {"__future__", "json", "os", "sys", "signal", "ctypes", "resource", "math",
                            "select", "shutil", "time", "types", "importlib", "traceback", "numpy",
                            "platform", "struct"}, imported
        top_level_calls = [node for node in tree.body if isinstance(node, ast.Expr)
                           and isinstance(node.value, ast.Call)]
        assert top_level_calls == []


@pytest.mark.parametrize("value, expected", [
    (3, 3),
    (2.5, 2.5),
    ([1, [2.0, 3]], [1, [2.0, 3]]),
    ((1, 2), [1, 2]),
    (np.arange(4).reshape(2, 2), [[0, 1], [2, 3]]),
    (np.float32(1.5), 1.5),
    (np.int64(7), 7),
    (np.array([1.5], dtype=np.float32), [1.5]),
    (np.ma.masked_array([1.0, 2.0]), [1.0, 2.0]),  # an ndarray subclass: its base data only
])
def test_plain_values_convert(harness, value, expected):
    assert plain(harness, value) == expected


class _Liar:
    def __eq__(self, other):
        return True

    def __float__(self):
        raise AssertionError("must never be called")

    def __reduce__(self):
        raise AssertionError("must never be called")


class _FloatSub(float):
    pass


class _ListSub(list):
    pass


@pytest.mark.parametrize("value", [
    True, np.bool_(True), None, "3", 1 + 2j, _Liar(), [_Liar()], _FloatSub(1.0), _ListSub([1]),
    np.array([_Liar()], dtype=object), np.array([1 + 1j]), np.array(["a"]), {"a": 1}, np.zeros(20_000),
])
def test_anything_else_is_refused_without_running_its_methods(harness, value):
    with pytest.raises(harness._Bad):
        plain(harness, value)


def test_self_referencing_and_shared_lists_are_refused_quickly(harness):
    loop: list = []
    loop.append(loop)
    with pytest.raises(harness._Bad):
        plain(harness, loop)
    wide = [1.0] * 100
    for _ in range(10):
        wide = [wide] * 100  # 100**10 numbers through shared references
    start = time.perf_counter()
    with pytest.raises(harness._Bad):
        plain(harness, wide)
    assert time.perf_counter() - start < 0.5


def test_encoded_results_respect_the_size_cap(harness):
    lines = harness._encode_result(0, np.zeros(10), np, limit=1000)
    assert isinstance(lines, bytes) and lines.endswith(b"\n")
    header, value, _ = lines.split(b"\n")
    assert value == b"[" + b", ".join([b"0.0"] * 10) + b"]" and b'"s": "ok"' in header
    refused = harness._encode_result(0, np.zeros(500), np, limit=1000)
    assert refused["s"] == "bad_output" and refused["m"].startswith("output too large")


def test_parent_revalidates_decoded_values():
    assert _valid_value([1, [2.5, float("nan")]])
    for junk in (True, None, "x", {"a": 1}, [1, [True]]):
        assert not _valid_value(junk)


def test_describe_names_the_students_line(harness):
    try:
        exec(compile("def f():\n    raise ValueError('bad kernel')\nf()\n", "/box/cnn.py", "exec"), {})
    except ValueError as error:
        message = harness._describe(error, "/box")
    assert message == "ValueError: bad kernel (cnn.py, line 2)"


def test_static_scan_finds_forbidden_imports(tmp_path):
    (tmp_path / "cnn.py").write_text("import numpy\nimport torch.nn as nn\n")
    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "util.py").write_text("from cnnquiz.solver import conv2d\nimport importlib\n"
                                                  "importlib.import_module('jax.numpy')\n")
    (tmp_path / "broken.py").write_text("def (:\n")
    assert forbidden_imports(tmp_path, ["cnnquiz", "torch", "jax", "tensorflow"]) == ["cnnquiz", "jax", "torch"]
    assert imported_modules("from . import sibling\nfrom .x import y") == set()


def test_output_tail_keeps_the_end_within_the_cap():
    tail = OutputTail(10)
    for _ in range(1000):
        tail.add(b"0123456789abc")
    text = tail.text()
    assert text.endswith("456789abc"[-9:]) and text.startswith("[... 12990 bytes of output discarded ...]")
    assert len(tail._buffer) <= 20


@pytest.mark.parametrize("field, value", [("call_timeout_s", 0), ("cpu_s", -1), ("memory_mb", 128),
                                          ("nproc", 0), ("output_bytes", 0)])
def test_limits_refuse_nonsense(field, value):
    with pytest.raises(ValueError, match=field):
        Limits(**{field: value})


def test_scratch_copies_regular_files_only(tmp_path):
    source = tmp_path / "student"
    source.mkdir()
    (source / "cnn.py").write_text("x = 1\n")
    (source / "link.py").symlink_to("/etc/passwd")
    (source / "sub").mkdir()
    (source / "sub" / "data.txt").write_text("d")
    (source / "outside").symlink_to(tmp_path)
    scratch = Scratch(walk(source))
    try:
        copied = sorted(str(p.relative_to(scratch.work)) for p in scratch.work.rglob("*"))
        assert copied == ["cnn.py", "sub", "sub/data.txt"]
        assert sorted(scratch.skipped) == ["link.py", "outside"]
    finally:
        scratch.remove()
    assert not scratch.root.exists()


def test_concurrent_sandboxes_do_not_share_the_process_limit(tmp_path):
    """A fork bomb in one submission does not starve another graded at the same time."""
    bomb = make_submission(tmp_path, "bomb", """
        import os, time
        def bomb():
            count = 0
            for _ in range(64):
                try:
                    if os.fork() == 0:
                        time.sleep(30)
                        os._exit(0)
                    count += 1
                except OSError:
                    break
            time.sleep(1.0)
            return count
    """)
    good = make_submission(tmp_path, "good", "")
    limits = Limits(call_timeout_s=3.0, nproc=10)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(run_submission, bomb, [Call("bomb")], limits=limits)
        time.sleep(0.3)
        later = [pool.submit(run_submission, good, relu_calls(), limits=limits) for _ in range(3)]
        results = [first.result()] + [f.result() for f in later]
    assert results[0].outcomes[0].status is CallStatus.OK
    for result in results[1:]:
        assert [o.status for o in result.outcomes] == [CallStatus.OK, CallStatus.OK]


@pytest.mark.parametrize("level", every_level())
def test_killing_the_grader_kills_the_sandbox(tmp_path, level):
    """A grader that dies mid-run (SIGKILL) leaves no student process behind."""
    marker = new_marker()
    folder = make_submission(tmp_path, "orphan", f"""
        import os, sys, time
        def linger():
            if os.fork() == 0:
                os.setsid()
                os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(1000)", "{marker}"])
            time.sleep(1000)
    """)
    script = (f"from pathlib import Path\nfrom cnnquiz.grading.sandbox import *\n"
              f"run_submission(Path({str(folder)!r}), [Call('linger')], isolation=IsolationLevel({level.value!r}),"
              f" limits=Limits(call_timeout_s=60))\n")
    scratch_parent = tmp_path / "tmp"  # the killed grader cannot remove its scratch copy; pytest will
    scratch_parent.mkdir()
    grader = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "TMPDIR": str(scratch_parent)})
    deadline = time.monotonic() + 10
    while not leftover_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert leftover_processes(marker), "the sandbox did not start"
    grader.kill()
    grader.wait()
    deadline = time.monotonic() + 3
    while leftover_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert leftover_processes(marker) == []


def test_timing_of_a_clean_submission_is_small(tmp_path):
    folder = make_submission(tmp_path, "quick", "")
    calls = relu_calls() * 12
    run_submission(folder, calls, limits=FAST)  # warm the page cache
    result = run_submission(folder, calls, limits=FAST)
    assert result.seconds < 1.0 and result.restarts == 0
    assert all(o.status is CallStatus.OK for o in result.outcomes)


def test_grader_mistakes_are_grading_errors(tmp_path):
    from cnnquiz.errors import GradingError
    from cnnquiz.grading.sandbox import ArrayArg

    folder = make_submission(tmp_path, "fine", "")
    with pytest.raises(GradingError, match="submission folder not found"):
        run_submission(tmp_path / "nobody", [])
    with pytest.raises(GradingError, match=r"calls\[0\] \(relu\): inputs must be numbers"):
        run_submission(folder, [Call("relu", (ArrayArg([["a"]]),))])
    with pytest.raises(GradingError, match=r"calls\[1\] \(relu\): inputs must be numbers"):
        run_submission(folder, [Call("relu"), Call("relu", ({1, 2},))])
    with pytest.raises(GradingError, match="module must be a Python identifier"):
        run_submission(folder, [], module="../cnn")
