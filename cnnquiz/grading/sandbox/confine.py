"""Child-side confinement that needs no namespace: a seccomp filter and Landlock.

Loaded by the jail from its source (like the harness), standard library only
(``ctypes`` for ``prctl`` and the Landlock system calls); importing it does
nothing. Entered through :func:`prepare` (as root, before the uid switch: open
the allowed paths) and :func:`enforce` (after it, with no-new-privs set).

The seccomp filter applies at every level and refuses, with ``EPERM``:

- new namespaces (``unshare``/``clone`` with any ``CLONE_NEW*`` flag, ``setns``):
  a user namespace would let the student mount a tmpfs of its own past the
  scratch cap; ``clone3`` gets ``ENOSYS``, so the C library falls back to
  ``clone``, whose flags the filter can read;
- SysV IPC (``shm*``, ``sem*``, ``msg*``): segments outlive their processes and
  are charged to no process's ``RLIMIT_AS``;
- ``memfd_create``/``memfd_secret``: anonymous files that no rlimit bounds;
- the x32 ABI and any foreign architecture (the process is killed).

Landlock (the ``uid`` level, when the kernel has it) restricts reads to an
allow-list, writes to the scratch folder, and forbids TCP and signals outside
the sandbox.
"""

from __future__ import annotations

import os
import platform
import struct

__all__ = ["prepare", "enforce", "deny_syscalls", "DENIED"]

_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_RET_ALLOW = 0x7FFF0000
_RET_KILL_PROCESS = 0x80000000
_RET_ERRNO = 0x00050000
_EPERM, _ENOSYS = 1, 38
_LD_W_ABS, _JEQ_K, _JGE_K, _JSET_K, _RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
_CLONE_NEW = 0x7E020080  # NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME

# (audit arch, {name: number}) per machine; the two agree on nothing.
_ARCH = {
    "x86_64": (0xC000003E, {
        "unshare": 272, "clone": 56, "clone3": 435, "setns": 308,
        "shmget": 29, "shmat": 30, "shmctl": 31, "shmdt": 67, "semget": 64, "semop": 65, "semctl": 66,
        "semtimedop": 220, "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71,
        "memfd_create": 319, "memfd_secret": 447,
    }),
    "aarch64": (0xC00000B7, {
        "unshare": 97, "clone": 220, "clone3": 435, "setns": 268,
        "shmget": 194, "shmat": 196, "shmctl": 195, "shmdt": 197, "semget": 190, "semop": 193, "semctl": 191,
        "semtimedop": 192, "msgget": 186, "msgsnd": 189, "msgrcv": 188, "msgctl": 187,
        "memfd_create": 279, "memfd_secret": 447,
    }),
}
DENIED = ("setns", "shmget", "shmat", "shmctl", "shmdt", "semget", "semop", "semctl", "semtimedop",
          "msgget", "msgsnd", "msgrcv", "msgctl", "memfd_create", "memfd_secret")
"""System calls refused outright (besides namespace flags on ``clone``/``unshare`` and ``clone3``)."""

# Landlock (include/uapi/linux/landlock.h); the three calls have the same numbers everywhere.
_LL_CREATE, _LL_ADD_RULE, _LL_RESTRICT = 444, 445, 446
_LL_VERSION = 1
_LL_PATH_BENEATH = 1
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1, 2, 4, 8
_FS_ALL_V1 = (1 << 13) - 1
_FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_FILE_RIGHTS = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
_NET_ALL = 3  # bind and connect TCP
_SCOPE_ALL = 3  # abstract unix sockets and signals


def _libc():
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _call(function, *args) -> int:
    """Call a variadic libc function with every argument as a C ``long`` (pointers included)."""
    import ctypes

    return function(*[ctypes.c_long(0 if a is None else a) for a in args])


def _errno_text(what: str) -> str:
    import ctypes

    errno = ctypes.get_errno()
    return f"{what}: {os.strerror(errno)}"


