"""Privileged first stage of a sandbox process: build its world, then become nobody.

Run as ``python -I -S -c <this file's source> REQUEST_FD``. Like the harness it
imports only the standard library (ctypes for ``mount``/``prctl``), never cnnquiz,
and importing it does nothing. In order:

1. read the request (an anonymous file; inputs only) and close it;
2. ``unshare`` level: build a whitelisted read-only root with the same layout the
   bubblewrap level passes to ``bwrap``, and ``chroot`` into it;
3. with ``"supervise": true`` (``unshare`` and ``rlimits``): become a child
   subreaper and fork the worker; stay behind as the sandbox's init, reaping
   orphans, killing every descendant when the worker ends or when the parent's
   lifeline closes, and exiting with the worker's status (``128 + signal``);
4. in the worker: copy the submission into the size-capped tmpfs working
   directory, give it to the private uid, open the Landlock rules (``uid``
   level), switch to that uid (no groups, no capabilities, no new privileges),
   enter the seccomp filter and the Landlock domain (:mod:`.confine`, whose
   source comes in the request), then run the harness (likewise) on the rest of
   the request.
"""

from __future__ import annotations

import json
import os
import signal
import sys

__all__: list[str] = []

# Linux constants (x86_64 and aarch64 agree on these).
_MS_RDONLY = 0x1
_MS_NOSUID = 0x2
_MS_NODEV = 0x4
_MS_REMOUNT = 0x20
_MS_BIND = 0x1000
_MS_REC = 0x4000
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_CHILD_SUBREAPER = 36
_PR_CAPBSET_DROP = 24


def _read_request(fd: int) -> dict:
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return json.loads(b"".join(chunks))


def _libc():
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        import ctypes

        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _build_root(layout: list, newroot: str = "/tmp") -> None:
    """Build a whitelisted read-only root and ``chroot`` into it (``unshare`` level).

    Runs as root in the sandbox's private mount and PID namespaces, before any
    student code. ``layout`` holds the same operations the bubblewrap level turns
    into command-line options: ``["ro", src, dest]``, ``["tmpfs", dest]``,
    ``["workdir", dest, bytes]``, ``["symlink", target, dest]``, ``["dev", dest]``,
    ``["proc", dest]``. Every source is opened first, so covering ``/tmp`` (the
    staging point of the new root) cannot hide a source that lives there.
    """
    libc = _libc()
    sources = {}
    for op in layout:
        if op[0] == "ro" and op[1] not in sources:
            sources[op[1]] = os.open(op[1], os.O_PATH)
    _mount(libc, b"tmpfs", newroot, b"tmpfs", _MS_NOSUID | _MS_NODEV, b"mode=0755,size=4m")
    read_only = [newroot]
    for op in layout:
        kind, dest = op[0], newroot + (op[1] if op[0] == "workdir" else op[-1])
        if kind == "ro":
            source = op[1]
            if os.path.isdir(f"/proc/self/fd/{sources[source]}"):
                os.makedirs(dest, mode=0o755, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(dest), mode=0o755, exist_ok=True)
                os.close(os.open(dest, os.O_CREAT | os.O_WRONLY, 0o644))
            _mount(libc, f"/proc/self/fd/{sources[source]}".encode(), dest, None, _MS_BIND | _MS_REC, None)
            read_only.append(dest)
        elif kind == "workdir":
            os.makedirs(dest, mode=0o700, exist_ok=True)
            _mount(libc, b"tmpfs", dest, b"tmpfs", _MS_NOSUID | _MS_NODEV, f"mode=0700,size={int(op[2])}".encode())
        elif kind == "tmpfs":
            os.makedirs(dest, mode=0o755, exist_ok=True)
            _mount(libc, b"tmpfs", dest, b"tmpfs", _MS_NOSUID | _MS_NODEV, b"mode=0755,size=1m")
            read_only.append(dest)
        elif kind == "symlink":
            os.makedirs(os.path.dirname(dest), mode=0o755, exist_ok=True)
            os.symlink(op[1], dest)
        elif kind == "dev":
            _build_dev(libc, dest)
            read_only.append(dest)
        elif kind == "proc":
            os.makedirs(dest, mode=0o755, exist_ok=True)
            _mount(libc, b"/proc", dest, None, _MS_BIND | _MS_REC, None)
        else:
            raise ValueError(f"unknown layout op {kind!r}")
    for fd in sources.values():
        os.close(fd)
    for dest in reversed(read_only):
        _mount(libc, None, dest, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV, None)
    os.chroot(newroot)
    os.chdir("/")


def _build_dev(libc, dest: str) -> None:
    """A minimal /dev: null, zero, full, random, urandom and the fd symlinks."""
    os.makedirs(dest, mode=0o755, exist_ok=True)
    _mount(libc, b"tmpfs", dest, b"tmpfs", _MS_NOSUID, b"mode=0755,size=64k")
    for name in ("null", "zero", "full", "random", "urandom"):
        node = f"{dest}/{name}"
        os.close(os.open(node, os.O_CREAT | os.O_WRONLY, 0o666))
        _mount(libc, f"/dev/{name}".encode(), node, None, _MS_BIND, None)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dest}/{name}")


