"""Run one submission's calls in a sandbox: :func:`run_submission`.

Wires the parts together: the intake walk (:mod:`.intake`), the level to use
(:mod:`.detect`), a private uid (:mod:`.uids`), the scratch copy
(:mod:`.scratch`), the level's launch plan (:mod:`.levels`) and the sandbox
processes (:mod:`.driver`). A submission costs at most ``limits.total_s`` of
wall time (:data:`~cnnquiz.grading.sandbox.model.TOTAL_TIME_S` by default),
start-ups, import, re-imports and calls included, plus the bounded intake walk
before and the kill sweep after.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

import cnnquiz
from cnnquiz.errors import GradingError
from cnnquiz.grading.sandbox.detect import detect_isolation
from cnnquiz.grading.sandbox.driver import RunState, SandboxStartError, encode_calls, encoded_limits, run_sandboxes
from cnnquiz.grading.sandbox.intake import Intake, walk
from cnnquiz.grading.sandbox.levels import LEVELS, LaunchSpec, plan_launch
from cnnquiz.grading.sandbox.model import Call, CallStatus, IsolationLevel, Limits, SandboxResult
from cnnquiz.grading.sandbox.scan import forbidden_imports, installed_package_dirs
from cnnquiz.grading.sandbox.scratch import Scratch, check_extra_files
from cnnquiz.grading.sandbox.session import OutputTail
from cnnquiz.grading.sandbox.uids import lease_uid

__all__ = ["run_submission", "SandboxStartError", "DEFAULT_FORBIDDEN"]

DEFAULT_FORBIDDEN = ("cnnquiz", "torch", "tensorflow", "jax")


def _check_calls(calls: list) -> None:
    """Every call names a function and has JSON-able inputs (a grader error otherwise)."""
    import json

    for index, call in enumerate(calls):
        if not isinstance(call, Call) or not isinstance(call.function, str) or not call.function:
            raise GradingError(f"calls[{index}] must be a Call naming a function; got {call!r}")
        try:
            json.dumps(encode_calls([call], [0]), allow_nan=True)
        except (TypeError, ValueError) as error:
            raise GradingError(f"calls[{index}] ({call.function}): inputs must be numbers, lists or "
                               f"ArrayArg of numbers: {error}") from None


def _hidden_paths(submission_dir: Path, extra: Sequence[os.PathLike | str], forbidden: Sequence[str] = ()) -> list[str]:
    package = Path(cnnquiz.__file__).resolve().parent
    hidden = [package, submission_dir.resolve().parent, *[Path(p).resolve() for p in extra]]
    hidden += [Path(p) for p in installed_package_dirs(forbidden, keep=[os.path.dirname(os.path.realpath(np.__file__))])]
    if (package.parent / "pyproject.toml").exists():  # a source checkout: tests, bank, examples
        hidden.append(package.parent)
    return [str(p) for p in hidden]


def _has_module(intake: Intake, extra_files: Mapping[str, bytes], module: str) -> bool:
    names = {e.rel for e in intake.files()} | set(extra_files)
    return f"{module}.py" in names or f"{module}/__init__.py" in names


def _result_from(level: IsolationLevel, run: RunState, output: OutputTail) -> SandboxResult:
    return SandboxResult(
        isolation=level,
        import_status=run.import_status or CallStatus.CRASHED,
        import_message=run.import_message,
        outcomes=[o for o in run.outcomes if o is not None],
        forbidden_imports=sorted(run.forbidden),
        stdout_tail=output.text(),
        seconds=round(time.monotonic() - run.started, 4),
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
    extra_files: Mapping[str, bytes] | None = None,
) -> SandboxResult:
    """Import ``module`` from ``submission_dir`` in a sandbox and run ``calls``.

    Parameters
    ----------
    submission_dir
        The student's folder; only a scratch copy of what :func:`.intake.walk`
        takes from it is used (regular files and folders, within its caps).
    calls
        The calls to make, in order; each gets exactly one :class:`CallOutcome`.
    module
        Name of the student's module (``cnn`` for ``cnn.py``).
    limits
        Time, memory, file, process, output and total-time limits.
    isolation
        Force an isolation level (default: ``CNNQUIZ_ISOLATION`` if set, else the
        strongest available).
    forbidden_modules
        Top-level modules the submission may not import; attempts are reported.
    hidden_paths
        Extra host paths to hide inside the sandbox (e.g. the grading output
        folder) when they fall under a mounted directory.
    extra_files
        Generated files to place into the scratch copy after the student's files,
        overriding them: ``{"cnn.py": source_bytes}`` grades a notebook's code
        cells as ``cnn.py``. Names are relative ``/``-separated paths; the files
        are scanned for forbidden imports like the student's own.

    Returns
    -------
    SandboxResult

    Raises
    ------
    GradingError
        ``submission_dir`` is not a folder, a call or an extra file is malformed,
        or the sandbox itself could not start (:class:`SandboxStartError`).
    """
    started = time.monotonic()
    submission_dir = Path(submission_dir)
    if not module.isidentifier():
        raise GradingError(f"module must be a Python identifier; got module={module!r}")
    calls = list(calls)
    _check_calls(calls)
    extra = check_extra_files(extra_files or {})
    intake = walk(submission_dir)
    level = detect_isolation(isolation)
    facts = LEVELS[level]
    forbidden = list(forbidden_modules)
    run = RunState(calls, limits, forbidden, started=started)
    output = OutputTail(limits.output_bytes)
    run.forbidden.update(forbidden_imports(intake, forbidden, extra))
    if not _has_module(intake, extra, module):
        run.import_status, run.import_message = CallStatus.MISSING, f"no {module}.py in the submission"
        run.fill(CallStatus.MISSING, f"no {module}.py in the submission")
        return _result_from(level, run, output)
    lease = lease_uid() if facts.private_uid() else None
    uid = lease.uid if lease else None
    try:
        scratch = Scratch(intake, uid if facts.in_place else None, extra)
        try:
            spec = LaunchSpec(scratch.work, uid, tuple(_hidden_paths(submission_dir, hidden_paths, forbidden)),
                              workdir_bytes=_workdir_bytes(scratch.bytes, limits))
            launch = plan_launch(level, spec)
            request = dict(launch.request, module=module, forbidden=forbidden,
                           limits=encoded_limits(limits, uid is not None or facts.namespaces))
            run_sandboxes(launch, request, output, run)
        finally:
            scratch.remove()
    finally:
        if lease:
            lease.release()
    run.fill(CallStatus.CRASHED, "not run: the sandbox ended early")
    return _result_from(level, run, output)


def _workdir_bytes(submission_bytes: int, limits: Limits) -> int:
    """Room for the student's files plus a few files of the largest allowed size."""
    return submission_bytes + max(32, 4 * limits.file_size_mb) * 1024 * 1024
