"""Isolation levels: what each one runs, and which one this machine supports.

One file-system *layout* (a whitelist: ``/usr``, ``/etc``, the Python runtime,
a minimal ``/dev``, a private ``/proc``, an empty read-only ``/tmp`` holding the
read-only scratch copy at :data:`SOURCE_DIR` and the student's size-capped tmpfs
at :data:`WORKDIR`) is shared by two levels: the bubblewrap level turns it into
``bwrap`` options, the ``unshare`` level hands it to the jail, which builds it and
chroots into it before any student code runs. The ``rlimits`` level has no
layout: the student works in the host scratch copy.

As root the student never keeps uid 0: the jail switches to a private uid
(``setgroups([])``, ``setresgid``, ``setresuid``, no-new-privs), which is what
makes ``RLIMIT_NPROC`` bite and what keeps the read-only and hidden paths so.
The pyenv interpreter under ``/root`` (mode 700) stays reachable because the
layout mounts the runtime directly, not ``/root``. At the ``rlimits`` level the
switch happens only when that uid could start the interpreter (not with pyenv
under ``/root``): there the student keeps uid 0 and only the limits apply.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import stat
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from cnnquiz.errors import CnnquizError
from cnnquiz.grading.sandbox.model import IsolationLevel

__all__ = ["WORKDIR", "SOURCE_DIR", "Launch", "layout", "detect_isolation", "plan_launch", "runtime_paths", "reset_detection"]

WORKDIR = "/tmp/work"
"""The student's working directory (and HOME) inside the ``bwrap`` and ``unshare`` sandboxes:
a size-capped tmpfs filled by the harness from :data:`SOURCE_DIR`, so nothing the
student writes ever reaches the host's disk."""

SOURCE_DIR = "/tmp/.submission"
"""Where the host scratch copy is mounted read-only inside the sandbox."""

_SYSTEM_DIRS = ("/usr", "/etc")
_ROOT_LINKS = ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
_ORDER = (IsolationLevel.BWRAP, IsolationLevel.UNSHARE, IsolationLevel.RLIMITS)


@dataclass
class Launch:
    """How to start one sandbox process.

    ``argv`` runs the harness (its source and request fd are appended by the
    caller); ``request`` holds the level's part of the harness request;
    ``kill_uid`` is the private uid whose processes are swept afterwards;
    ``tree_root`` says the process started is the root of a tree that must be
    walked (no PID namespace) instead of a namespace killed with its init.
    """

    level: IsolationLevel
    argv: list[str]
    request: dict
    kill_uid: int | None
    tree_root: bool
    new_session: bool = False


@functools.lru_cache(maxsize=1)
def runtime_paths() -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """``(interpreter, roots to mount, sys.path entries for numpy)`` of this Python."""
    exe = os.path.realpath(sys.executable)
    spec = importlib.util.find_spec("numpy")
    if spec is None or not spec.submodule_search_locations:
        raise CnnquizError("the sandbox needs numpy, which this Python cannot import")
    site = os.path.dirname(os.path.realpath(list(spec.submodule_search_locations)[0]))
    candidates = [os.path.realpath(sys.base_prefix), os.path.dirname(os.path.dirname(exe)), site]
    roots: list[str] = []
    for path in sorted(set(candidates), key=len):
        if any(_under(path, done) for done in list(roots) + list(_SYSTEM_DIRS)):
            continue
        roots.append(path)
    return exe, tuple(roots), (site,)


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def layout(scratch: Path, hidden: list[str], workdir_bytes: int = 64 << 20) -> list[list]:
    """The whitelisted file system of a sandbox, as ordered operations.

    ``["ro", src, dest]`` read-only bind, ``["symlink", target, dest]``,
    ``["tmpfs", dest]`` (empty, root-owned, read-only for the student),
    ``["workdir", dest, bytes]`` (the student's size-capped writable tmpfs),
    ``["dev", dest]`` and ``["proc", dest]``.
    """
    _, roots, _ = runtime_paths()
    ops: list[list[str]] = [["ro", d, d] for d in _SYSTEM_DIRS if os.path.isdir(d)]
    for link in _ROOT_LINKS:
        if os.path.islink(link):
            ops.append(["symlink", os.readlink(link), link])
        elif os.path.isdir(link):
            ops.append(["ro", link, link])
    # The empty /tmp goes before the runtime: a virtual environment under /tmp must
    # be mounted on top of it, not hidden by it.
    ops += [["dev", "/dev"], ["proc", "/proc"], ["tmpfs", "/tmp"]]
    ops += [["ro", r, r] for r in roots]
    mounted = [op[1] for op in ops if op[0] == "ro"]
    for path in hidden:
        if any(_under(path, m) for m in mounted) and os.path.isdir(path):
            ops.append(["tmpfs", path])
    ops += [["ro", str(scratch), SOURCE_DIR], ["workdir", WORKDIR, int(workdir_bytes)]]
    return ops


