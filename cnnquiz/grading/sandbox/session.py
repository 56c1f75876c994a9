"""One sandbox process: start it, read its messages with deadlines, kill its tree.

The parent never blocks without a deadline. It polls three descriptors at once:
the private result pipe (JSON lines of raw values), the student's merged
stdout/stderr pipe (kept to a capped tail, the rest read and discarded, never
parsed), and a pidfd that says when the process ended. A returned value comes
on a line of its own after its call's message and is checked as bytes before it
is decoded (:mod:`.outputs`). Killing is by PID
namespace (the init dies, the kernel kills the rest) or, without one, by walking
the supervisor's tree; then every process of the sandbox's private uid (or
carrying its environment token) is swept until none is left.
"""

from __future__ import annotations

import json
import os
import secrets
import select
import signal
import subprocess
import time
from dataclasses import dataclass
from importlib import resources
from typing import Any

from cnnquiz.grading.sandbox import procs
from cnnquiz.grading.sandbox.model import Launch, Limits
from cnnquiz.grading.sandbox.outputs import decode_value

__all__ = ["OutputTail", "Session", "Event", "HARNESS_SOURCE", "JAIL_SOURCE", "CONFINE_SOURCE"]

_READ = 1 << 16
_MESSAGE_CAP = 16 * 1024  # a message line (not a value line): the harness's are under 1 KiB


def _own_source(name: str) -> str:
    """The text of a module of this package, wherever it was imported from (a zip too)."""
    return resources.files("cnnquiz.grading.sandbox").joinpath(name).read_text(encoding="utf-8")


HARNESS_SOURCE = _own_source("harness.py")
JAIL_SOURCE = _own_source("jail.py")
CONFINE_SOURCE = _own_source("confine.py")


class OutputTail:
    """The last ``cap`` bytes of everything written to it, and how much was dropped.

    Examples
    --------
    >>> tail = OutputTail(4)
    >>> tail.add(b"abcdef")
    >>> tail.text()
    '[... 2 bytes of output discarded ...]\\ncdef'
    """

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.total = 0
        self._buffer = bytearray()

    def add(self, data: bytes) -> None:
        self.total += len(data)
        self._buffer += data
        if len(self._buffer) > 2 * self.cap:
            del self._buffer[: -self.cap]

    def text(self) -> str:
        kept = bytes(self._buffer[-self.cap :])
        dropped = self.total - len(kept)
        head = f"[... {dropped} bytes of output discarded ...]\n" if dropped else ""
        return head + kept.decode("utf-8", errors="replace")


@dataclass
class Event:
    """What :meth:`Session.next_event` saw: a message, the end, a timeout, or garbage."""

    kind: str  # "message" | "exit" | "timeout" | "bad"
    message: dict | None = None
    returncode: int | None = None
    detail: str = ""


def _sandbox_env(workdir: str, token: str) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
        "CNNQUIZ_SANDBOX": token,
    }


