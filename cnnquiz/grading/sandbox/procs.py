"""Finding and killing processes through ``/proc`` (Linux).

Used after a sandbox ends to make sure nothing it started survives: by the
private uid of the sandbox, by the descendants of its supervisor, or by the
token put in its environment.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Iterator

__all__ = ["processes_of_uid", "descendants", "processes_with_token", "kill_all", "kill_until_gone"]


def _pids() -> Iterator[int]:
    try:
        names = os.listdir("/proc")
    except OSError:
        return
    for name in names:
        if name.isdigit():
            yield int(name)


def _stat(pid: int) -> tuple[str, int] | None:
    """``(state, ppid)`` of a process, or ``None`` when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    rest = raw[raw.rfind(b")") + 2 :].split()
    return rest[0].decode(), int(rest[1])


def processes_of_uid(uid: int) -> list[int]:
    """Live (non-zombie) processes whose real uid is ``uid``."""
    found = []
    for pid in _pids():
        try:
            with open(f"/proc/{pid}/status", "rb") as handle:
                status = handle.read()
        except OSError:
            continue
        real = None
        zombie = False
        for line in status.splitlines():
            if line.startswith(b"State:"):
                zombie = b"Z" in line.split()[1:2] or b"X" in line.split()[1:2]
            elif line.startswith(b"Uid:"):
                real = int(line.split()[1])
                break
        if real == uid and not zombie:
            found.append(pid)
    return found


def descendants(root: int) -> list[int]:
    """Live processes below ``root`` in the parent/child tree."""
    children: dict[int, list[int]] = {}
    for pid in _pids():
        stat = _stat(pid)
        if stat is not None and stat[0] not in ("Z", "X"):
            children.setdefault(stat[1], []).append(pid)
    found, todo = [], list(children.get(root, ()))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def processes_with_token(token: str) -> list[int]:
    """Live processes whose initial environment contains ``token``."""
    needle = token.encode()
    found = []
    for pid in _pids():
        if pid == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                environ = handle.read()
        except OSError:
            continue
        if needle in environ:
            stat = _stat(pid)
            if stat is not None and stat[0] not in ("Z", "X"):
                found.append(pid)
    return found


def kill_all(pids: list[int]) -> None:
    """SIGKILL each pid, ignoring those already gone."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def kill_until_gone(find, deadline_s: float = 3.0) -> bool:
    """Kill what ``find()`` returns until it returns nothing; ``False`` if some survived."""
    end = time.monotonic() + deadline_s
    pause = 0.001
    while True:
        pids = find()
        if not pids:
            return True
        if time.monotonic() > end:
            return False
        kill_all(pids)
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
