"""Drive sandbox processes through one submission's calls (no planning, no detection).

One sandbox process runs the import and every call in order. When a call hangs,
crashes or exits, that call gets its verdict, the whole process tree is killed,
and a fresh sandbox re-imports the module and goes on with the remaining calls,
so one bad function costs only its own points. Every wait has a deadline, and
all of them together end at ``Limits.total_s`` after the submission started:
however often the import burns its time and a call then crashes, one student
costs at most that much wall time (plus the final kill).
"""

from __future__ import annotations

import dataclasses
import signal
import time
from typing import Any, Sequence

import numpy as np

from cnnquiz.errors import GradingError
from cnnquiz.grading.sandbox.model import ArrayArg, Call, CallOutcome, CallStatus, Launch, Limits
from cnnquiz.grading.sandbox.session import Event, OutputTail, Session

__all__ = ["RunState", "SandboxStartError", "STARTUP_TIMEOUT_S", "encode_calls", "encoded_limits", "run_sandboxes"]

STARTUP_TIMEOUT_S = 10.0
"""How long a sandbox may take to be ready (python + numpy start-up, before any student code)."""

_INT_BOUND = 2**1023


class SandboxStartError(GradingError):
    """The sandbox itself could not start (a grader problem, not the student's)."""


def _encode_arg(value: Any) -> list:
    if isinstance(value, ArrayArg):
        return ["a", np.asarray(value.data, dtype=np.float64).tolist()]
    return ["v", value]


def encode_calls(calls: Sequence[Call], indices: Sequence[int]) -> list:
    """The request's ``calls``: ``[index, function, args, kwargs]`` with tagged arguments."""
    return [
        [index, calls[index].function, [_encode_arg(a) for a in calls[index].args],
         {k: _encode_arg(v) for k, v in calls[index].kwargs.items()}]
        for index in indices
    ]


def encoded_limits(limits: Limits, nproc_applies: bool) -> dict:
    """The request's ``limits``; ``nproc_applies`` is false where the student keeps uid 0 (which
    ``RLIMIT_NPROC`` ignores, and where the grader's own processes would count)."""
    return dict(dataclasses.asdict(limits), nproc_applies=nproc_applies)


def _valid_value(value: Any, depth: int = 0) -> bool:
    """Plain numbers and lists; an int must convert to float (the comparison does)."""
    kind = type(value)
    if kind is int:
        return -_INT_BOUND <= value <= _INT_BOUND
    if kind is float:
        return True
    if kind is list and depth < 64:
        return all(_valid_value(item, depth + 1) for item in value)
    return False


class RunState:
    """The state of one submission across sandbox restarts, and its clocks."""

    def __init__(self, calls: list[Call], limits: Limits, forbidden: Sequence[str] = (),
                 started: float | None = None) -> None:
        self.calls = calls
        self.limits = limits
        self.reportable = frozenset(forbidden)  # the harness may only report these (the student can forge)
        self.outcomes: list[CallOutcome | None] = [None] * len(calls)
        self.import_status: CallStatus | None = None
        self.import_message = ""
        self.forbidden: set[str] = set()
        self.restarts = 0
        self.kept_elements = 0
        self.started = time.monotonic() if started is None else started
        self.end = self.started + limits.total_s

    def out_of_time(self) -> bool:
        return time.monotonic() >= self.end

    def next_index(self) -> int:
        for index, outcome in enumerate(self.outcomes):
            if outcome is None:
                return index
        return len(self.outcomes)

    def pending(self) -> list[int]:
        return [index for index, outcome in enumerate(self.outcomes) if outcome is None]

    def timed_out(self, index: int, message: str, seconds: float) -> None:
        """Record a timeout; with ``skip_after_timeout`` the function's later calls are not run.

        A function that hung once will most likely hang again: running its other calls
        would cost a full time limit (and a restart) each and gain nothing.
        """
        self.record(index, CallStatus.TIMEOUT, message, seconds)
        if not self.limits.skip_after_timeout:
            return
        function = self.calls[index].function
        for later in range(index + 1, len(self.calls)):
            if self.calls[later].function == function:
                self.record(later, CallStatus.TIMEOUT, f"not run: an earlier call of {function}() {message}", 0.0)

    def record(self, index: int, status: CallStatus, message: str, seconds: float, value: Any = None) -> None:
        if 0 <= index < len(self.outcomes) and self.outcomes[index] is None:
            self.outcomes[index] = CallOutcome(self.calls[index], status, value, message, round(seconds, 4))

    def fill(self, status: CallStatus, message: str) -> None:
        for index in range(len(self.outcomes)):
            self.record(index, status, message, 0.0)

    def fill_out_of_time(self) -> None:
        self.fill(CallStatus.TIMEOUT, f"not run: the submission used up its total time of {self.limits.total_s:g} s")

    def keep(self, index: int, value: Any, elements: int, seconds: float) -> None:
        """Record a returned value unless all values together would pass the submission's cap."""
        total = self.limits.total_result_elements
        if self.kept_elements + elements > total:
            self.record(index, CallStatus.BAD_OUTPUT, f"output too large: all calls together returned more than "
                        f"{total} numbers and lists", seconds)
            return
        self.kept_elements += elements
        self.record(index, CallStatus.OK, "", seconds, value)


