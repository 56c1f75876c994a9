"""Second stage of a sandbox process: import the student's module and run the calls.

Loaded by :mod:`cnnquiz.grading.sandbox.jail` (which has already built the file
system view and switched to the private uid) and entered through :func:`work`.
It imports only the standard library and numpy, never anything of cnnquiz (the
package source is not even mounted in the sandbox). Importing this module does
nothing.

Protocol. The request (inputs only, never expected answers) comes from the
parent through the jail. The harness answers on the result pipe, one JSON object
per line, raw values only::

    {"k": "ready"}                                   harness up, limits set
    {"k": "forbidden", "name": "torch"}              a refused import
    {"k": "import", "s": "ok" | "error" | "crashed" | "missing", "m": "..."}
    {"k": "call", "i": 3, "s": "ok", "m": ""}         then, on its own line,
    [[1.0, 2.0]]                                     the raw value (numbers and lists only)
    {"k": "done"}

Statuses ``timeout`` and the death of the process are decided by the parent,
which owns every clock. The student can find and write to the result pipe; it
carries raw outputs only, so forging it gains nothing the student could not get
by returning the value. Returned values are converted by exact type checks, so
no method of a student's object (``__eq__``, ``__float__``, ``__reduce__``) runs.
"""

from __future__ import annotations

import json
import os
import sys

__all__ = ["work"]

_MAX_DEPTH = 32
_MESSAGE_CHARS = 300



class _Bad(Exception):
    """A returned value that is not plain numbers and lists."""


class _TooLarge(_Bad):
    """A returned value beyond the element or byte cap."""


# --------------------------------------------------------------------------- I/O


def _send(fd: int, message) -> None:
    """Write one message (a dict, or an already encoded line) to the result pipe."""
    data = message if isinstance(message, bytes) else (json.dumps(message, allow_nan=True) + "\n").encode()
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE_CHARS else text[: _MESSAGE_CHARS - 3] + "..."


def _flush(streams) -> None:
    """Flush the original stdout/stderr objects (so output precedes the verdict)."""
    for stream in streams:
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - a broken stream must not stop grading
            pass




def _set_limits(limits: dict, n_calls: int) -> None:
    import resource

    mib = 1024 * 1024
    pairs = [
        (resource.RLIMIT_AS, limits["memory_mb"] * mib),
        (resource.RLIMIT_FSIZE, limits["file_size_mb"] * mib),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NOFILE, 256),
    ]
    if limits.get("nproc_applies", True):
        pairs.append((resource.RLIMIT_NPROC, limits["nproc"]))
    used = _cpu_used()
    hard = int(used + (n_calls + 1) * limits["cpu_s"]) + 2
    pairs.append((resource.RLIMIT_CPU, hard))
    for which, value in pairs:
        soft, old_hard = resource.getrlimit(which)
        if old_hard != resource.RLIM_INFINITY:
            value = min(value, old_hard)
        resource.setrlimit(which, (value, value))
    _cpu_budget(limits["cpu_s"])


def _cpu_used() -> float:
    times = os.times()
    return times.user + times.system


def _cpu_budget(seconds: float) -> None:
    """Let the next call use ``seconds`` more CPU (soft ``RLIMIT_CPU``, SIGXCPU)."""
    import math
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(_cpu_used() + seconds)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _close_fds(keep: set) -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass




# ---------------------------------------------------------------------- worker


class _ForbiddenFinder:
    """A meta path finder that refuses forbidden modules and reports each attempt."""

    def __init__(self, forbidden: list, result_fd: int) -> None:
        self.forbidden = frozenset(forbidden)
        self.result_fd = result_fd
        self.reported: set = set()

    def find_spec(self, fullname, path=None, target=None):
        top = str(fullname).partition(".")[0]
        if top in self.forbidden:
            if top not in self.reported:
                self.reported.add(top)
                try:
                    _send(self.result_fd, {"k": "forbidden", "name": top})
                except OSError:
                    pass
            raise ModuleNotFoundError(f"import of {top!r} is not allowed in this assignment", name=fullname)
        return None


def _describe(error: BaseException, workdir: str) -> str:
    """``"ValueError: bad kernel (cnn.py, line 12)"``, trusting nothing of the student's but ``__str__``."""
    name = _type_name(type(error), "__name__")
    try:
        text = str(error)
        text = str.__str__(text) if isinstance(text, str) else ""
    except BaseException:  # noqa: BLE001
        text = "<unprintable message>"
    where = ""
    tb = BaseException.__dict__["__traceback__"].__get__(error)
    prefix = workdir.rstrip("/") + "/"
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(prefix):
            where = f" ({filename[len(prefix):]}, line {tb.tb_lineno})"
        tb = tb.tb_next
    return _one_line(f"{name}: {text}" if text else name) + where


def _plain(value, np, budget: list, depth: int = 0):
    """Plain ints, floats and nested lists from a returned value; ``_Bad`` otherwise.

    Only exact types are accepted, so no method of a student's class ever runs
    (no ``__eq__``, ``__float__``, ``__array__`` or ``__reduce__``). ``budget`` is
    ``[numbers and lists still allowed, the cap]``, shared across the value.
    """
    kind = type(value)
    if kind is int or kind is float:
        budget[0] -= 1
        if budget[0] < 0:
            raise _TooLarge(f"more than {budget[1]} numbers and lists")
        return value
    if kind is list or kind is tuple:
        if depth >= _MAX_DEPTH:
            raise _Bad("lists nested too deeply")
        budget[0] -= 1
        if len(value) > budget[0]:
            raise _TooLarge(f"more than {budget[1]} numbers and lists")
        return [_plain(item, np, budget, depth + 1) for item in value]
    if issubclass(kind, np.ndarray):
        array = value if kind is np.ndarray else np.ndarray.view(value, np.ndarray)
        code = array.dtype.kind
        if code not in "iuf":
            raise _Bad(f"an array of dtype {array.dtype}")
        budget[0] -= array.size
        if budget[0] < 0:
            raise _TooLarge(f"more than {budget[1]} numbers and lists")
        if code == "f":
            array = array.astype(np.float64)
        return array.tolist()
    if any(kind is scalar for scalar in _NUMPY_SCALARS):
        budget[0] -= 1
        return float(value) if issubclass(kind, np.floating) else int(value)
    raise _Bad(f"a {_type_name(kind)}")


