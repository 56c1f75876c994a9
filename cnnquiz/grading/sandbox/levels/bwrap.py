"""The ``bwrap`` level: bubblewrap namespaces around the whitelisted layout.

As root there is no user namespace (it would map the student back to uid 0,
which ``RLIMIT_NPROC`` ignores): every capability is dropped except the four the
jail needs to become the private uid. The student cannot create a user namespace
of its own either (which would let it mount a tmpfs past the scratch cap): the
jail's seccomp filter refuses every namespace flag (:mod:`..confine`), which
works without a user namespace, where ``bwrap --disable-userns`` does not.
"""

from __future__ import annotations

import os
from pathlib import Path

from cnnquiz.grading.sandbox.layout import WORKDIR, layout, under
from cnnquiz.grading.sandbox.levels._facts import LaunchSpec, LevelFacts, base_request, python_argv
from cnnquiz.grading.sandbox.model import IsolationLevel, Launch

__all__ = ["FACTS", "bwrap_options"]

_CAPS_TO_SWITCH_UID = ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_CHOWN")


def bwrap_options(ops: list[list]) -> list[str]:
    """``bwrap`` options that build the layout ``ops`` (see :func:`..layout.layout`)."""
    args: list[str] = []
    made: set[str] = {"/"}
    bound_ro: list[str] = []
    for op in ops:
        dest = op[1] if op[0] == "workdir" else op[-1]
        if op[0] != "symlink":
            for parent in [p for p in reversed(Path(dest).parents) if str(p) not in made]:
                # Inside a read-only bind nothing can be created; everywhere else (the
                # root, or the empty /tmp) create parents ourselves: bwrap's own are
                # 0700, which the student's private uid could not traverse.
                if not any(under(str(parent), b) for b in bound_ro):
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
            # bwrap's /dev is a tmpfs whose shm/ folder is root's: with --remount-ro
            # below nothing of it is writable, so POSIX shared memory has nowhere to go.
            args += ["--dev", dest]
        elif kind == "proc":
            args += ["--proc", dest]
        made.add(dest)
        if kind in ("ro", "dev", "proc"):
            bound_ro.append(dest)
    return args


def _plan(spec: LaunchSpec) -> Launch:
    argv = ["bwrap", "--die-with-parent", "--new-session",
            "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "sandbox", "--cap-drop", "ALL"]
    if spec.uid is not None:
        for cap in _CAPS_TO_SWITCH_UID:
            argv += ["--cap-add", cap]
    else:
        argv += ["--unshare-user"]
    argv += bwrap_options(layout(spec.scratch, list(spec.hidden), spec.workdir_bytes))
    argv += ["--remount-ro", "/", "--"]
    request = base_request(spec, WORKDIR, supervise=False)
    return Launch(IsolationLevel.BWRAP, argv + python_argv(), request, kill_uid=spec.uid, tree_root=False)


FACTS = LevelFacts(
    level=IsolationLevel.BWRAP,
    tool="bwrap",
    needs_root=False,
    namespaces=True,
    in_place=False,
    protects="bubblewrap: whitelisted read-only file system, no network, private PID/IPC namespaces, "
             "private uid, size-capped tmpfs working directory",
    private_uid=lambda: os.geteuid() == 0,
    plan=_plan,
)