def _filter_program() -> list:
    """The seccomp BPF program as ``(code, jt, jf, k)`` tuples."""
    machine = platform.machine()
    if machine not in _ARCH:
        raise OSError(f"no seccomp table for {machine}")
    arch, numbers = _ARCH[machine]
    deny = [numbers[name] for name in DENIED]
    prog = [(_LD_W_ABS, 0, 0, 4), (_JEQ_K, 1, 0, arch), (_RET_K, 0, 0, _RET_KILL_PROCESS), (_LD_W_ABS, 0, 0, 0)]
    # Layout after the loads: [x32] [deny...] [clone3] [clone] [unshare] ALLOW FLAGS(ld, jset, ALLOW) EPERM ENOSYS
    tail = {"allow": 0, "flags": 1, "eperm": 4, "enosys": 5}
    checks = [("x32", None), *[("deny", n) for n in deny], ("clone3", numbers["clone3"]),
              ("flags", numbers["clone"]), ("flags", numbers["unshare"])]
    for position, (kind, number) in enumerate(checks):
        to_end = len(checks) - position - 1  # instructions left before the tail
        if kind == "x32":
            prog.append((_JGE_K, to_end + tail["eperm"], 0, 0x40000000))
        elif kind == "deny":
            prog.append((_JEQ_K, to_end + tail["eperm"], 0, number))
        elif kind == "clone3":
            prog.append((_JEQ_K, to_end + tail["enosys"], 0, number))
        else:
            prog.append((_JEQ_K, to_end + tail["flags"], 0, number))
    prog += [(_RET_K, 0, 0, _RET_ALLOW),
             (_LD_W_ABS, 0, 0, 16), (_JSET_K, 1, 0, _CLONE_NEW), (_RET_K, 0, 0, _RET_ALLOW),
             (_RET_K, 0, 0, _RET_ERRNO | _EPERM), (_RET_K, 0, 0, _RET_ERRNO | _ENOSYS)]
    return prog


def deny_syscalls() -> None:
    """Install the seccomp filter on this process and all it will start (needs no-new-privs or root)."""
    import ctypes

    prog = _filter_program()
    raw = b"".join(struct.pack("<HBBI", *op) for op in prog)
    buffer = ctypes.create_string_buffer(raw, len(raw))
    fprog = struct.pack("<HxxxxxxQ", len(prog), ctypes.addressof(buffer))
    holder = ctypes.create_string_buffer(fprog, len(fprog))
    if _call(_libc().prctl, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(holder), 0, 0) != 0:
        raise OSError(_errno_text("seccomp"))


def prepare(spec) -> dict | None:
    """Open the Landlock rules of ``spec`` (as root, before the uid switch); ``None`` without Landlock.

    ``spec`` is ``{"read": [...], "list": [...], "devices": [...], "write": [...]}`` or ``None``;
    ``list`` folders may be listed (with every folder below them) but give no file to read.
    """
    if not spec:
        return None
    libc = _libc()
    abi = _call(libc.syscall, _LL_CREATE, None, 0, _LL_VERSION)
    if abi < 1:
        return None  # the kernel has no Landlock: file modes are all there is (see levels.uid)
    handled_fs = _FS_ALL_V1 | (_FS_REFER if abi >= 2 else 0) | (_FS_TRUNCATE if abi >= 3 else 0) \
        | (_FS_IOCTL_DEV if abi >= 5 else 0)
    fields = [handled_fs]
    if abi >= 4:
        fields.append(_NET_ALL)
    if abi >= 6:
        fields.append(_SCOPE_ALL)
    import ctypes

    attr = ctypes.create_string_buffer(struct.pack(f"<{len(fields)}Q", *fields))
    ruleset = _call(libc.syscall, _LL_CREATE, ctypes.addressof(attr), len(attr.raw), 0)
    if ruleset < 0:
        raise OSError(_errno_text("landlock_create_ruleset"))
    read = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
    rules = [(p, read) for p in spec["read"]] + [(p, _FS_READ_DIR) for p in spec.get("list", ())]
    rules += [(p, _FS_READ_FILE | _FS_WRITE_FILE) for p in spec["devices"]]
    rules += [(p, handled_fs) for p in spec["write"]]
    for path, rights in rules:
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            continue  # gone since planning: nothing to allow
        try:
            if not os.path.isdir(f"/proc/self/fd/{fd}"):
                rights &= _FILE_RIGHTS
            rule = ctypes.create_string_buffer(struct.pack("<Qi", rights & handled_fs, fd))
            if _call(libc.syscall, _LL_ADD_RULE, ruleset, _LL_PATH_BENEATH, ctypes.addressof(rule), 0) != 0:
                raise OSError(_errno_text(f"landlock_add_rule {path}"))
        finally:
            os.close(fd)
    return {"ruleset": ruleset}


def enforce(prepared: dict | None) -> None:
    """Enter the seccomp filter and the prepared Landlock domain (no-new-privs must be set)."""
    if prepared is not None:
        libc = _libc()
        if _call(libc.syscall, _LL_RESTRICT, prepared["ruleset"], 0) != 0:
            raise OSError(_errno_text("landlock_restrict_self"))
        os.close(prepared["ruleset"])
    deny_syscalls()
