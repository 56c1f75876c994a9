"""The isolation levels, strongest first: ONE table of what each one needs and does.

Each level is a module of this package exporting ``FACTS`` (a
:class:`LevelFacts`: tool, root, namespaces, private uid, what it protects, how
to build its launch). A new level is one module plus one line in
:data:`LEVELS`; detection (:mod:`..detect`) tries them in this order.

Examples
--------
>>> [level.value for level in LEVELS]
['bwrap', 'unshare', 'uid', 'rlimits']
>>> LEVELS[IsolationLevel.UID].needs_root, LEVELS[IsolationLevel.UID].namespaces
(True, False)
"""

from __future__ import annotations

from types import MappingProxyType

from cnnquiz.grading.sandbox.levels import bwrap, rlimits, uid, unshare
from cnnquiz.grading.sandbox.levels._facts import LaunchSpec, LevelFacts
from cnnquiz.grading.sandbox.model import IsolationLevel, Launch

__all__ = ["LEVELS", "LevelFacts", "LaunchSpec", "plan_launch"]

LEVELS: MappingProxyType = MappingProxyType({
    facts.level: facts
    for facts in (bwrap.FACTS, unshare.FACTS, uid.FACTS, rlimits.FACTS)  # strongest first
})
"""``IsolationLevel -> LevelFacts``, in detection order (strongest first)."""


def plan_launch(level: IsolationLevel, spec: LaunchSpec) -> Launch:
    """The command and request fields that start a sandbox at ``level``."""
    return LEVELS[IsolationLevel(level)].plan(spec)
