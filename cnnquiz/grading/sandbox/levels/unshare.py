"""The ``unshare`` level: util-linux namespaces; the jail builds the layout and chroots."""

from __future__ import annotations

import os

from cnnquiz.grading.sandbox.layout import WORKDIR, layout
from cnnquiz.grading.sandbox.levels._facts import LaunchSpec, LevelFacts, base_request, python_argv
from cnnquiz.grading.sandbox.model import IsolationLevel, Launch

__all__ = ["FACTS"]


def _plan(spec: LaunchSpec) -> Launch:
    argv = ["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child",
            "--mount-proc", "--net", "--ipc", "--uts", "--"]
    request = base_request(spec, WORKDIR, supervise=True,
                           layout=layout(spec.scratch, list(spec.hidden), spec.workdir_bytes))
    return Launch(IsolationLevel.UNSHARE, argv + python_argv(), request, kill_uid=spec.uid, tree_root=False)


def _precheck() -> str:
    return "" if os.geteuid() == 0 else "unshare needs root"


FACTS = LevelFacts(
    level=IsolationLevel.UNSHARE,
    tool="unshare",
    needs_root=True,
    namespaces=True,
    in_place=False,
    protects="unshare + chroot: whitelisted read-only file system, no network, private PID/IPC namespaces, "
             "private uid, size-capped tmpfs working directory",
    private_uid=lambda: True,
    plan=_plan,
    precheck=_precheck,
)
