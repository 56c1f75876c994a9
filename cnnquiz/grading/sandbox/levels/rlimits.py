"""The ``rlimits`` level: resource limits and process-tree cleanup only (trusted code).

The student works in the host scratch copy. As root it switches to a private
uid only when that uid could start the interpreter (not with pyenv under a
mode-700 ``/root``); otherwise student code keeps uid 0 and only the limits apply.
"""

from __future__ import annotations

import os

from cnnquiz.grading.sandbox.layout import runtime_world_accessible
from cnnquiz.grading.sandbox.levels._facts import LaunchSpec, LevelFacts, base_request, python_argv
from cnnquiz.grading.sandbox.model import IsolationLevel, Launch

__all__ = ["FACTS"]


def _plan(spec: LaunchSpec) -> Launch:
    request = base_request(spec, str(spec.scratch), supervise=True, copy_from=None)
    return Launch(IsolationLevel.RLIMITS, python_argv(), request, kill_uid=spec.uid, tree_root=True, new_session=True)


FACTS = LevelFacts(
    level=IsolationLevel.RLIMITS,
    tool=None,
    needs_root=False,
    namespaces=False,
    in_place=True,
    protects="resource limits only: no file-system or network isolation",
    private_uid=lambda: os.geteuid() == 0 and runtime_world_accessible(),
    plan=_plan,
)
