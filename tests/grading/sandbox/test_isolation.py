"""What the isolated levels (bwrap, unshare) promise beyond limits: files, uid, network.

The rlimits level promises none of this, so these tests do not run it.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest
from sandbox_helpers import assert_good, isolated_levels, make_submission, run

import cnnquiz
from cnnquiz.errors import CnnquizError
from cnnquiz.grading.sandbox import Call, CallStatus, IsolationLevel, Limits, detect_isolation
from cnnquiz.grading.sandbox import detect
from cnnquiz.grading.sandbox import layout as layout_module


def test_detect_isolation_picks_bubblewrap_here():
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    assert detect_isolation() is IsolationLevel.BWRAP
    assert detect_isolation(IsolationLevel.RLIMITS) is IsolationLevel.RLIMITS


def test_an_unavailable_preferred_level_is_an_error(monkeypatch):
    monkeypatch.setitem(detect._why_not, IsolationLevel.UNSHARE, "no unshare in this test")
    with pytest.raises(CnnquizError, match="'unshare' is not available"):
        detect_isolation(IsolationLevel.UNSHARE)


@pytest.mark.parametrize("level", isolated_levels())
def test_writes_outside_the_scratch_copy_fail(tmp_path, level, submissions, host_marker):
    home = os.path.expanduser("~")
    targets = [f"/tmp/{host_marker}", f"/var/tmp/{host_marker}", f"/dev/shm/{host_marker}",
               f"{home}/{host_marker}", f"{submissions}/{host_marker}", f"{submissions}/alice/{host_marker}",
               f"{Path(cnnquiz.__file__).parent}/{host_marker}", f"/{host_marker}", f"/usr/{host_marker}"]
    folder = make_submission(submissions, "mallory", f"""
        import os
        TARGETS = {targets!r}
        def write_everywhere():
            written = []
            for path in TARGETS:
                try:
                    with open(path, "w") as handle:
                        handle.write("pwned")
                    written.append(path)
                except OSError:
                    pass
            return len(written)
        def write_home_and_cwd():
            with open(os.path.join(os.path.expanduser("~"), "notes.txt"), "w") as handle:
                handle.write("mine")
            with open("local.txt", "w") as handle:
                handle.write("mine")
            return 1
    """)
    result = run(folder, [Call("write_everywhere"), Call("write_home_and_cwd")], level)
    assert result.outcomes[1].value == 0, result.outcomes[1]
    assert result.outcomes[2].value == 1  # the scratch copy (its HOME) is writable
    assert_good(result.outcomes)
    for path in targets:
        assert not os.path.exists(path), path
    assert sorted(p.name for p in folder.iterdir()) == ["cnn.py"]  # the original is untouched


@pytest.mark.parametrize("level", isolated_levels())
def test_other_submissions_and_the_reference_cannot_be_read(tmp_path, level, submissions):
    package = Path(cnnquiz.__file__).resolve().parent
    folder = make_submission(submissions, "mallory", f"""
        import os
        def read_alice():
            try:
                return len(open({str(submissions / "alice" / "cnn.py")!r}).read())
            except OSError:
                return -1
        def list_submissions():
            try:
                return len(os.listdir({str(submissions)!r}))
            except OSError:
                return -1
        def read_reference():
            try:
                return len(open({str(package / "solver" / "ops.py")!r}).read())
            except OSError:
                return -1
        def import_reference():
            import cnnquiz.solver
            return 1
    """)
    calls = [Call("read_alice"), Call("list_submissions"), Call("read_reference"), Call("import_reference")]
    result = run(folder, calls, level)
    alice, listing, source, imported = result.outcomes[1:5]
    assert alice.value == -1 and source.value == -1
    assert listing.value in (-1, 0)
    assert imported.status is CallStatus.ERROR and "not allowed" in imported.message
    assert result.forbidden_imports == ["cnnquiz"]
    assert_good(result.outcomes)


@pytest.mark.parametrize("level", isolated_levels())
def test_student_runs_as_a_private_uid_without_capabilities(tmp_path, level):
    folder = make_submission(tmp_path, "whoami", """
        import os, subprocess
        def uid():
            return os.getuid()
        def capabilities():
            status = open("/proc/self/status").read()
            return int(status.split("CapEff:")[1].split()[0], 16)
        def remount():
            done = subprocess.run(["mount", "-o", "remount,rw,bind", "/usr"], capture_output=True)
            try:
                open("/usr/cnnquiz-remount-test", "w")
                return 1
            except OSError:
                return -done.returncode or -1
        def processes():
            return len([p for p in os.listdir("/proc") if p.isdigit()])
    """)
    result = run(folder, [Call("uid"), Call("capabilities"), Call("remount"), Call("processes")], level)
    uid, caps, remount, processes = result.outcomes[1:5]
    if os.geteuid() == 0:
        assert uid.value not in (0, None) and uid.value != os.geteuid()
    assert caps.value == 0
    assert remount.value < 0
    assert processes.value <= 3  # a private PID namespace: init (+ supervisor) and the harness
    assert not os.path.exists("/usr/cnnquiz-remount-test")
    assert_good(result.outcomes)


@pytest.mark.parametrize("level", isolated_levels())
def test_no_network(tmp_path, level):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    folder = make_submission(tmp_path, "net", f"""
        import socket
        def connect():
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=0.3).close()
                return 1
            except OSError:
                return 0
        def interfaces():
            return len(socket.if_nameindex())
    """)
    try:
        result = run(folder, [Call("connect"), Call("interfaces")], level)
    finally:
        server.close()
    assert result.outcomes[1].value == 0
    assert result.outcomes[2].value <= 1  # loopback at most
    assert_good(result.outcomes)


@pytest.mark.parametrize("level", isolated_levels())
def test_process_limit_bites_under_the_private_uid(tmp_path, level):
    folder = make_submission(tmp_path, "nproc", """
        import os, time
        def fork_until_refused():
            children = []
            for _ in range(64):
                try:
                    pid = os.fork()
                except OSError:
                    break
                if pid == 0:
                    time.sleep(30)
                    os._exit(0)
                children.append(pid)
            return len(children)
    """)
    result = run(folder, [Call("fork_until_refused")], level, limits=Limits(call_timeout_s=3.0, nproc=8))
    assert result.outcomes[1].status is CallStatus.OK
    assert 1 <= result.outcomes[1].value < 8
    assert_good(result.outcomes)


@pytest.mark.parametrize("level", isolated_levels())
def test_forbidden_imports_are_reported_even_when_the_hook_is_removed(tmp_path, level):
    folder = make_submission(tmp_path, "cheat", """
        import sys
        try:
            import torch
        except ImportError:
            torch = None
        def dynamic():
            import importlib
            try:
                importlib.import_module("ja" + "x")
            except ImportError:
                return 0
            return 1
        def unhook():
            sys.meta_path[:] = [f for f in sys.meta_path if "Forbidden" not in type(f).__name__]
            try:
                import tensorflow
            except ImportError:
                return 0
            return 1
    """)
    result = run(folder, [Call("dynamic"), Call("unhook")], level)
    assert result.outcomes[1].value == 0 and result.outcomes[2].value == 0
    assert result.forbidden_imports == ["jax", "tensorflow", "torch"]
    assert_good(result.outcomes)


def test_hidden_paths_under_a_mounted_folder_get_covered(tmp_path):
    """The layout covers hidden paths that fall inside a mounted folder (e.g. an installed cnnquiz)."""
    root = layout_module.runtime_paths()[1][0] if layout_module.runtime_paths()[1] else "/usr"
    inside = str(Path(root) / "lib")
    outside = str(tmp_path / "grades")
    (tmp_path / "grades").mkdir()
    ops = layout_module.layout(tmp_path, [inside, outside])
    assert ["tmpfs", inside] in ops
    assert ["tmpfs", outside] not in ops  # not mounted at all: nothing to cover
    assert ["ro", str(tmp_path), layout_module.SOURCE_DIR] in ops  # the copy is only read
    assert ops[-1][:2] == ["workdir", layout_module.WORKDIR]


@pytest.mark.parametrize("level", isolated_levels())
def test_student_files_are_size_capped_and_never_reach_the_host_disk(tmp_path, level):
    folder = make_submission(tmp_path, "filler", """
        import os
        def big_file():
            with open("big.bin", "wb") as handle:
                handle.write(b"x" * (20 << 20))
            return 1
        def fill_disk():
            written = 0
            try:
                for index in range(1000):
                    with open(f"fill{index}.bin", "wb") as handle:
                        for _ in range(4):
                            handle.write(b"x" * (1 << 20))
                            handle.flush()
                            written += 1
            except OSError:
                pass
            return written
    """)
    result = run(folder, [Call("big_file"), Call("fill_disk")], level,
                 limits=Limits(call_timeout_s=3.0, file_size_mb=8))
    big, fill = result.outcomes[1:3]
    assert big.status is CallStatus.ERROR and "File too large" in big.message
    assert fill.status is CallStatus.OK and fill.value <= 40  # MiB: the working directory's cap
    assert_good(result.outcomes)