def _death(returncode: int | None, limits: Limits) -> tuple[CallStatus, str]:
    """Classify how a sandbox process ended (``128 + n`` or ``-n`` means signal ``n``)."""
    if returncode is None:
        return CallStatus.CRASHED, "the process died"
    signum = -returncode if returncode < 0 else returncode - 128 if returncode > 128 else 0
    if signum == signal.SIGXCPU:
        return CallStatus.TIMEOUT, f"used more than {limits.cpu_s:g} s of CPU time"
    if signum == signal.SIGXFSZ:
        return CallStatus.CRASHED, f"killed for writing a file larger than {limits.file_size_mb} MB"
    if signum:
        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = f"signal {signum}"
        meaning = {"SIGSEGV": " (segmentation fault)", "SIGABRT": " (aborted)", "SIGKILL": " (killed)",
                   "SIGBUS": " (bus error)", "SIGFPE": " (arithmetic error)"}.get(name, "")
        return CallStatus.CRASHED, f"the process died from {name}{meaning}"
    return CallStatus.CRASHED, f"the process exited with status {returncode} (os._exit or similar)"


def _status(raw: Any, default: CallStatus) -> CallStatus:
    try:
        return CallStatus(raw)
    except ValueError:
        return default


def _text(raw: Any) -> str:
    return raw[:400] if isinstance(raw, str) else ""


def _import_failed(run: RunState, reimport: bool, status: CallStatus, text: str) -> None:
    if not reimport:
        run.import_status, run.import_message = status, text
    run.fill(status, ("re-import after a restart failed: " if reimport else "import failed: ") + text)