class Session:
    """A started sandbox process (use as a context manager; leaving kills it)."""

    def __init__(self, launch: Launch, request: dict[str, Any], output: OutputTail, limits: Limits) -> None:
        self.launch = launch
        self.output = output
        self.limits = limits
        self.result_cap = limits.result_bytes
        self._awaiting_value: dict | None = None
        self.token = secrets.token_hex(12)
        self._buffer = bytearray()
        self._pending: list[Event] = []
        self._result_open = True
        self._out_r_open = True
        self.returncode: int | None = None
        result_r, result_w = os.pipe()
        out_r, out_w = os.pipe()
        life_r, life_w = os.pipe()
        req_fd = os.memfd_create("cnnquiz-request", os.MFD_CLOEXEC)
        request = dict(request, result_fd=result_w, lifeline_fd=life_r, harness_source=HARNESS_SOURCE,
                       confine_source=CONFINE_SOURCE)
        os.write(req_fd, json.dumps(request, allow_nan=True).encode())
        os.lseek(req_fd, 0, os.SEEK_SET)
        try:
            self.proc = subprocess.Popen(
                [*launch.argv, JAIL_SOURCE, str(req_fd)],
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=out_w,
                pass_fds=(req_fd, result_w, life_r),
                env=_sandbox_env(request["workdir"], self.token),
                cwd="/",
                start_new_session=launch.new_session,
                close_fds=True,
            )
        except BaseException:
            for fd in (result_r, out_r, life_w):
                os.close(fd)
            raise
        finally:
            for fd in (req_fd, result_w, out_w, life_r):
                os.close(fd)
        self._result_r, self._out_r, self._life_w = result_r, out_r, life_w
        for fd in (result_r, out_r):
            os.set_blocking(fd, False)
        self._pidfd = os.pidfd_open(self.proc.pid)
        self._poller = select.poll()
        for fd in (result_r, out_r, self._pidfd):
            self._poller.register(fd, select.POLLIN | select.POLLHUP)

    # ----------------------------------------------------------------- reading

    def next_event(self, deadline: float) -> Event:
        """The next message or end of the process, or a timeout at ``deadline``."""
        while True:
            if self._pending:
                return self._pending.pop(0)
            event = self._take_line()
            if event is not None:
                return event
            if self.returncode is not None:
                return Event("exit", returncode=self.returncode)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return Event("timeout")
            for fd, _ in self._poller.poll(max(1, int(remaining * 1000) + 1)):
                if fd == self._out_r:
                    self._read_output()
                elif fd == self._result_r:
                    self._read_result()
                elif fd == self._pidfd:
                    self._finish()

    def _take_line(self) -> Event | None:
        newline = self._buffer.find(b"\n")
        if newline < 0:
            if len(self._buffer) > self.result_cap + 4096:
                self._buffer.clear()
                return Event("bad", detail="sent more than the result size cap")
            return None
        line = bytes(self._buffer[:newline])
        del self._buffer[: newline + 1]
        if self._awaiting_value is not None:
            return self._value_event(line)
        if len(line) > _MESSAGE_CAP:  # never decode a forged message of megabytes
            return Event("bad", detail="sent an oversized result message")
        try:
            message = json.loads(line)
        except (ValueError, RecursionError):
            return Event("bad", detail="sent a malformed result line")
        if not isinstance(message, dict):
            return Event("bad", detail="sent a malformed result line")
        if message.get("k") == "call" and message.get("s") == "ok":
            self._awaiting_value = message  # its value is the next line
            return self._take_line()
        return Event("message", message=message)

    def _value_event(self, line: bytes) -> Event:
        """The awaited call message, with the value decoded from ``line`` or the reason it was not."""
        message, self._awaiting_value = self._awaiting_value, None
        value, elements, problem = decode_value(line, max_elements=self.limits.result_elements,
                                                max_depth=self.limits.result_depth)
        if problem and not problem.startswith("output too large"):
            return Event("bad", detail=problem)
        if problem:
            message = dict(message, s="bad_output", m=problem)
        else:
            message = dict(message, v=value, elements=elements)
        return Event("message", message=message)

    def _read_result(self) -> None:
        while self._result_open:
            try:
                chunk = os.read(self._result_r, _READ)
            except BlockingIOError:
                return
            if not chunk:
                self._result_open = False
                self._poller.unregister(self._result_r)
                return
            self._buffer += chunk
            if len(self._buffer) > self.result_cap + 4096 and b"\n" not in self._buffer:
                return

    def _read_output(self, budget: int = 64) -> None:
        for _ in range(budget):
            try:
                chunk = os.read(self._out_r, _READ)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                self._poller.unregister(self._out_r)
                self._out_r_open = False
                return
            self.output.add(chunk)

    def _finish(self) -> None:
        """The process ended: collect what it wrote before dying, then its status."""
        self._poller.unregister(self._pidfd)
        self._read_result()
        self.returncode = self.proc.wait()

    # ----------------------------------------------------------------- killing

    def kill(self) -> None:
        """End the sandbox and everything it started; idempotent."""
        if self._life_w >= 0:
            os.close(self._life_w)
            self._life_w = -1
        if self.returncode is None:
            if self.launch.tree_root:
                procs.kill_until_gone(lambda: procs.descendants(self.proc.pid), deadline_s=2.0)
            try:
                self.proc.send_signal(signal.SIGKILL)
            except OSError:
                pass
            try:
                self.returncode = self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # stuck in the kernel; the sweeps below still run
                self.returncode = -signal.SIGKILL
        if self.launch.kill_uid is not None:
            procs.kill_until_gone(lambda: procs.processes_of_uid(self.launch.kill_uid))
        if self.launch.tree_root:
            procs.kill_until_gone(lambda: procs.processes_with_token(self.token))

    def close(self) -> None:
        """Kill, drain the output pipe briefly, and release every descriptor."""
        self.kill()
        if self._out_r_open:
            end = time.monotonic() + 0.2
            while time.monotonic() < end:
                try:
                    chunk = os.read(self._out_r, _READ)
                except BlockingIOError:
                    if not select.select([self._out_r], [], [], max(0.0, end - time.monotonic()))[0]:
                        break
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                self.output.add(chunk)
        for fd in (self._result_r, self._out_r, self._pidfd):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
