"""Run untrusted student code: isolation levels, limits, process-tree cleanup.

The public API is :func:`run_submission` and its data classes. Only call inputs
enter the sandbox and only raw return values come out (JSON lines on a private
pipe, size-capped, read with deadlines, re-validated in the parent); expected
answers, hidden tests and verdicts never enter it, and the student's stdout is
kept for humans only.

Design, one submission:

1. the parent walks the submission once, within caps, never following links
   (:mod:`.intake`), scans its ``.py`` files for forbidden imports
   (:mod:`.scan`) and copies what the walk took into a private scratch folder
   (:mod:`.scratch`), plus any generated ``extra_files``;
2. it picks the level (:mod:`.detect`, from the one table in :mod:`.levels`),
   leases a private uid (:mod:`.uids`) and starts one sandbox process
   (:mod:`.session`): ``bwrap``, ``unshare`` or nothing around
   ``python -I -S -c <jail.py>``; the jail (:mod:`.jail`, stdlib only) builds
   the file-system view, copies the submission into a size-capped tmpfs
   working directory, switches to the private uid, enters a seccomp filter and
   (``uid`` level) a Landlock domain (:mod:`.confine`) and runs the harness
   (:mod:`.harness`, stdlib + numpy), which sets the rlimits, imports ``cnn.py``
   and runs every call in order; returned values are checked as bytes before
   they are decoded (:mod:`.outputs`);
3. a hang, crash or exit costs only that call: the tree is killed, a fresh
   sandbox re-imports the module and continues with the remaining calls
   (:mod:`.driver`), all within the submission's total time
   (:data:`TOTAL_TIME_S`);
4. afterwards nothing survives: the PID namespace dies with its init, and every
   process of the private uid (or carrying the sandbox's environment token) is
   swept until none is left (:mod:`.procs`).

Why it holds as root: the student never keeps uid 0. Each live sandbox leases
its own private uid (:func:`.uids.lease_uid`), so ``RLIMIT_NPROC`` (ignored for
uid 0) bites and counts only that sandbox's processes. The ``bwrap`` level runs
without a user namespace (which would map the student back to uid 0), drops every
capability except the four the jail needs to switch uid (``--cap-drop ALL
--cap-add CAP_SETUID,CAP_SETGID,CAP_SETPCAP,CAP_CHOWN``), and the jail then empties
the bounding set, sets no-new-privs and calls ``setresuid``, which clears the
rest. The file system is a whitelist (:func:`.layout.layout`): ``/usr``,
``/etc``, the Python runtime (bound directly, so pyenv under a mode-700 ``/root``
works), a minimal ``/dev``, a private ``/proc``, an empty read-only ``/tmp``; the
cnnquiz package, the submissions tree and any ``hidden_paths`` are covered with an
empty tmpfs wherever they fall inside a mounted folder, and are simply absent
otherwise.

Examples
--------
>>> from cnnquiz.grading.sandbox import Call, ArrayArg, Limits
>>> Call("relu", (ArrayArg([[[1.0, -2.0]]]),)).args[0].data
[[[1.0, -2.0]]]
"""

from __future__ import annotations

from cnnquiz.grading.sandbox.detect import ENV_VAR, detect_in_background, detect_isolation, reset_detection
from cnnquiz.grading.sandbox.intake import submission_digest
from cnnquiz.grading.sandbox.model import (
    TOTAL_TIME_S,
    ArrayArg,
    Call,
    CallOutcome,
    CallStatus,
    IsolationLevel,
    Limits,
    SandboxResult,
)
from cnnquiz.grading.sandbox.runner import DEFAULT_FORBIDDEN, SandboxStartError, run_submission

__all__ = [
    "IsolationLevel",
    "detect_isolation",
    "detect_in_background",
    "reset_detection",
    "ENV_VAR",
    "submission_digest",
    "TOTAL_TIME_S",
    "Limits",
    "ArrayArg",
    "Call",
    "CallStatus",
    "CallOutcome",
    "SandboxResult",
    "run_submission",
    "SandboxStartError",
    "DEFAULT_FORBIDDEN",
]
