"""Hostile submissions: each is survived, gets the right verdict, and costs only itself.

Every run also calls two correct functions (before and after the hostile one) and
checks their raw values, and checks the time bound ``(calls + 1) * (timeout + slack)``.
"""

from __future__ import annotations

import dataclasses

import pytest
from sandbox_helpers import (
    FAST,
    GOOD,
    SLACK_S,
    assert_good,
    every_level,
    leftover_processes,
    make_submission,
    new_marker,
    run,
)

from cnnquiz.grading.sandbox import ArrayArg, Call, CallStatus, Limits, run_submission



@pytest.mark.parametrize("level", every_level())
def test_correct_submission_returns_raw_values_in_one_process(tmp_path, level):
    folder = make_submission(tmp_path, "good", "")
    result = run(folder, [], level)
    assert result.import_status is CallStatus.OK
    assert_good(result.outcomes)
    assert result.restarts == 0 and result.forbidden_imports == []


@pytest.mark.parametrize("level", every_level())
def test_exit_inside_a_call_costs_only_that_call(tmp_path, level):
    folder = make_submission(tmp_path, "exits", """
        import os, sys
        def hard_exit():
            os._exit(7)
        def soft_exit():
            sys.exit(3)
        def raise_system_exit():
            raise SystemExit("bye")
    """)
    result = run(folder, [Call("hard_exit"), Call("soft_exit"), Call("raise_system_exit")], level)
    hard, soft, raised = result.outcomes[1:4]
    assert hard.status is CallStatus.CRASHED and "status 7" in hard.message
    assert soft.status is CallStatus.CRASHED and "sys.exit(3)" in soft.message
    assert raised.status is CallStatus.CRASHED
    assert_good(result.outcomes)
    assert result.restarts == 1  # only os._exit killed the process


@pytest.mark.parametrize("level", every_level())
@pytest.mark.parametrize("how", ["import os; os._exit(0)", "import sys; sys.exit(1)"])
def test_exit_at_import_marks_every_call_crashed(tmp_path, level, how):
    folder = make_submission(tmp_path, "exit_import", how + "\n")
    result = run(folder, [Call("relu")], level)
    assert result.import_status is CallStatus.CRASHED
    assert [o.status for o in result.outcomes] == [CallStatus.CRASHED] * 3


@pytest.mark.parametrize("level", every_level())
def test_segfault_and_c_stack_overflow_are_crashes(tmp_path, level):
    folder = make_submission(tmp_path, "segv", """
        import ctypes, sys
        def segfault():
            ctypes.string_at(0)
        def c_stack():
            sys.setrecursionlimit(10 ** 8)
            left, right = [], []
            for _ in range(300_000):
                left, right = [left], [right]
            return int(left == right)  # recursion in C, far past the 8 MiB stack
    """)
    result = run(folder, [Call("segfault"), Call("c_stack")], level, limits=Limits(call_timeout_s=3.0))
    segv, stack = result.outcomes[1:3]
    assert segv.status is CallStatus.CRASHED and "SIGSEGV" in segv.message
    assert stack.status is CallStatus.CRASHED
    assert_good(result.outcomes)


@pytest.mark.parametrize("level", every_level())
def test_hangs_time_out_even_when_sigterm_is_ignored(tmp_path, level):
    marker = new_marker()
    folder = make_submission(tmp_path, "hang", f"""
        import signal, time, subprocess, sys
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        def spin():
            while True:
                pass
        def sleep_forever():
            subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(15, 1); time.sleep(1000)", "{marker}"])
            time.sleep(1000)
    """)
    result = run(folder, [Call("spin"), Call("sleep_forever")], level)
    spin, sleep = result.outcomes[1:3]
    assert spin.status is CallStatus.TIMEOUT and sleep.status is CallStatus.TIMEOUT
    assert FAST.call_timeout_s <= spin.seconds < FAST.call_timeout_s + 0.5
    assert_good(result.outcomes)
    assert leftover_processes(marker) == []


@pytest.mark.parametrize("level", every_level())
def test_hang_at_import_times_out_once(tmp_path, level):
    folder = make_submission(tmp_path, "hang_import", "import time\ntime.sleep(1000)\n")
    result = run(folder, [Call("relu")], level)
    assert result.import_status is CallStatus.TIMEOUT
    assert [o.status for o in result.outcomes] == [CallStatus.TIMEOUT] * 3
    assert result.seconds < FAST.call_timeout_s + 1.5


