"""Memory past the limit through IPC or a private tmpfs is refused at every level.

A background child creating SysV segments pinned 3 GB under a 768 MB limit, and
under bwrap a user namespace let the student mount a tmpfs of its own past the
scratch cap. The seccomp filter of :mod:`cnnquiz.grading.sandbox.confine` refuses
both (and memfds); POSIX shared memory finds no writable ``/dev/shm``. Each test
builds its own hostile submission and checks that nothing is left afterwards.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from hostile_ipc import SOURCE
from sandbox_helpers import assert_good, every_level, isolated_levels, leftover_processes, make_submission, run

from cnnquiz.grading.sandbox import Call, CallStatus
from cnnquiz.grading.sandbox.confine import _filter_program


def _sysv_segments() -> set[str]:
    """Ids of the host's SysV shared-memory segments (the grader's IPC namespace)."""
    lines = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    return {line.split()[1] for line in lines if line.split()}


@pytest.mark.parametrize("level", every_level())
def test_sysv_segments_from_a_background_child_pin_nothing(tmp_path, level, host_marker):
    before = _sysv_segments()
    folder = make_submission(tmp_path, "sysv", SOURCE + f"\n# {host_marker}\n")
    result = run(folder, [Call("sysv_from_background", (40, 100)), Call("sysv_errno")], level)
    pinned, refused = result.outcomes[1], result.outcomes[2]
    assert pinned.status is CallStatus.OK and pinned.value == 0, pinned  # 4 GB tried, under a 768 MB limit
    assert refused.value == errno.EPERM
    assert_good(result.outcomes)
    assert _sysv_segments() <= before
    assert leftover_processes(host_marker) == []


@pytest.mark.parametrize("level", every_level())
def test_no_user_namespace_hence_no_private_tmpfs(tmp_path, level):
    folder = make_submission(tmp_path, "userns", SOURCE)
    result = run(folder, [Call("userns_tmpfs_mb", (200,)), Call("memfd_errno")], level)
    assert result.outcomes[1].value == -errno.EPERM, result.outcomes[1]
    assert result.outcomes[2].value == errno.EPERM, result.outcomes[2]
    assert_good(result.outcomes)


@pytest.mark.parametrize("level", isolated_levels())
def test_posix_shared_memory_has_nowhere_to_go(tmp_path, level, host_marker):
    folder = make_submission(tmp_path, "shm", SOURCE)
    result = run(folder, [Call("posix_shm_errno", (host_marker,))], level)
    assert result.outcomes[1].value in (errno.EROFS, errno.EACCES, errno.ENOENT), result.outcomes[1]
    assert not (Path("/dev/shm") / host_marker).exists()


def _verdict(program, nr: int, arch: int, arg0: int = 0) -> int:
    """Run the classic-BPF program on one ``seccomp_data`` (a plain loop: loads, jumps, returns)."""
    data = {0: nr, 4: arch, 16: arg0 & 0xFFFFFFFF}
    accumulator, pc = 0, 0
    while True:
        code, jt, jf, k = program[pc]
        if code == 0x20:  # ld [k]
            accumulator = data[k]
        elif code == 0x06:  # ret k
            return k
        else:
            taken = {0x15: accumulator == k, 0x35: accumulator >= k, 0x45: bool(accumulator & k)}[code]
            pc += jt if taken else jf
        pc += 1


_X86_64 = 0xC000003E
_ALLOW, _KILL, _EPERM, _ENOSYS = 0x7FFF0000, 0x80000000, 0x00050001, 0x00050026


@pytest.mark.parametrize("nr, arg0, expected", [
    (0, 0, _ALLOW),                      # read
    (56, 17, _ALLOW),                    # clone(SIGCHLD): fork
    (56, 0x003D0F00, _ALLOW),            # clone of a thread (CLONE_VM|CLONE_FS|CLONE_FILES|...)
    (56, 0x10000000 | 17, _EPERM),       # clone(CLONE_NEWUSER)
    (272, 0x00020000, _EPERM),           # unshare(CLONE_NEWNS)
    (272, 0x00000400, _ALLOW),           # unshare(CLONE_FILES): no namespace
    (435, 0, _ENOSYS),                   # clone3: the C library falls back to clone
    (29, 0, _EPERM), (30, 0, _EPERM), (68, 0, _EPERM), (64, 0, _EPERM),  # shmget, shmat, msgget, semget
    (319, 0, _EPERM), (308, 0, _EPERM),  # memfd_create, setns
    (0x40000000 + 29, 0, _EPERM),        # the x32 ABI
])
def test_the_seccomp_filter_gives_these_verdicts_on_x86_64(monkeypatch, nr, arg0, expected):
    import platform

    monkeypatch.setattr(platform, "machine", lambda: "x86_64")
    assert _verdict(_filter_program(), nr, _X86_64, arg0) == expected


def test_a_foreign_architecture_is_killed(monkeypatch):
    import platform

    monkeypatch.setattr(platform, "machine", lambda: "x86_64")
    assert _verdict(_filter_program(), 0, 0x40000003) == _KILL  # i386 on an x86_64 kernel
