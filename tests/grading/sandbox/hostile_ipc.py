"""Source of a submission that tries every way around the memory limit (shared by the tests).

Each function returns numbers only: a count of bytes pinned, or the errno of the
refused attempt (0 when the attempt worked).
"""

SOURCE = r'''
import ctypes, errno, os, time

_libc = ctypes.CDLL(None, use_errno=True)
_IPC_PRIVATE, _IPC_CREAT = 0, 0o1000
_CLONE_NEWUSER, _CLONE_NEWNS = 0x10000000, 0x00020000
_MB = 1 << 20


def _err(result):
    return 0 if result >= 0 else ctypes.get_errno()


def sysv_from_background(segments, mb):
    """A background child creates SysV segments and touches them; reports the bytes it pinned."""
    read, write = os.pipe()
    if os.fork() == 0:
        pinned = 0
        _libc.shmat.restype = ctypes.c_void_p
        for _ in range(segments):
            shmid = _libc.shmget(ctypes.c_long(_IPC_PRIVATE), ctypes.c_size_t(mb * _MB), ctypes.c_int(_IPC_CREAT | 0o600))
            if shmid < 0:
                break
            address = _libc.shmat(shmid, None, 0)
            if address in (None, ctypes.c_void_p(-1).value):
                break
            ctypes.memset(address, 1, mb * _MB)
            _libc.shmdt(ctypes.c_void_p(address))  # detached: no RLIMIT_AS of any process holds it
            pinned += mb * _MB
        os.write(write, str(pinned).encode())
        os._exit(0)
    os.close(write)
    data = b""
    while True:
        chunk = os.read(read, 64)
        if not chunk:
            break
        data += chunk
    return int(data or b"-1")


def sysv_errno():
    return _err(_libc.shmget(ctypes.c_long(_IPC_PRIVATE), ctypes.c_size_t(_MB), ctypes.c_int(_IPC_CREAT | 0o600)))


def userns_tmpfs_mb(mb):
    """A user namespace and a tmpfs of its own, filled: the MB written there (0 if refused)."""
    if _libc.unshare(ctypes.c_int(_CLONE_NEWUSER | _CLONE_NEWNS)) != 0:
        return -ctypes.get_errno()
    os.makedirs("mnt", exist_ok=True)
    if _libc.mount(b"none", b"mnt", b"tmpfs", 0, None) != 0:
        return -ctypes.get_errno()
    written = 0
    chunk = b"\1" * _MB
    for index in range(mb):
        with open(f"mnt/f{index}", "wb") as handle:
            handle.write(chunk)
        written += 1
    return written


def memfd_errno():
    try:
        os.close(os.memfd_create("x"))
        return 0
    except OSError as error:
        return error.errno


def posix_shm_errno(name):
    try:
        with open(f"/dev/shm/{name}", "wb") as handle:
            handle.write(b"x" * 4096)
        return 0
    except OSError as error:
        return error.errno
'''