def _drive(session: Session, run: RunState, first: int) -> bool:
    """Read one sandbox's messages until it ends; ``True`` if another sandbox is needed."""
    limits = run.limits
    deadline = min(time.monotonic() + STARTUP_TIMEOUT_S, run.end)
    phase = "start"
    current = first
    started = time.monotonic()
    reimport = run.import_status is not None
    while True:
        event: Event = session.next_event(deadline)
        now = time.monotonic()
        if event.kind == "message":
            message = event.message or {}
            kind = message.get("k")
            if kind == "forbidden":
                if message.get("name") in run.reportable:
                    run.forbidden.add(message["name"])
                continue
            if phase == "start" and kind == "ready":
                phase, started, deadline = "import", now, min(now + limits.call_timeout_s, run.end)
                continue
            if phase == "import" and kind == "import":
                status = _status(message.get("s"), CallStatus.CRASHED)
                text = _text(message.get("m"))
                if not reimport:
                    run.import_status, run.import_message = status, text
                if status is not CallStatus.OK:
                    run.fill(status, ("re-import after a restart failed: " if reimport else "import failed: ") + text)
                    return False
                phase, started, deadline = "call", now, min(now + limits.call_timeout_s, run.end)
                continue
            if phase == "call" and kind == "call" and message.get("i") == current:
                status = _status(message.get("s"), CallStatus.BAD_OUTPUT)
                value = message.get("v") if status is CallStatus.OK else None
                if status is CallStatus.OK and _valid_value(value):
                    run.keep(current, value, int(message.get("elements", 0)), now - started)
                elif status is CallStatus.OK:
                    run.record(current, CallStatus.BAD_OUTPUT, "returned something that is not numbers or lists "
                               "(or a number too large for a float)", now - started)
                else:
                    run.record(current, status, _text(message.get("m")), now - started)
                current = run.next_index()
                if message.get("restart"):  # the harness quit after this call (out of memory)
                    return current < len(run.calls)
                started, deadline = now, min(now + limits.call_timeout_s, run.end)
                continue
            if phase == "call" and kind == "done" and current >= len(run.calls):
                return False
            event = Event("bad", detail="sent an unexpected result message")
        if event.kind == "timeout":
            if run.out_of_time():
                if phase == "import" and not reimport:
                    run.import_status, run.import_message = CallStatus.TIMEOUT, "the submission used up its total time"
                if phase == "call":
                    run.record(current, CallStatus.TIMEOUT, f"did not finish within the submission's total time of "
                               f"{limits.total_s:g} s", now - started)
                run.fill_out_of_time()
                return False
            if phase == "start":
                raise SandboxStartError(f"the sandbox did not start within {STARTUP_TIMEOUT_S:g} s")
            text = f"did not finish within {limits.call_timeout_s:g} s"
            if phase == "import":
                _import_failed(run, reimport, CallStatus.TIMEOUT, "importing the module " + text)
                return False
            run.timed_out(current, text, now - started)
            return run.next_index() < len(run.calls)
        if event.kind == "bad":
            if phase == "start":
                raise SandboxStartError(f"the sandbox harness {event.detail}")
            if phase == "import":
                _import_failed(run, reimport, CallStatus.CRASHED, f"the module {event.detail} while being imported")
                return False
            run.record(current, CallStatus.BAD_OUTPUT, f"the code {event.detail}", now - started)
            return run.next_index() < len(run.calls)
        # exit (or the result channel closed and the process ended)
        if phase == "start":
            raise SandboxStartError(f"the sandbox exited before starting (status {event.returncode}): "
                                    + session.output.text()[-300:].strip())
        status, text = _death(event.returncode, limits)
        if phase == "import":
            _import_failed(run, reimport, status, text + " while being imported")
            return False
        if current >= len(run.calls):
            return False
        if status is CallStatus.TIMEOUT:
            run.timed_out(current, text, now - started)
        else:
            run.record(current, status, text, now - started)
        return run.next_index() < len(run.calls)


def _run_one_sandbox(launch: Launch, request: dict, output: OutputTail, run: RunState, first: int) -> bool:
    """Start a sandbox and drive it; a start-up failure (ours, not the student's) is retried once."""
    for attempt in (1, 2):
        try:
            with Session(launch, request, output, run.limits) as session:
                return _drive(session, run, first)
        except (SandboxStartError, OSError) as error:
            if attempt == 2 or run.out_of_time():
                if isinstance(error, SandboxStartError):
                    raise
                raise SandboxStartError(f"could not start the sandbox: {error}") from error
            time.sleep(0.2)
    raise AssertionError("unreachable")  # pragma: no cover


def run_sandboxes(launch: Launch, request: dict, output: OutputTail, run: RunState) -> None:
    """Run ``run``'s pending calls in as many sandbox processes as it takes, within its total time.

    ``request`` is the launch's request plus the submission's fields (module,
    limits, forbidden modules); each process gets the calls still pending.
    """
    first = 0
    while True:
        if run.out_of_time():
            run.fill_out_of_time()
            return
        full = dict(request, calls=encode_calls(run.calls, run.pending()))
        again = _run_one_sandbox(launch, full, output, run, first)
        first = run.next_index()
        if not again or first >= len(run.calls):
            return
        run.restarts += 1