def _bwrap_options(ops: list[list[str]]) -> list[str]:
    args: list[str] = []
    made: set[str] = {"/"}
    bound_ro: list[str] = []
    for op in ops:
        dest = op[1] if op[0] == "workdir" else op[-1]
        if op[0] != "symlink":
            parents = [p for p in reversed(Path(dest).parents) if str(p) not in made]
            for parent in parents:
                # Inside a read-only bind nothing can be created; everywhere else (the
                # root, or the empty /tmp) create parents ourselves: bwrap's own are
                # 0700, which the student's private uid could not traverse.
                if not any(_under(str(parent), b) for b in bound_ro):
                    args += ["--perms", "0755", "--dir", str(parent)]
                made.add(str(parent))
        kind = op[0]
        if kind == "ro":
            args += ["--ro-bind", op[1], dest]
        elif kind == "workdir":
            args += ["--size", str(op[2]), "--perms", "0700", "--tmpfs", op[1]]
        elif kind == "tmpfs":
            args += ["--tmpfs", dest]
        elif kind == "symlink":
            args += ["--symlink", op[1], dest]
        elif kind == "dev":
            args += ["--dev", dest]
        elif kind == "proc":
            args += ["--proc", dest]
        made.add(dest)
        if kind in ("ro", "dev", "proc"):
            bound_ro.append(dest)
    return args


def _runtime_world_accessible() -> bool:
    """Whether an unprivileged uid could start this Python (no mount namespace)."""
    exe, roots, _ = runtime_paths()
    for path in (exe, *roots):
        probe = Path(path)
        for part in (probe, *probe.parents):
            try:
                mode = part.stat().st_mode
            except OSError:
                return False
            if not mode & stat.S_IXOTH:
                return False
    return True


def plan_launch(level: IsolationLevel, scratch: Path, uid: int | None, hidden: list[str],
                workdir_bytes: int = 64 << 20) -> Launch:
    """The command and request fields that start a sandbox at ``level``.

    ``uid`` is the private uid to run the student as (``None`` when not root);
    ``workdir_bytes`` caps what the student can write (``bwrap`` and ``unshare``).
    """
    exe, _, site = runtime_paths()
    python = [exe, "-I", "-S", "-c"]
    request: dict = {"site_paths": list(site), "uid": uid, "copy_from": SOURCE_DIR}
    if level is IsolationLevel.BWRAP:
        argv = ["bwrap", "--die-with-parent", "--new-session",
                "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                "--hostname", "sandbox", "--cap-drop", "ALL"]
        if uid is not None:
            # Root: no user namespace (it would map the student back to uid 0, which
            # RLIMIT_NPROC ignores). Keep only what the harness needs to become `uid`.
            argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP",
                     "--cap-add", "CAP_CHOWN"]
        else:
            argv += ["--unshare-user"]
        argv += _bwrap_options(layout(scratch, hidden, workdir_bytes))
        argv += ["--remount-ro", "/", "--"]
        request.update(supervise=False, workdir=WORKDIR)
        return Launch(level, argv + python, request, kill_uid=uid, tree_root=False)
    if level is IsolationLevel.UNSHARE:
        argv = ["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child",
                "--mount-proc", "--net", "--ipc", "--uts", "--"]
        request.update(supervise=True, workdir=WORKDIR, layout=layout(scratch, hidden, workdir_bytes))
        return Launch(level, argv + python, request, kill_uid=uid, tree_root=False)
    request.update(supervise=True, workdir=str(scratch), layout=None, copy_from=None)
    return Launch(level, python, request, kill_uid=uid, tree_root=True, new_session=True)


def private_uid_possible(level: IsolationLevel) -> bool:
    """Whether the student can run under a private uid at ``level`` here."""
    if os.geteuid() != 0:
        return False
    return level is not IsolationLevel.RLIMITS or _runtime_world_accessible()


# ------------------------------------------------------------------- detection

_lock = threading.Lock()
_probed: dict[IsolationLevel, bool] = {}
_why_not: dict[IsolationLevel, str] = {}


def reset_detection() -> None:
    """Forget probe results (tests)."""
    with _lock:
        _probed.clear()
        _why_not.clear()


def _available(level: IsolationLevel) -> bool:
    with _lock:
        if level not in _probed:
            _why_not[level] = _probe(level)
            _probed[level] = not _why_not[level]
        return _probed[level]


def _probe(level: IsolationLevel) -> str:
    """``""`` when ``level`` works here, else the reason."""
    if not sys.platform.startswith("linux"):
        return "" if level is IsolationLevel.RLIMITS else "needs Linux"
    tool = {IsolationLevel.BWRAP: "bwrap", IsolationLevel.UNSHARE: "unshare"}.get(level)
    if tool is not None and shutil.which(tool) is None:
        return f"{tool} is not installed"
    if level is IsolationLevel.UNSHARE and os.geteuid() != 0:
        return "unshare needs root"
    from cnnquiz.grading.sandbox.runner import probe_level

    return probe_level(level)


def detect_isolation(preferred: IsolationLevel | None = None) -> IsolationLevel:
    """The strongest isolation level that works here, or ``preferred`` if it works.

    Each level is tried once per process by starting a real sandbox at that level
    (harness, mounts, uid switch, limits) with nothing to run; the result is cached.

    Raises
    ------
    CnnquizError
        When ``preferred`` is given and does not work on this machine.
    """
    if preferred is not None:
        preferred = IsolationLevel(preferred)
        if not _available(preferred):
            why = _why_not.get(preferred) or "probe failed"
            raise CnnquizError(f"sandbox isolation level {preferred.value!r} is not available on this machine: {why}")
        return preferred
    for level in _ORDER:
        if _available(level):
            return level
    return IsolationLevel.RLIMITS
