"""The ``uid`` level: root without namespaces (Gradescope's or PrairieLearn's container).

Nothing here needs a namespace, only root. The jail (running as root, no
``bwrap``, no ``unshare``) forks its worker, which gives the scratch copy to a
private uid and becomes that uid (``setgroups([])``, ``setresgid``,
``setresuid``, an empty capability bounding set, no-new-privs) *before* student
code is imported. Then, in the worker:

- a seccomp filter refuses new namespaces of any kind, SysV IPC and memfds
  (:mod:`..confine`), so no shared memory outlives or escapes the limits;
- where the kernel has Landlock (Linux 5.13+), the worker restricts itself to an
  allow-list: read the system folders, the Python runtime (minus the cnnquiz
  package and forbidden packages installed beside numpy: their site folder can
  still be listed, their files not read), ``/proc`` and a few devices; write
  only the scratch folder (its working directory, HOME and TMPDIR); no TCP.
  World-writable ``/tmp``, ``/var/tmp`` and ``/dev/shm`` are then closed too.

Without Landlock only file modes protect the grader's files, so the platform
bundle must make them unreadable to other users before grading, e.g.::

    chmod 700 /autograder/source /autograder/results     # Gradescope
    chmod 700 /grade/tests /grade/results                  # PrairieLearn

(the output folder, the hidden tests, the assignment's secret, other
submissions); the interpreter and site-packages must stay readable to others.
The level is unavailable when the runtime is not searchable by other users
(e.g. pyenv under a mode-700 ``/root``): the private uid could not start Python.
Memory: each process is capped by ``RLIMIT_AS`` and there are at most
``nproc`` of them; without namespaces nothing else bounds their sum. Network:
Landlock (ABI 4+) refuses TCP only; UDP and existing named UNIX sockets stay
reachable, as does everything without Landlock: the level has no network
namespace. The student also shares the host's PID namespace (it can list the
grader's processes, not signal or trace them: another uid, and Landlock's
signal scope where the kernel has ABI 6).
"""

from __future__ import annotations

import os
import sys
from typing import NamedTuple, Sequence

from cnnquiz.grading.sandbox.layout import ROOT_LINKS, SYSTEM_DIRS, runtime_paths, runtime_world_accessible, under
from cnnquiz.grading.sandbox.levels._facts import LaunchSpec, LevelFacts, base_request, python_argv
from cnnquiz.grading.sandbox.model import IsolationLevel, Launch

__all__ = ["FACTS", "AllowList", "allow_list"]

_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
_MAX_RULES = 4000


class AllowList(NamedTuple):
    """The Landlock read rules: whole subtrees, and folders that may only be listed."""

    read: list[str]
    """Paths readable with everything below them (files, folders, executables)."""
    list_only: list[str]
    """Folders split around a hidden entry that the importer must still list (a
    ``sys.path`` entry such as the site-packages holding both numpy and cnnquiz).
    Landlock's rules cover a whole hierarchy, so the names below them, hidden ones
    included, can be listed; no file below them can be read except through ``read``."""


def allow_list(roots: Sequence[str], hidden: Sequence[str], import_dirs: Sequence[str] = ()) -> AllowList:
    """The rules that let the student read ``roots`` except the ``hidden`` subtrees.

    Landlock only allows, so a root with no hidden path below it is kept whole,
    and one that holds a hidden path is replaced by its entries, recursively, so
    the hidden ones drop out. A replaced folder can then not be listed; when it
    is one of ``import_dirs`` (where the importer looks for modules: numpy's site
    folder, which also holds cnnquiz in any normal install, or the standard
    library's folder when that site folder lies inside it) it is listable only.

    Examples
    --------
    >>> allow_list(["/nonexistent-root"], [])
    AllowList(read=['/nonexistent-root'], list_only=[])
    """
    keep: list[str] = []
    list_only: list[str] = []
    todo = list(roots)
    while todo:
        path = todo.pop()
        if any(under(path, h) for h in hidden):
            continue
        if not any(under(h, path) for h in hidden) or not os.path.isdir(path) or os.path.islink(path):
            keep.append(path)
            continue
        try:
            todo += [os.path.join(path, name) for name in os.listdir(path)]
        except OSError:
            continue
        if path in import_dirs:
            list_only.append(path)
        if len(todo) + len(keep) > _MAX_RULES:
            raise OSError(f"{path}: too many entries to build a Landlock allow-list")
    return AllowList(sorted(keep), sorted(list_only))


def _import_dirs() -> list[str]:
    """Folders the student's importer lists: this Python's ``sys.path`` (a superset) and numpy's site."""
    found = {os.path.realpath(p) for p in sys.path if p and os.path.isdir(p)}
    return sorted(found | set(runtime_paths()[2]))


def _plan(spec: LaunchSpec) -> Launch:
    _, roots, _ = runtime_paths()
    system = [d for d in (*SYSTEM_DIRS, *ROOT_LINKS) if os.path.isdir(d) and not os.path.islink(d)]
    hidden = [os.path.realpath(h) for h in spec.hidden]
    allowed = allow_list([*system, *roots], hidden, _import_dirs())
    landlock = {
        "read": [*allowed.read, "/proc"],
        "list": allowed.list_only,
        "devices": [d for d in _DEVICES if os.path.exists(d)],
        "write": [str(spec.scratch)],
    }
    request = base_request(spec, str(spec.scratch), supervise=True, copy_from=None, landlock=landlock)
    return Launch(IsolationLevel.UID, python_argv(), request, kill_uid=spec.uid, tree_root=True, new_session=True)


def _precheck() -> str:
    if not sys.platform.startswith("linux"):
        return "needs Linux"
    if os.geteuid() != 0:
        return "the uid level needs root (to switch to a private uid)"
    if not runtime_world_accessible():
        return (f"the Python runtime ({runtime_paths()[0]}) is not searchable by other users "
                "(e.g. pyenv under a mode-700 /root), so a private uid could not start it")
    return ""


FACTS = LevelFacts(
    level=IsolationLevel.UID,
    tool=None,
    needs_root=True,
    namespaces=False,
    in_place=True,
    protects="private uid, Landlock allow-list where the kernel has one (else file modes), no new namespaces "
             "or shared memory; no PID or network namespace",
    private_uid=lambda: True,
    plan=_plan,
    precheck=_precheck,
)