def _mount(libc, source, target: str, fstype, flags: int, data) -> None:
    _check(libc.mount(source, target.encode(), fstype, flags, data), f"mount {target}")


def _fill_workdir(source: str, workdir: str, uid) -> None:
    """Copy the submission into the student's tmpfs working directory and give it to ``uid``."""
    import shutil

    for folder, dirnames, filenames in os.walk(source):
        target = os.path.join(workdir, os.path.relpath(folder, source))
        for name in dirnames:
            os.mkdir(os.path.join(target, name), 0o755)
        for name in filenames:
            shutil.copyfile(os.path.join(folder, name), os.path.join(target, name), follow_symlinks=False)
    os.chmod(workdir, 0o700)
    if uid is not None:  # bottom-up: without CAP_DAC_OVERRIDE we could not enter a dir already given away
        for folder, dirnames, filenames in os.walk(workdir, topdown=False):
            for name in filenames:
                os.chown(os.path.join(folder, name), uid, uid)
            os.chown(folder, uid, uid)


def _drop_privileges(uid: int) -> None:
    """Become ``uid`` with no supplementary groups, no capabilities, no new privileges."""
    libc = None
    if os.geteuid() == 0:
        libc = _libc()
        for cap in range(64):  # empty the bounding set while we may (needs CAP_SETPCAP)
            libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid or os.getgroups():
        raise OSError("could not drop privileges")
    if not _no_new_privs():
        libc = libc or _libc()
        _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def _no_new_privs() -> bool:
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("NoNewPrivs:"):
                    return line.split()[1] == "1"
    except OSError:
        pass
    return False


def _supervise(request: dict) -> None:
    """Be the init of the sandbox: fork the worker, reap, clean up, mirror its status.

    Returns only in the forked worker.
    """
    libc = _libc()
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    lifeline = request["lifeline_fd"]
    worker = os.fork()
    if worker == 0:
        os.close(lifeline)
        return
    os.close(request["result_fd"])
    for std in (0, 1, 2):  # the supervisor writes nothing; let the output pipe close with the worker
        try:
            os.dup2(os.open(os.devnull, os.O_RDWR), std)
        except OSError:
            pass
    import select

    done = None
    signal.signal(signal.SIGCHLD, lambda *_: None)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    poller = select.poll()
    poller.register(lifeline, select.POLLIN | select.POLLHUP)
    poller.register(wake_r, select.POLLIN)
    while done is None:
        events = poller.poll(500)
        for fd, _ in events:
            if fd == wake_r:
                os.read(wake_r, 4096)
            elif fd == lifeline:  # the parent went away: end everything
                done = 137
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid == worker:
                done = 128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    _kill_descendants()
    os._exit(done)


def _kill_descendants() -> None:
    """SIGKILL every process below this one (we are their subreaper or PID 1)."""
    import time

    me = os.getpid()
    for attempt in range(200):
        if attempt:
            time.sleep(0.005)
        children: dict[int, list[int]] = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as handle:
                    stat = handle.read()
            except OSError:
                continue
            rest = stat[stat.rfind(b")") + 2 :].split()
            if rest[0] == b"Z":
                continue
            children.setdefault(int(rest[1]), []).append(int(name))
        found, todo = [], list(children.get(me, ()))
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, ()))
        if not found:
            break
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break


def _load(request: dict, key: str, name: str):
    """A module built from the source the parent put in ``request[key]``."""
    import types

    module = types.ModuleType(name)
    exec(compile(request.pop(key), f"<{name}>", "exec"), module.__dict__)  # noqa: S102
    return module


def _become_student(request: dict) -> None:
    """Fill the working directory, switch to the private uid and confine (worker side)."""
    confine = _load(request, "confine_source", "cnnquiz_sandbox_confine")
    if request.get("copy_from"):
        _fill_workdir(request["copy_from"], request["workdir"], request.get("uid"))
    prepared = confine.prepare(request.get("landlock"))  # as root: the allowed paths can still be opened
    if request.get("uid") is not None:
        _drop_privileges(request["uid"])
    elif not _no_new_privs():
        _check(_libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    confine.enforce(prepared)


def _run_harness(request: dict) -> None:
    """Load the harness from its source in the request and hand it the request."""
    _load(request, "harness_source", "cnnquiz harness").work(request)


def _main(argv: list) -> None:
    request = _read_request(int(argv[1]))
    if request.get("layout") is not None:
        _build_root(request["layout"])
    if request.get("supervise"):
        _supervise(request)  # returns only in the forked worker
    _become_student(request)
    _run_harness(request)
    os._exit(0)


if __name__ == "__main__":
    _main(sys.argv)
