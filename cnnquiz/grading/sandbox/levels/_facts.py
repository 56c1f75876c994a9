"""What every isolation level declares: its facts and its launch plan."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cnnquiz.grading.sandbox.model import IsolationLevel, Launch

__all__ = ["LevelFacts", "LaunchSpec", "python_argv", "base_request"]


@dataclass(frozen=True)
class LaunchSpec:
    """What a level's plan gets: where the scratch copy is, who runs, what to hide.

    ``scratch`` is the host scratch copy; ``uid`` the private uid (``None``:
    the student keeps the grader's uid); ``hidden`` host paths the student must
    not see; ``workdir_bytes`` caps what the student can write.
    """

    scratch: Path
    uid: int | None
    hidden: tuple[str, ...] = ()
    workdir_bytes: int = 64 << 20


@dataclass(frozen=True)
class LevelFacts:
    """One row of the isolation table (:data:`cnnquiz.grading.sandbox.levels.LEVELS`).

    Attributes
    ----------
    level
        The level this row describes.
    tool
        Executable that must be on ``PATH`` (``None``: only this Python).
    needs_root
        Whether the level works only when the grader runs as root.
    namespaces
        Whether it creates Linux namespaces (mount, PID, IPC, network, ...).
    in_place
        Whether the student works in the host scratch copy itself (no tmpfs of
        its own); the copy is then given to the private uid.
    protects
        One line for humans: what the level keeps the student from.
    private_uid
        Whether the student runs under a private uid here and now.
    plan
        The :class:`~cnnquiz.grading.sandbox.model.Launch` for a :class:`LaunchSpec`.
    precheck
        A cheap reason why the level cannot work here (``""``: try the real probe).
    """

    level: IsolationLevel
    tool: str | None
    needs_root: bool
    namespaces: bool
    in_place: bool
    protects: str
    private_uid: Callable[[], bool]
    plan: Callable[[LaunchSpec], Launch]
    precheck: Callable[[], str] = lambda: ""


def python_argv() -> list[str]:
    """``python -I -S -c``: the jail's source and request fd are appended by the session."""
    from cnnquiz.grading.sandbox.layout import runtime_paths

    return [runtime_paths()[0], "-I", "-S", "-c"]


def base_request(spec: LaunchSpec, workdir: str, **fields) -> dict:
    """The request fields every level shares, plus the level's own ``fields``."""
    from cnnquiz.grading.sandbox.layout import SOURCE_DIR, runtime_paths

    request = {"site_paths": list(runtime_paths()[2]), "uid": spec.uid, "copy_from": SOURCE_DIR,
               "workdir": workdir, "layout": None, "landlock": None}
    request.update(fields)
    return request
