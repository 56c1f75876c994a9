"""Child side of the sandbox: import the student's module and run the calls.

Run as ``python -I -S -c <this file's source> REQUEST_FD`` inside the sandbox.
It imports only the standard library and numpy, never anything of cnnquiz (the
package source is not even mounted in the sandbox). Importing this module does
nothing; everything happens under ``if __name__ == "__main__":``.

Protocol. The parent writes one JSON request to an anonymous file passed as
``REQUEST_FD`` (inputs only, never expected answers). The harness answers on the
result pipe, one JSON object per line, raw values only::

    {"k": "ready"}                                   harness up, limits set
    {"k": "forbidden", "name": "torch"}              a refused import
    {"k": "import", "s": "ok" | "error" | "crashed" | "missing", "m": "..."}
    {"k": "call", "i": 3, "s": "ok", "v": [[1.0, 2.0]], "m": ""}
    {"k": "done"}

Statuses ``timeout`` and the death of the process are decided by the parent,
which owns every clock. The student can find and write to the result pipe; it
carries raw outputs only, so forging it gains nothing the student could not get
by returning the value.

With ``"supervise": true`` the process first acts as a tiny init: it performs the
requested mounts (``unshare`` level), becomes a child subreaper, forks the worker,
reaps orphans, kills what is left when the worker ends or the parent goes away,
and exits with the worker's status (``128 + signal`` when it was killed).
"""

from __future__ import annotations

import json
import os
import signal
import sys

__all__: list[str] = []

_MAX_DEPTH = 32
_MESSAGE_CHARS = 300

# Linux constants (x86_64 and aarch64 agree on these).
_MS_RDONLY = 0x1
_MS_NOSUID = 0x2
_MS_NODEV = 0x4
_MS_REMOUNT = 0x20
_MS_BIND = 0x1000
_MS_REC = 0x4000
_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_CHILD_SUBREAPER = 36
_PR_CAPBSET_DROP = 24


class _Bad(Exception):
    """A returned value that is not plain numbers and lists."""


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


def _read_request(fd: int) -> dict:
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return json.loads(b"".join(chunks))


# ---------------------------------------------------------------- system calls


def _libc():
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        import ctypes

        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _build_root(layout: list, newroot: str = "/tmp") -> None:
    """Build a whitelisted read-only root and ``chroot`` into it (``unshare`` level).

    Runs as root in the sandbox's private mount and PID namespaces, before any
    student code. ``layout`` holds the same operations the bubblewrap level turns
    into command-line options: ``["ro", src, dest]``, ``["tmpfs", dest]``,
    ``["workdir", dest, bytes]``, ``["symlink", target, dest]``, ``["dev", dest]``,
    ``["proc", dest]``. Every
    source is opened first, so covering ``/tmp`` (the staging point of the new
    root) cannot hide a source that lives there.
    """
    libc = _libc()
    sources = {}
    for op in layout:
        if op[0] == "ro" and op[1] not in sources:
            sources[op[1]] = os.open(op[1], os.O_PATH)
    _mount(libc, b"tmpfs", newroot, b"tmpfs", _MS_NOSUID | _MS_NODEV, b"mode=0755,size=4m")
    read_only = [newroot]
    for op in layout:
        kind, dest = op[0], newroot + (op[1] if op[0] == "workdir" else op[-1])
        if kind == "ro":
            source = op[1]
            if os.path.isdir(f"/proc/self/fd/{sources[source]}"):
                os.makedirs(dest, mode=0o755, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(dest), mode=0o755, exist_ok=True)
                os.close(os.open(dest, os.O_CREAT | os.O_WRONLY, 0o644))
            _mount(libc, f"/proc/self/fd/{sources[source]}".encode(), dest, None, _MS_BIND | _MS_REC, None)
            read_only.append(dest)
        elif kind == "workdir":
            os.makedirs(dest, mode=0o700, exist_ok=True)
            _mount(libc, b"tmpfs", dest, b"tmpfs", _MS_NOSUID | _MS_NODEV, f"mode=0700,size={int(op[2])}".encode())
        elif kind == "tmpfs":
            os.makedirs(dest, mode=0o755, exist_ok=True)
            _mount(libc, b"tmpfs", dest, b"tmpfs", _MS_NOSUID | _MS_NODEV, b"mode=0755,size=1m")
            read_only.append(dest)
        elif kind == "symlink":
            os.makedirs(os.path.dirname(dest), mode=0o755, exist_ok=True)
            os.symlink(op[1], dest)
        elif kind == "dev":
            _build_dev(libc, dest)
            read_only.append(dest)
        elif kind == "proc":
            os.makedirs(dest, mode=0o755, exist_ok=True)
            _mount(libc, b"/proc", dest, None, _MS_BIND | _MS_REC, None)
        else:
            raise ValueError(f"unknown layout op {kind!r}")
    for fd in sources.values():
        os.close(fd)
    for dest in reversed(read_only):
        _mount(libc, None, dest, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV, None)
    os.chroot(newroot)
    os.chdir("/")


def _build_dev(libc, dest: str) -> None:
    """A minimal /dev: null, zero, full, random, urandom and the fd symlinks."""
    os.makedirs(dest, mode=0o755, exist_ok=True)
    _mount(libc, b"tmpfs", dest, b"tmpfs", _MS_NOSUID, b"mode=0755,size=64k")
    for name in ("null", "zero", "full", "random", "urandom"):
        node = f"{dest}/{name}"
        os.close(os.open(node, os.O_CREAT | os.O_WRONLY, 0o666))
        _mount(libc, f"/dev/{name}".encode(), node, None, _MS_BIND, None)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dest}/{name}")


