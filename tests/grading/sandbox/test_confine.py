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
from sandbox_helpers import FAST, assert_good, every_level, isolated_levels, leftover_processes, make_submission, run

from cnnquiz.grading.sandbox import Call, CallStatus, IsolationLevel
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


def test_the_filter_jumps_land_on_its_verdicts():
    """Every conditional jump of the BPF program lands inside it, on a return or the flags check."""
    program = _filter_program()
    returns = {index for index, op in enumerate(program) if op[0] == 0x06}
    for index, (code, jt, jf, _) in enumerate(program):
        if code in (0x15, 0x35, 0x45):
            for target in (index + 1 + jt, index + 1 + jf):
                assert target < len(program)
                assert target in returns or program[target][0] == 0x20 or target == index + 1


def test_a_foreign_architecture_is_killed_first():
    program = _filter_program()
    assert program[0] == (0x20, 0, 0, 4)  # load the audit arch
    assert program[2] == (0x06, 0, 0, 0x80000000)  # kill the process when it is not ours