@pytest.mark.parametrize("level", every_level())
def test_closed_stdio_and_fake_scores_change_nothing(tmp_path, level):
    folder = make_submission(tmp_path, "stdio", """
        import os, sys
        print('{"score": 100, "max_score": 100}')
        print('{"k": "call", "i": 0, "s": "ok", "v": 999, "m": ""}')
        sys.stdout.flush()
        def close_everything():
            print('{"k": "call", "i": 2, "s": "ok", "v": 12345, "m": ""}', flush=True)
            sys.stdout.close()
            os.close(1)
            os.close(2)
            os.close(0)
            return 5
    """)
    result = run(folder, [Call("close_everything")], level)
    assert result.outcomes[1].status is CallStatus.OK and result.outcomes[1].value == 5
    assert_good(result.outcomes)
    assert '{"score": 100' in result.stdout_tail  # captured for humans, never parsed


@pytest.mark.parametrize("level", every_level())
def test_forged_result_channel_is_a_bad_output_for_that_call_only(tmp_path, level):
    folder = make_submission(tmp_path, "forge", """
        import os
        def forge():
            for fd in map(int, os.listdir("/proc/self/fd")):
                if fd > 2:
                    try:
                        os.write(fd, b'{"k": "call", "i": 99, "s": "ok", "v": 1}\\n{"score": 100}\\n')
                    except OSError:
                        pass
            return 1
    """)
    result = run(folder, [Call("forge")], level)
    assert result.outcomes[1].status in (CallStatus.BAD_OUTPUT, CallStatus.OK)
    assert result.outcomes[1].value in (None, 1)
    assert_good(result.outcomes)


@pytest.mark.parametrize("level", every_level())
def test_lying_objects_are_bad_output_and_never_run_in_the_parent(tmp_path, level, host_marker):
    folder = make_submission(tmp_path, "liars", f"""
        import numpy as np
        class AlwaysEqual:
            def __eq__(self, other):
                return True
            def __float__(self):
                return 32.0
        class Reducer:
            def __reduce__(self):
                return (open, ("/tmp/{host_marker}", "w"))
        class Sneaky(float):
            pass
        def always_equal():
            return AlwaysEqual()
        def reducer():
            return [Reducer()]
        def float_subclass():
            return Sneaky(32.0)
        def object_array():
            return np.array([AlwaysEqual(), 1], dtype=object)
        def boolean():
            return True
        def too_big():
            return np.zeros(10 ** 7)
        def nested_forever():
            x = []
            x.append(x)
            return x
        def not_finite():
            return [float("nan"), float("inf"), np.float32(1.5), np.int64(3)]
    """)
    names = ["always_equal", "reducer", "float_subclass", "object_array", "boolean", "too_big", "nested_forever"]
    result = run(folder, [Call(n) for n in names] + [Call("not_finite")], level,
                 limits=Limits(call_timeout_s=2.0, result_bytes=1 << 20))
    for outcome in result.outcomes[1:-2]:
        assert outcome.status is CallStatus.BAD_OUTPUT, outcome
        assert outcome.value is None
    finite = result.outcomes[-2]
    assert finite.status is CallStatus.OK
    assert finite.value[0] != finite.value[0] and finite.value[1:] == [float("inf"), 1.5, 3]
    assert type(finite.value[3]) is int
    assert_good(result.outcomes)
    import os

    assert not os.path.exists(f"/tmp/{host_marker}")


@pytest.mark.parametrize("level", every_level())
def test_errors_name_the_exception_and_the_students_line(tmp_path, level):
    folder = make_submission(tmp_path, "errors", """
        def broken(x):
            raise ValueError(f"kernel too big: {x}")
        not_a_function = 3
    """)
    result = run(folder, [Call("broken", (7,)), Call("not_a_function"), Call("absent")], level)
    broken, attribute, absent = result.outcomes[1:4]
    assert broken.status is CallStatus.ERROR
    assert broken.message.startswith("ValueError: kernel too big: 7 (cnn.py, line ")
    assert attribute.status is CallStatus.MISSING and absent.status is CallStatus.MISSING
    assert_good(result.outcomes)
    assert result.restarts == 0


@pytest.mark.parametrize("level", every_level())
def test_import_error_and_missing_module(tmp_path, level):
    broken = make_submission(tmp_path, "broken", "raise RuntimeError('no')\n")
    result = run(broken, [], level)
    assert result.import_status is CallStatus.ERROR
    assert "RuntimeError: no (cnn.py, line" in result.import_message
    assert {o.status for o in result.outcomes} == {CallStatus.ERROR}

    empty = tmp_path / "empty"
    empty.mkdir()
    result = run(empty, [], level)
    assert result.import_status is CallStatus.MISSING
    assert {o.status for o in result.outcomes} == {CallStatus.MISSING}