_NUMPY_SCALARS: tuple = ()


def _type_name(kind, attribute: str = "__qualname__") -> str:
    """A class's name read through ``type``'s own descriptor (no metaclass code runs)."""
    try:
        name = type.__dict__[attribute].__get__(kind)
        return str.__str__(name) if isinstance(name, str) else "object"
    except Exception:  # noqa: BLE001
        return "object"


def _encode_result(index: int, value, np, limit: int, max_elements: int | None = None):
    """The call line and value line of a returned value, or a ``bad_output`` message.

    The value line holds only numbers, brackets, commas and spaces, so the parent
    can check its size and shape before decoding it.
    """
    try:
        budget = max(limit // 4, 1) if max_elements is None else min(max_elements, max(limit // 4, 1))
        plain = _plain(value, np, [budget, budget])
        line = (json.dumps(plain, allow_nan=True) + "\n").encode()
        if len(line) > limit:
            raise _TooLarge(f"over {limit} bytes of JSON")
        return (json.dumps({"k": "call", "i": index, "s": "ok", "m": ""}) + "\n").encode() + line
    except _TooLarge as large:
        return {"k": "call", "i": index, "s": "bad_output", "m": f"output too large: {large}"}
    except _Bad as bad:
        reason = str(bad)
    except (RecursionError, MemoryError, ValueError, TypeError, OverflowError) as error:
        reason = f"unconvertible ({type(error).__name__})"
    return {"k": "call", "i": index, "s": "bad_output", "m": f"returned {reason}, not numbers, lists or a numeric array"}


def _exit_code(exit_: SystemExit) -> str:
    code = exit_.code
    if code is None or type(code) is int:
        return repr(code)
    if type(code) is str:
        return _one_line(repr(code))
    return "..."


def _decode_arg(arg, np):
    tag, data = arg
    return np.array(data, dtype=np.float64) if tag == "a" else data


def work(request: dict) -> None:
    """Import the student's module and run the calls (already as the private uid); never returns."""
    result_fd = request["result_fd"]
    workdir = request["workdir"]
    _close_fds({0, 1, 2, result_fd})
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.dont_write_bytecode = True
    for path in request["site_paths"]:
        if path not in sys.path:
            sys.path.append(path)
    import importlib

    import numpy as np

    global _NUMPY_SCALARS
    _NUMPY_SCALARS = (
        np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
        np.float16, np.float32, np.float64, np.longdouble, np.intc, np.uintc, np.longlong, np.ulonglong,
    )
    os.chdir(workdir)
    calls = request["calls"]
    _set_limits(request["limits"], len(calls))
    streams = (sys.stdout, sys.stderr)
    finder = _ForbiddenFinder(request["forbidden"], result_fd)
    sys.meta_path.insert(0, finder)
    sys.path.insert(0, workdir)
    _send(result_fd, {"k": "ready"})

    module_name = request["module"]
    failure = None
    try:
        module = importlib.import_module(module_name)
    except SystemExit as exit_:
        failure = ("crashed", f"called sys.exit({_exit_code(exit_)}) while being imported")
    except ModuleNotFoundError as error:
        failure = ("missing" if error.name == module_name else "error", _describe(error, workdir))
    except MemoryError:
        failure = ("crashed", "ran out of memory while being imported")
    except BaseException as error:  # noqa: BLE001 - any failure of student code is reported
        failure = ("error", _describe(error, workdir))
    _flush(streams)
    if failure is not None:
        _send(result_fd, {"k": "import", "s": failure[0], "m": failure[1]})
        os._exit(0)
    _send(result_fd, {"k": "import", "s": "ok", "m": ""})

    limit = request["limits"]["result_bytes"]
    for index, function, args, kwargs in calls:
        _cpu_budget(request["limits"]["cpu_s"])
        restart = False
        try:
            target = getattr(module, function, None)
            if target is None or not callable(target):
                message = {"k": "call", "i": index, "s": "missing", "m": f"{module_name}.py has no function {function}()"}
            else:
                value = target(*[_decode_arg(a, np) for a in args], **{k: _decode_arg(v, np) for k, v in kwargs.items()})
                message = _encode_result(index, value, np, limit, request["limits"].get("result_elements"))
        except SystemExit as exit_:
            message = {"k": "call", "i": index, "s": "crashed", "m": f"called sys.exit({_exit_code(exit_)})"}
        except MemoryError:
            message = {"k": "call", "i": index, "s": "crashed", "m": "ran out of memory", "restart": True}
            restart = True
        except BaseException as error:  # noqa: BLE001
            message = {"k": "call", "i": index, "s": "error", "m": _describe(error, workdir)}
        _flush(streams)
        _send(result_fd, message)
        if restart:
            os._exit(0)
    _send(result_fd, {"k": "done"})
    os._exit(0)
