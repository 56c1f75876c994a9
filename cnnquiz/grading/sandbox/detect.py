"""Which isolation level works here: probe each once, cache, and obey ``CNNQUIZ_ISOLATION``.

A level works when a real sandbox at that level (jail, mounts, uid switch,
seccomp, Landlock, limits, numpy) starts and runs one call that reports the uid
student code runs as. Levels are tried strongest first, in the order of
:data:`.levels.LEVELS`; each probe runs once per process (thread-safe) and
:func:`reset_detection` forgets the results (tests).

Where ``--isolation`` cannot be passed (the platform bundles' entry points),
the environment variable ``CNNQUIZ_ISOLATION=bwrap|unshare|uid|rlimits`` forces
the level; an explicit ``preferred`` level (the CLI flag) wins over it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

from cnnquiz.errors import CnnquizError, GradingError
from cnnquiz.grading.sandbox.driver import RunState, encoded_limits, run_sandboxes
from cnnquiz.grading.sandbox.intake import walk
from cnnquiz.grading.sandbox.levels import LEVELS, LaunchSpec, plan_launch
from cnnquiz.grading.sandbox.model import Call, CallStatus, IsolationLevel, Limits
from cnnquiz.grading.sandbox.scratch import Scratch
from cnnquiz.grading.sandbox.session import OutputTail
from cnnquiz.grading.sandbox.uids import lease_uid

__all__ = ["ENV_VAR", "detect_isolation", "detect_in_background", "level_available", "why_unavailable",
           "reset_detection", "forced_level"]

ENV_VAR = "CNNQUIZ_ISOLATION"
"""Environment variable that forces the isolation level when ``--isolation`` is not given."""

_lock = threading.Lock()
_why_not: dict[IsolationLevel, str] = {}


def reset_detection() -> None:
    """Forget every probe result, so the next detection probes again (tests)."""
    with _lock:
        _why_not.clear()


def why_unavailable(level: IsolationLevel) -> str:
    """``""`` when ``level`` works here, else why not (probed once, then cached)."""
    level = IsolationLevel(level)
    with _lock:
        if level not in _why_not:
            _why_not[level] = _probe(level)
        return _why_not[level]


def level_available(level: IsolationLevel) -> bool:
    """Whether ``level`` works on this machine."""
    return not why_unavailable(level)


def forced_level() -> IsolationLevel | None:
    """The level named by :data:`ENV_VAR`, or ``None`` when it is unset or empty.

    Raises
    ------
    CnnquizError
        When the variable names no level.
    """
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return None
    try:
        return IsolationLevel(raw.lower())
    except ValueError:
        choices = "|".join(level.value for level in LEVELS)
        raise CnnquizError(f"{ENV_VAR}={raw!r} names no isolation level (choose {choices})") from None


def detect_isolation(preferred: IsolationLevel | None = None) -> IsolationLevel:
    """The level to grade with: ``preferred``, else :data:`ENV_VAR`, else the strongest that works.

    Raises
    ------
    CnnquizError
        When the requested level (argument or environment) does not work here.
    """
    requested = IsolationLevel(preferred) if preferred is not None else forced_level()
    if requested is not None:
        why = why_unavailable(requested)
        if why:
            source = "" if preferred is not None else f" (from {ENV_VAR})"
            raise CnnquizError(f"sandbox isolation level {requested.value!r}{source} is not available on this "
                               f"machine: {why}")
        return requested
    for level in LEVELS:
        if level_available(level):
            return level
    return IsolationLevel.RLIMITS


def detect_in_background(preferred: IsolationLevel | None = None) -> threading.Thread:
    """Start :func:`detect_isolation` in a thread and return it (already started).

    The probe is a real sandbox (about 0.1 s, mostly waiting for its child), so it can run
    while the caller imports and draws the tests: ``cnnquiz check`` pays for it once
    instead of adding it. The caller's own :func:`detect_isolation` afterwards returns the
    cached result, or waits for the probe under the lock, and raises whatever detection
    raises; this thread never raises (the caller's call reports it).
    """

    def probe() -> None:
        try:
            detect_isolation(preferred)
        except Exception:  # noqa: BLE001 - the caller's detect_isolation() raises it again
            pass

    thread = threading.Thread(target=probe, name="cnnquiz-isolation-probe", daemon=True)
    thread.start()
    return thread


def _probe(level: IsolationLevel) -> str:
    """``""`` when a real sandbox at ``level`` works here, else the reason."""
    facts = LEVELS[level]
    if facts.tool is not None and shutil.which(facts.tool) is None:
        return f"{facts.tool} is not installed"
    why = facts.precheck()
    if why:
        return why
    with tempfile.TemporaryDirectory(prefix="cnnquiz-probe-") as folder:
        Path(folder, "probe_module.py").write_text("import os\n\ndef uid():\n    return os.getuid()\n")
        try:
            return _probe_run(level, Path(folder))
        except (OSError, GradingError) as error:
            return str(error)


def _probe_run(level: IsolationLevel, folder: Path) -> str:
    facts = LEVELS[level]
    lease = lease_uid() if facts.private_uid() else None
    uid = lease.uid if lease else None
    output = OutputTail(4096)
    limits = Limits(call_timeout_s=5.0, total_s=30.0)
    try:
        scratch = Scratch(walk(folder), uid if facts.in_place else None)
        try:
            launch = plan_launch(level, LaunchSpec(scratch.work, uid))
            run = RunState([Call("uid")], limits)
            request = dict(launch.request, module="probe_module", forbidden=[],
                           limits=encoded_limits(limits, uid is not None or facts.namespaces))
            run_sandboxes(launch, request, output, run)
        finally:
            scratch.remove()
    except (OSError, GradingError) as error:
        return f"{error} {output.text()[-300:]}".strip()
    finally:
        if lease:
            lease.release()
    outcome = run.outcomes[0]
    if outcome is None or outcome.status is not CallStatus.OK:
        return f"the probe call failed: {outcome.message if outcome else 'no outcome'} {output.text()[-300:]}".strip()
    if uid is not None and outcome.value != uid:
        return f"student code ran as uid {outcome.value}, not the private uid {uid}"
    return ""

