"""Run one submission's calls in the sandbox: :func:`run_submission`.

One sandbox process runs the import and every call in order. When a call hangs,
crashes or exits, that call gets its verdict, the whole process tree is killed,
and a fresh sandbox re-imports the module and goes on with the remaining calls,
so one bad function costs only its own points. Every wait has a deadline: a
submission takes at most about ``(len(calls) + 1) * call_timeout_s`` plus the
start-up of each sandbox process.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

import cnnquiz
from cnnquiz.errors import GradingError
from cnnquiz.grading.sandbox.isolation import detect_isolation, plan_launch, private_uid_possible
from cnnquiz.grading.sandbox.model import (
    ArrayArg,
    Call,
    CallOutcome,
    CallStatus,
    IsolationLevel,
    Limits,
    SandboxResult,
)
from cnnquiz.grading.sandbox.scan import forbidden_imports, installed_package_dirs
from cnnquiz.grading.sandbox.scratch import Scratch, allocate_uid
from cnnquiz.grading.sandbox.session import Event, OutputTail, Session

__all__ = ["run_submission", "probe_level", "SandboxStartError", "STARTUP_TIMEOUT_S", "DEFAULT_FORBIDDEN"]

STARTUP_TIMEOUT_S = 10.0
"""How long a sandbox may take to be ready (python + numpy start-up, before any student code)."""

DEFAULT_FORBIDDEN = ("cnnquiz", "torch", "tensorflow", "jax")
_INT_BOUND = 2**1023


class SandboxStartError(GradingError):
    """The sandbox itself could not start (a grader problem, not the student's)."""


def _encode_arg(value: Any) -> list:
    if isinstance(value, ArrayArg):
        return ["a", np.asarray(value.data, dtype=np.float64).tolist()]
    return ["v", value]


def _encode_calls(calls: Sequence[Call], indices: Sequence[int]) -> list:
    return [
        [index, calls[index].function, [_encode_arg(a) for a in calls[index].args],
         {k: _encode_arg(v) for k, v in calls[index].kwargs.items()}]
        for index in indices
    ]


def _check_calls(calls: list) -> None:
    """Every call names a function and has JSON-able inputs (a grader error otherwise)."""
    for index, call in enumerate(calls):
        if not isinstance(call, Call) or not isinstance(call.function, str) or not call.function:
            raise GradingError(f"calls[{index}] must be a Call naming a function; got {call!r}")
        try:
            json.dumps(_encode_calls([call], [0]), allow_nan=True)
        except (TypeError, ValueError) as error:
            raise GradingError(f"calls[{index}] ({call.function}): inputs must be numbers, lists or "
                               f"ArrayArg of numbers: {error}") from None


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


def _hidden_paths(submission_dir: Path, extra: Sequence[os.PathLike | str], forbidden: Sequence[str] = ()) -> list[str]:
    package = Path(cnnquiz.__file__).resolve().parent
    hidden = [package, submission_dir.resolve().parent, *[Path(p).resolve() for p in extra]]
    hidden += [Path(p) for p in installed_package_dirs(forbidden, keep=[os.path.dirname(os.path.realpath(np.__file__))])]
    if (package.parent / "pyproject.toml").exists():  # a source checkout: tests, bank, examples
        hidden.append(package.parent)
    return [str(p) for p in hidden]


class _Run:
    """The state of one submission across sandbox restarts."""

    def __init__(self, calls: list[Call], limits: Limits, forbidden: Sequence[str] = ()) -> None:
        self.calls = calls
        self.limits = limits
        self.reportable = frozenset(forbidden)  # the harness may only report these (the student can forge)
        self.outcomes: list[CallOutcome | None] = [None] * len(calls)
        self.import_status: CallStatus | None = None
        self.import_message = ""
        self.forbidden: set[str] = set()
        self.restarts = 0

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


def _drive(session: Session, run: _Run, first: int) -> bool:
    """Read one sandbox's messages until it ends; ``True`` if another sandbox is needed."""
    limits = run.limits
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
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
                phase, started, deadline = "import", now, now + limits.call_timeout_s
                continue
            if phase == "import" and kind == "import":
                status = _status(message.get("s"), CallStatus.CRASHED)
                text = _text(message.get("m"))
                if not reimport:
                    run.import_status, run.import_message = status, text
                if status is not CallStatus.OK:
                    run.fill(status, ("re-import after a restart failed: " if reimport else "import failed: ") + text)
                    return False
                phase, started, deadline = "call", now, now + limits.call_timeout_s
                continue
            if phase == "call" and kind == "call" and message.get("i") == current:
                status = _status(message.get("s"), CallStatus.BAD_OUTPUT)
                value = message.get("v") if status is CallStatus.OK else None
                text = _text(message.get("m"))
                if status is CallStatus.OK and not _valid_value(value):
                    status, value = CallStatus.BAD_OUTPUT, None
                    text = "returned something that is not numbers or lists (or a number too large for a float)"
                run.record(current, status, text, now - started, value)
                current = run.next_index()
                if message.get("restart"):  # the harness quit after this call (out of memory)
                    return current < len(run.calls)
                started, deadline = now, now + limits.call_timeout_s
                continue
            if phase == "call" and kind == "done" and current >= len(run.calls):
                return False
            event = Event("bad", detail="sent an unexpected result message")
        if event.kind == "timeout":
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


def _run_one_sandbox(launch, request: dict, output: OutputTail, run: _Run, first: int) -> bool:
    """Start a sandbox and drive it; a start-up failure (ours, not the student's) is retried once."""
    for attempt in (1, 2):
        try:
            with Session(launch, request, output, run.limits.result_bytes) as session:
                return _drive(session, run, first)
        except (SandboxStartError, OSError) as error:
            if attempt == 2:
                if isinstance(error, SandboxStartError):
                    raise
                raise SandboxStartError(f"could not start the sandbox: {error}") from error
            time.sleep(0.2)
    raise AssertionError("unreachable")  # pragma: no cover


def _import_failed(run: _Run, reimport: bool, status: CallStatus, text: str) -> None:
    if not reimport:
        run.import_status, run.import_message = status, text
    run.fill(status, ("re-import after a restart failed: " if reimport else "import failed: ") + text)


def _status(raw: Any, default: CallStatus) -> CallStatus:
    try:
        return CallStatus(raw)
    except ValueError:
        return default


def _text(raw: Any) -> str:
    return raw[:400] if isinstance(raw, str) else ""


def _result_from(level, run: _Run, output: OutputTail, started: float) -> SandboxResult:
    return SandboxResult(
        isolation=level,
        import_status=run.import_status or CallStatus.CRASHED,
        import_message=run.import_message,
        outcomes=[o for o in run.outcomes if o is not None],
        forbidden_imports=sorted(run.forbidden),
        stdout_tail=output.text(),
        seconds=round(time.monotonic() - started, 4),
        restarts=run.restarts,
    )


def run_submission(
    submission_dir: Path,
    calls: Sequence[Call],
    *,
    module: str = "cnn",
    limits: Limits = Limits(),
    isolation: IsolationLevel | None = None,
    forbidden_modules: Sequence[str] = DEFAULT_FORBIDDEN,
    hidden_paths: Sequence[os.PathLike | str] = (),
) -> SandboxResult:
    """Import ``module`` from ``submission_dir`` in a sandbox and run ``calls``.

    Parameters
    ----------
    submission_dir
        The student's folder; only a scratch copy of its regular files is used.
    calls
        The calls to make, in order; each gets exactly one :class:`CallOutcome`.
    module
        Name of the student's module (``cnn`` for ``cnn.py``).
    limits
        Time, memory, file, process and output limits.
    isolation
        Force an isolation level (default: the strongest available).
    forbidden_modules
        Top-level modules the submission may not import; attempts are reported.
    hidden_paths
        Extra host paths to hide inside the sandbox (e.g. the grading output
        folder) when they fall under a mounted directory.

    Returns
    -------
    SandboxResult

    Raises
    ------
    GradingError
        ``submission_dir`` is not a folder, a call is malformed, or the sandbox
        itself could not start (:class:`SandboxStartError`).
    """
    started = time.monotonic()
    submission_dir = Path(submission_dir)
    if not submission_dir.is_dir():
        raise GradingError(f"{submission_dir}: submission folder not found")
    if not module.isidentifier():
        raise GradingError(f"module must be a Python identifier; got module={module!r}")
    calls = list(calls)
    _check_calls(calls)
    level = detect_isolation(isolation)
    forbidden = list(forbidden_modules)
    run = _Run(calls, limits, forbidden)
    output = OutputTail(limits.output_bytes)
    run.forbidden.update(forbidden_imports(submission_dir, forbidden))
    if not (submission_dir / f"{module}.py").is_file() and not (submission_dir / module / "__init__.py").is_file():
        run.import_status, run.import_message = CallStatus.MISSING, f"no {module}.py in the submission"
        run.fill(CallStatus.MISSING, f"no {module}.py in the submission")
        return _result_from(level, run, output, started)
    encoded_limits = dataclasses.asdict(limits)
    uid = allocate_uid() if private_uid_possible(level) else None
    scratch = Scratch(submission_dir, uid if level is IsolationLevel.RLIMITS else None)
    try:
        launch = plan_launch(level, scratch.work, uid, _hidden_paths(submission_dir, hidden_paths, forbidden),
                             workdir_bytes=_workdir_bytes(scratch.bytes, limits))
        encoded_limits["nproc_applies"] = uid is not None or level is not IsolationLevel.RLIMITS
        first = 0
        while True:
            request = dict(launch.request, module=module, forbidden=forbidden, limits=encoded_limits,
                           calls=_encode_calls(calls, run.pending()))
            again = _run_one_sandbox(launch, request, output, run, first)
            first = run.next_index()
            if not again or first >= len(calls):
                break
            run.restarts += 1
    finally:
        scratch.remove()
    run.fill(CallStatus.CRASHED, "not run: the sandbox ended early")
    return _result_from(level, run, output, started)


def _workdir_bytes(submission_bytes: int, limits: Limits) -> int:
    """Room for the student's files plus a few files of the largest allowed size."""
    return submission_bytes + max(32, 4 * limits.file_size_mb) * 1024 * 1024


def probe_level(level: IsolationLevel) -> str:
    """Why a real sandbox at ``level`` does not work here (``""`` when it does).

    Starts one: harness, mounts, uid switch, limits, numpy, and one call that
    reports the uid the student code runs as.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="cnnquiz-probe-") as folder:
        Path(folder, "probe_module.py").write_text("import os\n\ndef uid():\n    return os.getuid()\n")
        uid = allocate_uid() if private_uid_possible(level) else None
        output = OutputTail(4096)
        try:
            scratch = Scratch(Path(folder), uid if level is IsolationLevel.RLIMITS else None)
        except OSError as error:
            return f"cannot make a scratch copy: {error}"
        try:
            launch = plan_launch(level, scratch.work, uid, [])
            limits = Limits(call_timeout_s=5.0)
            run = _Run([Call("uid")], limits)
            request = dict(launch.request, module="probe_module", forbidden=[], calls=_encode_calls(run.calls, run.pending()),
                           limits=dict(dataclasses.asdict(limits), nproc_applies=uid is not None))
            with Session(launch, request, output, limits.result_bytes) as session:
                _drive(session, run, 0)
        except (OSError, GradingError) as error:
            return f"{error} {output.text()[-300:]}".strip()
        finally:
            scratch.remove()
    outcome = run.outcomes[0]
    if outcome is None or outcome.status is not CallStatus.OK:
        return f"the probe call failed: {outcome.message if outcome else 'no outcome'} {output.text()[-300:]}".strip()
    if uid is not None and outcome.value != uid:
        return f"student code ran as uid {outcome.value}, not the private uid {uid}"
    return ""
