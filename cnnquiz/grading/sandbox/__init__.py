"""Run untrusted student code: isolation levels, limits, process-tree cleanup.

The public API is :func:`run_submission` with its data classes. The child side
(:mod:`cnnquiz.grading.sandbox.harness`) imports only the standard library and
numpy; expected answers never enter the sandbox, only call inputs do, and only
raw return values come back.

Examples
--------
>>> from cnnquiz.grading.sandbox import Call, ArrayArg, Limits
>>> Call("relu", (ArrayArg([[[1.0, -2.0]]]),)).args[0].data
[[[1.0, -2.0]]]
"""

from __future__ import annotations

from cnnquiz.grading.sandbox.isolation import detect_isolation
from cnnquiz.grading.sandbox.model import (
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