def _mount(libc, source, target: str, fstype, flags: int, data) -> None:
    _check(libc.mount(source, target.encode(), fstype, flags, data), f"mount {target}")


def _fill_workdir(source: str, workdir: str, uid) -> None:
    """Copy the submission into the student's tmpfs working directory and give it to ``uid``."""
    import shutil

    for folder, dirnames, filenames in os.walk(source):
        target = os.path.join(workdir, os.path.relpath(folder, source))
        for name in dirnames:
            os.mkdir(os.path.join(target, name), 0o755)
        for name in filenames:
            shutil.copyfile(os.path.join(folder, name), os.path.join(target, name), follow_symlinks=False)
    os.chmod(workdir, 0o700)
    if uid is not None:  # bottom-up: without CAP_DAC_OVERRIDE we could not enter a dir already given away
        for folder, dirnames, filenames in os.walk(workdir, topdown=False):
            for name in filenames:
                os.chown(os.path.join(folder, name), uid, uid)
            os.chown(folder, uid, uid)


def _drop_privileges(uid: int) -> None:
    """Become ``uid`` with no supplementary groups, no capabilities, no new privileges."""
    libc = None
    if os.geteuid() == 0:
        libc = _libc()
        for cap in range(64):  # empty the bounding set while we may (needs CAP_SETPCAP)
            libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid or os.getgroups():
        raise OSError("could not drop privileges")
    if not _no_new_privs():
        libc = libc or _libc()
        _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def _no_new_privs() -> bool:
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("NoNewPrivs:"):
                    return line.split()[1] == "1"
    except OSError:
        pass
    return False


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


# ---------------------------------------------------------------- supervision


def _supervise(request: dict) -> None:
    """Be the init of the sandbox: fork the worker, reap, clean up, mirror its status."""
    if request.get("layout") is not None:
        _build_root(request["layout"])
    libc = _libc()
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    lifeline = request["lifeline_fd"]
    worker = os.fork()
    if worker == 0:
        os.close(lifeline)
        try:
            _work(request)
        finally:
            os._exit(70)
    os.close(request["result_fd"])
    for std in (0, 1, 2):  # the supervisor writes nothing; let the output pipe close with the worker
        try:
            os.dup2(os.open(os.devnull, os.O_RDWR), std)
        except OSError:
            pass
    import select

    done = None
    signal.signal(signal.SIGCHLD, lambda *_: None)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    poller = select.poll()
    poller.register(lifeline, select.POLLIN | select.POLLHUP)
    poller.register(wake_r, select.POLLIN)
    while done is None:
        events = poller.poll(500)
        for fd, _ in events:
            if fd == wake_r:
                os.read(wake_r, 4096)
            elif fd == lifeline:  # the parent went away: end everything
                done = 137
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid == worker:
                done = 128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    _kill_descendants()
    os._exit(done)


def _kill_descendants() -> None:
    """SIGKILL every process below this one (we are their subreaper or PID 1)."""
    me = os.getpid()
    for _ in range(50):
        children: dict[int, list[int]] = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as handle:
                    stat = handle.read()
            except OSError:
                continue
            rest = stat[stat.rfind(b")") + 2 :].split()
            if rest[0] == b"Z":
                continue
            children.setdefault(int(rest[1]), []).append(int(name))
        found, todo = [], list(children.get(me, ()))
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, ()))
        if not found:
            break
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break


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
    (no ``__eq__``, ``__float__``, ``__array__`` or ``__reduce__``). ``budget`` is a
    one-item list: the number of numbers still allowed, shared across the value.
    """
    kind = type(value)
    if kind is int or kind is float:
        budget[0] -= 1
        if budget[0] < 0:
            raise _Bad("something too big")
        return value
    if kind is list or kind is tuple:
        if depth >= _MAX_DEPTH:
            raise _Bad("lists nested too deeply")
        budget[0] -= 1
        if len(value) > budget[0]:
            raise _Bad("something too big")
        return [_plain(item, np, budget, depth + 1) for item in value]
    if issubclass(kind, np.ndarray):
        array = value if kind is np.ndarray else np.ndarray.view(value, np.ndarray)
        code = array.dtype.kind
        if code not in "iuf":
            raise _Bad(f"an array of dtype {array.dtype}")
        budget[0] -= array.size
        if budget[0] < 0:
            raise _Bad("something too big")
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


def _encode_result(index: int, value, np, limit: int):
    """The encoded result line of a returned value, or a ``bad_output`` message."""
    try:
        plain = _plain(value, np, [max(limit // 4, 1)])
        line = (json.dumps({"k": "call", "i": index, "s": "ok", "v": plain, "m": ""}, allow_nan=True) + "\n").encode()
        if len(line) > limit:
            raise _Bad(f"something too big (over {limit} bytes of JSON)")
        return line
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


def _work(request: dict) -> None:
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
    import traceback  # noqa: F401  (preloaded so a student's traceback.py cannot shadow it)

    import numpy as np

    global _NUMPY_SCALARS
    _NUMPY_SCALARS = (
        np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
        np.float16, np.float32, np.float64, np.longdouble, np.intc, np.uintc, np.longlong, np.ulonglong,
    )
    if request.get("copy_from"):
        _fill_workdir(request["copy_from"], workdir, request.get("uid"))
    if request.get("uid") is not None:
        _drop_privileges(request["uid"])
    os.chdir(workdir)  # after the switch: the scratch copy belongs to the private uid
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
                message = _encode_result(index, value, np, limit)
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


def _main(argv: list) -> None:
    request = _read_request(int(argv[1]))
    if request.get("supervise"):
        _supervise(request)
    else:
        _work(request)


if __name__ == "__main__":
    _main(sys.argv)
