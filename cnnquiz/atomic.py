"""Atomic file writes: a temp file in the same directory, then ``os.replace``.

A reader (or a crash) never sees a half-written gradebook or report.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["write_bytes", "write_text", "write_json"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates files 0600; a written file should get the mode a plain open() gives
# (or keep the mode of the file it replaces). Read once: os.umask is process-wide.
_NEW_FILE_MODE = 0o666 & ~_umask()


def write_bytes(path: str | os.PathLike[str], data: bytes, *, mode: int | None = None) -> Path:
    """Write ``data`` to ``path`` atomically, creating parent directories.

    ``mode`` ``None`` keeps the mode of the file replaced (a new file gets what a plain
    ``open`` gives under the umask); an explicit ``mode`` (``0o600`` for a course secret)
    is set on the temporary file before any data is written, so the content is never
    readable by more users than ``mode`` allows, not even for a moment.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = target.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = _NEW_FILE_MODE
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target


def write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8", mode: int | None = None) -> Path:
    """Write ``text`` to ``path`` atomically, creating parent directories (no newline translation).

    ``mode`` as in :func:`write_bytes`.
    """
    return write_bytes(path, text.encode(encoding), mode=mode)


def write_json(path: str | os.PathLike[str], obj: Any, *, indent: int | None = 2) -> Path:
    """Write ``obj`` as JSON atomically (with a trailing newline)."""
    return write_text(path, json.dumps(obj, indent=indent, allow_nan=False) + "\n")