@pytest.mark.parametrize("level", every_level())
def test_memory_hog_crashes_that_call_only(tmp_path, level):
    folder = make_submission(tmp_path, "hog", """
        import numpy as np
        def hog():
            blocks = []
            while True:
                blocks.append(np.ones(50_000_000))
        def python_hog():
            return [0] * (10 ** 10)
    """)
    result = run(folder, [Call("hog"), Call("python_hog")], level, limits=Limits(call_timeout_s=2.0, memory_mb=400))
    for outcome in result.outcomes[1:3]:
        assert outcome.status is CallStatus.CRASHED and "memory" in outcome.message
    assert_good(result.outcomes)


@pytest.mark.parametrize("level", every_level())
def test_output_flood_is_discarded_past_the_cap(tmp_path, level):
    folder = make_submission(tmp_path, "flood", """
        import os, sys
        def flood():
            chunk = b"x" * (1 << 20)
            for _ in range(150):
                os.write(1, chunk)
            sys.stdout.write("y" * 5_000_000)
            return 1
    """)
    limits = Limits(call_timeout_s=3.0, output_bytes=4096)
    result = run(folder, [Call("flood")], level, limits=limits)
    assert result.outcomes[1].status is CallStatus.OK and result.outcomes[1].value == 1
    assert len(result.stdout_tail) < 4096 + 100
    assert "bytes of output discarded" in result.stdout_tail
    assert_good(result.outcomes)


@pytest.mark.parametrize("level", every_level())
def test_fork_bomb_with_setsid_leaves_no_process(tmp_path, level):
    marker = new_marker()
    folder = make_submission(tmp_path, "forks", f"""
        import os, sys, time
        def bomb():
            started = 0
            for i in range(40):
                try:
                    pid = os.fork()
                except OSError:
                    break
                if pid == 0:
                    if i % 2:
                        os.setsid()
                    try:
                        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(1000)", "{marker}"])
                    finally:
                        os._exit(0)
                started += 1
            return started
    """)
    result = run(folder, [Call("bomb")], level, limits=Limits(call_timeout_s=3.0, nproc=12))
    bomb = result.outcomes[1]
    assert bomb.status is CallStatus.OK
    if level.value != "rlimits":
        assert bomb.value < 12  # RLIMIT_NPROC bites under the private uid
    assert_good(result.outcomes)
    assert leftover_processes(marker) == []


@pytest.mark.parametrize("level", every_level())
def test_cpu_limit_backs_up_the_wall_clock(tmp_path, level):
    folder = make_submission(tmp_path, "cpu", """
        def burn():
            while True:
                pass
    """)
    limits = Limits(call_timeout_s=10.0, cpu_s=1.0)
    result = run(folder, [Call("burn")], level, limits=limits)
    burn = result.outcomes[1]
    assert burn.status is CallStatus.TIMEOUT and "CPU" in burn.message, burn
    assert burn.seconds < 8.0  # RLIMIT_CPU counts whole seconds: at most cpu_s + 1 of CPU
    assert_good(result.outcomes)


@pytest.mark.parametrize("level", every_level())
def test_environment_is_scrubbed_and_threads_pinned(tmp_path, level, monkeypatch):
    monkeypatch.setenv("CNNQUIZ_TEST_SECRET", "leak")
    folder = make_submission(tmp_path, "env", """
        import os
        def environment():
            env = dict(os.environ)
            return [int(env.get("HOME") == os.getcwd()), int(env.get("TMPDIR") == os.getcwd()),
                    int(all(env.get(k) == "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"))),
                    int("CNNQUIZ_TEST_SECRET" in env), len(env), int(os.listdir(".") == ["cnn.py"])]
    """)
    result = run(folder, [Call("environment")], level)
    home, tmpdir, threads, secret, count, listing = result.outcomes[1].value
    assert (home, tmpdir, threads, secret, listing) == (1, 1, 1, 0, 1)
    assert count <= 12
    assert_good(result.outcomes)


def test_a_hanging_function_costs_one_time_limit_not_one_per_call(tmp_path):
    folder = make_submission(tmp_path, "hang_relu", GOOD.replace(
        "def relu(x):\n    return np.maximum(x, 0.0)", "def relu(x):\n    while True:\n        pass"))
    calls = [Call("relu", (ArrayArg([[[-1.0, 2.0]]]),)) for _ in range(4)] + [Call("conv2d_output_size", (32, 5, 1, 2))]
    result = run_submission(folder, calls, limits=FAST)
    assert [o.status for o in result.outcomes] == [CallStatus.TIMEOUT] * 4 + [CallStatus.OK]
    assert "not run: an earlier call of relu()" in result.outcomes[1].message
    assert result.outcomes[4].value == 32
    assert result.restarts == 1
    assert result.seconds < 2 * FAST.call_timeout_s + 2 * SLACK_S

    every_call = run_submission(folder, calls, limits=dataclasses.replace(FAST, skip_after_timeout=False))
    assert [o.status for o in every_call.outcomes] == [CallStatus.TIMEOUT] * 4 + [CallStatus.OK]
    assert every_call.restarts == 4
