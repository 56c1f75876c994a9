"""The sandbox's vocabulary: isolation levels, limits, calls and their outcomes.

Plain frozen dataclasses and string enums, no behaviour. The grading layer builds
:class:`Call` objects from its test inputs, hands them to
:func:`cnnquiz.grading.sandbox.run_submission` and reads back a
:class:`SandboxResult`. Expected answers never appear here: only inputs go in,
only raw return values come out.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

__all__ = [
    "IsolationLevel",
    "Launch",
    "Limits",
    "TOTAL_TIME_S",
    "ArrayArg",
    "Call",
    "CallStatus",
    "CallOutcome",
    "SandboxResult",
]


class IsolationLevel(str, enum.Enum):
    """How strongly a submission is walled off, strongest first.

    ``BWRAP``: bubblewrap with a whitelisted read-only root, private ``/tmp``, no
    network, new PID/IPC/UTS namespaces, capabilities dropped, private uid.
    ``UNSHARE``: util-linux ``unshare`` namespaces, the same whitelist built by
    the sandbox's first stage and ``chroot``, private uid. ``UID``: no
    namespaces at all (containers that allow none), only root: a private uid, a
    Landlock file-system allow-list where the kernel has one, file modes
    elsewhere. ``RLIMITS``: resource limits, a scratch copy and process-tree
    cleanup only (trusted code). The per-level facts live in one table,
    :data:`cnnquiz.grading.sandbox.levels.LEVELS`.
    """

    BWRAP = "bwrap"
    UNSHARE = "unshare"
    UID = "uid"
    RLIMITS = "rlimits"


@dataclass
class Launch:
    """How to start one sandbox process (the plan of an isolation level).

    ``argv`` runs the jail (its source and request fd are appended by the
    caller); ``request`` holds the level's part of the jail's request;
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


TOTAL_TIME_S = 60.0
"""Default wall-clock bound on everything one student's code may cost the grader:
start-up of every sandbox process, the import, every re-import after a restart and
every call (:attr:`Limits.total_s`). Calls not reached by then are reported as
timed out."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission (per call where it says so).

    Examples
    --------
    >>> Limits().memory_mb
    768
    >>> Limits(call_timeout_s=0.5).call_timeout_s
    0.5
    """

    call_timeout_s: float = 2.0
    """Wall clock per call, and for the import of the student's module."""
    cpu_s: float = 2.0
    """CPU seconds per call (``RLIMIT_CPU`` backstop, whole seconds, rounded up)."""
    memory_mb: int = 768
    """Address space (``RLIMIT_AS``); numpy needs at least 256 MiB."""
    file_size_mb: int = 8
    """Largest file the student may write (``RLIMIT_FSIZE``)."""
    nproc: int = 16
    """Processes the student may have at once (``RLIMIT_NPROC`` under a private uid)."""
    output_bytes: int = 64 * 1024
    """Captured stdout/stderr kept per submission (the last bytes); the rest is discarded."""
    result_bytes: int = 8 * 1024 * 1024
    """Cap on one call's raw returned JSON (bytes of one line, checked before decoding)."""
    result_elements: int = 1 << 18
    """Cap on the numbers and lists in one call's returned value, checked before decoding
    (the largest honest output of the shipped assignment has a few thousand)."""
    result_depth: int = 32
    """Cap on the nesting depth of one call's returned lists, checked before decoding."""
    total_result_elements: int = 1 << 20
    """Cap on the numbers and lists kept from all calls of one submission together:
    the grader's own memory for one student stays near 60 MB whatever every call returns."""
    total_s: float = TOTAL_TIME_S
    """Wall clock for the whole submission: start-ups, import, re-imports and calls."""
    skip_after_timeout: bool = True
    """After a call times out, report the same function's later calls as timed out
    without running them, so that a hanging function costs one time limit, not one per test."""

    def __post_init__(self) -> None:
        for name in ("call_timeout_s", "cpu_s", "total_s"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"Limits.{name} must be > 0; got {name}={value!r}")
        if self.memory_mb < 256:
            raise ValueError(f"Limits.memory_mb must be >= 256 (numpy needs it); got memory_mb={self.memory_mb!r}")
        for name in ("file_size_mb", "nproc", "output_bytes", "result_bytes", "result_elements", "result_depth",
                     "total_result_elements"):
            value = getattr(self, name)
            if value < 1:
                raise ValueError(f"Limits.{name} must be >= 1; got {name}={value!r}")


@dataclass(frozen=True)
class ArrayArg:
    """An argument the child passes to the student as a ``numpy.float64`` array.

    ``data`` is nested lists of numbers (or anything ``numpy.asarray`` accepts in
    the parent; it is sent as nested lists).
    """

    data: Any


@dataclass(frozen=True)
class Call:
    """One call of a student function: ``function(*args, **kwargs)``.

    Arguments are plain JSON values (numbers, strings, lists, dicts, ``None``,
    booleans) or :class:`ArrayArg`.

    Examples
    --------
    >>> Call("relu", (ArrayArg([[1.0, -1.0]]),)).function
    'relu'
    """

    function: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


class CallStatus(str, enum.Enum):
    """What became of one call (or of the import of the student's module)."""

    OK = "ok"
    """Returned; ``value`` holds the raw output."""
    ERROR = "error"
    """Raised an exception; the message names it and the student's line."""
    TIMEOUT = "timeout"
    """Exceeded the wall-clock or CPU limit."""
    CRASHED = "crashed"
    """The process died or quit: segfault, ``os._exit``, ``sys.exit``, out of memory, ..."""
    MISSING = "missing"
    """No such function in the module (or not callable); for the import: no module file."""
    BAD_OUTPUT = "bad_output"
    """Returned something that is not plain numbers, lists or a numeric ndarray, or too big
    (the message then starts with ``"output too large"``)."""


@dataclass(frozen=True)
class CallOutcome:
    """The outcome of one :class:`Call`.

    ``value`` is set only when ``status`` is ``OK``: a Python ``int`` or ``float``
    (nan and inf allowed) or nested lists of them, decoded in the parent.
    """

    call: Call
    status: CallStatus
    value: Any
    message: str
    seconds: float


@dataclass(frozen=True)
class SandboxResult:
    """Everything one submission produced.

    ``outcomes`` has one entry per requested call, in order, always complete:
    calls not reached after a fatal import carry the import's status.
    ``forbidden_imports`` lists forbidden modules the submission imports or tried
    to import (static scan in the parent plus the harness's import hook).
    ``stdout_tail`` is the end of the student's captured output, for humans only.
    ``restarts`` counts the fresh sandbox processes started after a timeout or
    crash (0 when one process ran every call).
    """

    isolation: IsolationLevel
    import_status: CallStatus
    import_message: str
    outcomes: list[CallOutcome]
    forbidden_imports: list[str]
    stdout_tail: str
    seconds: float
    restarts: int = 0
