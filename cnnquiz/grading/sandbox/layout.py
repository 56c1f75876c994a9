"""The whitelisted file system of the namespaced levels, and where this Python lives.

One *layout* (``/usr``, ``/etc``, the Python runtime, a minimal ``/dev``, a private
``/proc``, an empty read-only ``/tmp`` holding the read-only scratch copy at
:data:`SOURCE_DIR` and the student's size-capped tmpfs at :data:`WORKDIR`) is
shared by two levels: the bubblewrap level turns it into ``bwrap`` options, the
``unshare`` level hands it to the jail, which builds it and chroots into it
before any student code runs. The pyenv interpreter under ``/root`` (mode 700)
stays reachable because the layout mounts the runtime directly, not ``/root``.
Pure functions of the host's paths: nothing here starts a process.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import stat
import sys
from pathlib import Path

from cnnquiz.errors import CnnquizError

__all__ = ["WORKDIR", "SOURCE_DIR", "SYSTEM_DIRS", "ROOT_LINKS", "layout", "runtime_paths",
           "runtime_world_accessible", "under"]

WORKDIR = "/tmp/work"
"""The student's working directory (and HOME) inside the ``bwrap`` and ``unshare`` sandboxes:
a size-capped tmpfs filled by the jail from :data:`SOURCE_DIR`, so nothing the
student writes ever reaches the host's disk."""

SOURCE_DIR = "/tmp/.submission"
"""Where the host scratch copy is mounted read-only inside the sandbox."""

SYSTEM_DIRS = ("/usr", "/etc")
ROOT_LINKS = ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")


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
        if any(under(path, done) for done in list(roots) + list(SYSTEM_DIRS)):
            continue
        roots.append(path)
    return exe, tuple(roots), (site,)


def under(path: str, root: str) -> bool:
    """Whether ``path`` is ``root`` or lies below it (plain string paths)."""
    return path == root or path.startswith(root.rstrip("/") + "/")


def runtime_world_accessible() -> bool:
    """Whether an unprivileged uid could start this Python without a mount namespace.

    Every folder from ``/`` down to the interpreter and the runtime roots must be
    searchable by others (pyenv under a mode-700 ``/root`` is not).
    """
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


def layout(scratch: Path, hidden: list[str], workdir_bytes: int = 64 << 20) -> list[list]:
    """The whitelisted file system of a sandbox, as ordered operations.

    ``["ro", src, dest]`` read-only bind, ``["symlink", target, dest]``,
    ``["tmpfs", dest]`` (empty, root-owned, read-only for the student),
    ``["workdir", dest, bytes]`` (the student's size-capped writable tmpfs),
    ``["dev", dest]`` and ``["proc", dest]``.
    """
    _, roots, _ = runtime_paths()
    ops: list[list] = [["ro", d, d] for d in SYSTEM_DIRS if os.path.isdir(d)]
    for link in ROOT_LINKS:
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
        if any(under(path, m) for m in mounted) and os.path.isdir(path):
            ops.append(["tmpfs", path])
    ops += [["ro", str(scratch), SOURCE_DIR], ["workdir", WORKDIR, int(workdir_bytes)]]
    return ops
