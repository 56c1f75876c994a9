"""Private sandbox uids that no two live sandboxes share, whatever the class size.

A uid is leased, not computed: the lease holds an exclusive ``flock`` on a lock
file named after the uid in a root-only folder, so concurrent graders on one
machine (other processes, other threads) never get the same uid while the lease
lives, and the kernel drops the lock when a grader dies. A uid that still has
processes (a crashed grader's leftovers) is skipped too. Each sandbox's cleanup
sweep kills the processes of its own uid only, so it can never hit another
live sandbox.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import threading
from pathlib import Path

from cnnquiz.errors import GradingError
from cnnquiz.grading.sandbox.procs import processes_of_uid

__all__ = ["UidLease", "lease_uid", "UID_BASE", "UID_SPAN"]

UID_BASE = 0x7F000000
"""First private uid: far above real users and the usual subuid ranges."""
UID_SPAN = 1 << 16
"""How many private uids there are (live sandboxes at once on one machine)."""

_live: set[int] = set()
_live_lock = threading.Lock()


def _lock_dir() -> Path:
    """A folder only this user can write, for the lock files (``/run`` when possible)."""
    for base in ("/run", tempfile.gettempdir()):
        folder = Path(base) / f"cnnquiz-uids-{os.geteuid()}"
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            info = folder.lstat()
        except OSError:
            continue
        if info.st_uid == os.geteuid() and not folder.is_symlink() and not info.st_mode & 0o022:
            return folder
    raise GradingError("no private folder for the sandbox uid locks (tried /run and the temp folder)")


class UidLease:
    """A private uid held until :meth:`release` (or the end of a ``with`` block)."""

    def __init__(self, uid: int, fd: int) -> None:
        self.uid = uid
        self._fd = fd

    def release(self) -> None:
        """Give the uid back (idempotent); the lock file stays for the next lease."""
        if self._fd >= 0:
            with _live_lock:
                _live.discard(self.uid)
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> "UidLease":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lease_uid() -> UidLease:
    """Lease the lowest private uid no live sandbox of this machine holds.

    Raises
    ------
    GradingError
        When all :data:`UID_SPAN` uids are in use at once.
    """
    folder = _lock_dir()
    for offset in range(UID_SPAN):
        uid = UID_BASE + offset
        with _live_lock:
            if uid in _live:
                continue
            _live.add(uid)
        fd = os.open(folder / str(uid), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fd = _give_up(uid, fd)
            continue
        if processes_of_uid(uid):  # a crashed grader's sandbox still runs under it
            fd = _give_up(uid, fd)
            continue
        return UidLease(uid, fd)
    raise GradingError(f"all {UID_SPAN} private sandbox uids are in use")


def _give_up(uid: int, fd: int) -> int:
    os.close(fd)
    with _live_lock:
        _live.discard(uid)
    return -1
