"""The one walker of a submission folder, before anything runs.

:func:`walk` lists what will be graded; the scratch copy, the forbidden-import
scan and :func:`submission_digest` all use it, so they agree on what a
submission is. Its work is bounded whatever the folder holds: it never follows
a symbolic link, skips fifos, sockets and devices, walks iteratively (no
recursion) at most :data:`MAX_DEPTH` folders deep, and stops at
:data:`MAX_FILES` entries and :data:`MAX_BYTES` of file data, judged by
``st_size`` (and ``st_blocks``) before any byte is read, so a sparse 2 GiB file
is refused at the cost of one ``lstat``. Reads are capped at the size that was
judged, and opened without following links or blocking on a fifo swapped in
after the walk.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cnnquiz.errors import GradingError

__all__ = ["Entry", "Intake", "walk", "read_bounded", "submission_digest", "MAX_DEPTH", "MAX_FILES", "MAX_BYTES"]

MAX_DEPTH = 64
"""Deepest folder nesting walked; deeper entries are skipped."""
MAX_FILES = 2000
"""Most files and folders taken from one submission."""
MAX_BYTES = 64 * 1024 * 1024
"""Most bytes of file data taken from one submission (and the most one file may have)."""

_CHUNK = 1 << 20
_DIGEST_VERSION = b"cnnquiz-submission-digest-v1\0"


@dataclass(frozen=True)
class Entry:
    """One graded entry: ``rel`` is the path below the folder (``/``-separated), ``kind`` ``"dir"`` or ``"file"``."""

    rel: str
    kind: str
    size: int
    path: Path


@dataclass
class Intake:
    """What :func:`walk` found: the entries to grade (parents first) and what it skipped, with why."""

    root: Path
    entries: list[Entry] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    total_bytes: int = 0

    def files(self, suffix: str = "") -> list[Entry]:
        """The regular files, optionally only those whose name ends with ``suffix``."""
        return [e for e in self.entries if e.kind == "file" and e.rel.endswith(suffix)]


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    return "special file"


def walk(folder: Path, *, max_depth: int = MAX_DEPTH, max_files: int = MAX_FILES, max_bytes: int = MAX_BYTES) -> Intake:
    """List the graded entries of ``folder`` in a stable order, within the caps.

    Raises
    ------
    GradingError
        ``folder`` is not a folder (a symbolic link to one is refused too).
    """
    folder = Path(folder)
    try:
        if not stat.S_ISDIR(folder.lstat().st_mode):
            raise GradingError(f"{folder}: submission folder not found (or not a folder)")
    except OSError:
        raise GradingError(f"{folder}: submission folder not found") from None
    intake = Intake(folder)
    todo: list[tuple[Path, str, int]] = [(folder, "", 0)]
    while todo:
        path, rel, depth = todo.pop()
        try:
            with os.scandir(path) as scan:
                children = sorted(scan, key=lambda e: os.fsencode(e.name), reverse=True)
        except OSError as error:
            intake.skipped.append((rel or ".", f"unreadable folder ({error.strerror})"))
            continue
        for child in children:
            child_rel = f"{rel}/{child.name}" if rel else child.name
            try:
                info = child.stat(follow_symlinks=False)
            except OSError:
                intake.skipped.append((child_rel, "vanished"))
                continue
            kind = _kind(info.st_mode)
            reason = _refusal(kind, info, depth, intake, max_depth, max_files, max_bytes)
            if reason:
                intake.skipped.append((child_rel, reason))
                continue
            intake.entries.append(Entry(child_rel, kind, info.st_size if kind == "file" else 0, Path(child.path)))
            if kind == "dir":
                todo.append((Path(child.path), child_rel, depth + 1))
            else:
                intake.total_bytes += info.st_size
    intake.entries.sort(key=lambda e: os.fsencode(e.rel))
    return intake


def _refusal(kind: str, info: os.stat_result, depth: int, intake: Intake, max_depth: int, max_files: int,
             max_bytes: int) -> str:
    """Why an entry is not taken (``""``: it is)."""
    if kind in ("symlink", "special file"):
        return kind
    if kind == "dir" and depth + 1 >= max_depth:
        return f"more than {max_depth} folders deep"
    if len(intake.entries) >= max_files:
        return f"more than {max_files} files and folders"
    if kind == "file":
        size = max(info.st_size, getattr(info, "st_blocks", 0) * 512)
        if intake.total_bytes + size > max_bytes:
            return f"over the {max_bytes // (1024 * 1024)} MiB the submission may hold"
    return ""


def read_bounded(entry: Entry) -> bytes:
    """The bytes of a walked file, at most ``entry.size`` of them; ``OSError`` if it is no longer a plain file."""
    fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{entry.rel}: no longer a regular file")
        chunks, left = [], entry.size
        while left > 0:
            chunk = os.read(fd, min(_CHUNK, left))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def submission_digest(folder: Path) -> str:
    """SHA-256 of everything graded in ``folder``: names, types and contents (hex).

    Covers every entry :func:`walk` takes (name, type, bytes) and the names and
    reasons of those it skips, so any change a grade could depend on (a file
    added, removed, renamed, emptied, a folder turned into a file) changes the
    digest. Costs at most :data:`MAX_BYTES` of reading.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     before = submission_digest(Path(d))
    ...     _ = Path(d, "cnn.py").write_text("")
    ...     before != submission_digest(Path(d))
    True
    """
    intake = walk(folder)
    digest = hashlib.sha256(_DIGEST_VERSION)
    for entry in intake.entries:
        name = os.fsencode(entry.rel)
        digest.update(b"D" if entry.kind == "dir" else b"F")
        digest.update(len(name).to_bytes(4, "little") + name)
        if entry.kind == "file":
            try:
                data = read_bounded(entry)
            except OSError:
                data = b"\0unreadable"
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
    for rel, reason in sorted(intake.skipped, key=lambda item: os.fsencode(item[0])):
        name, why = os.fsencode(rel), reason.encode()
        digest.update(b"S" + len(name).to_bytes(4, "little") + name + len(why).to_bytes(4, "little") + why)
    return digest.hexdigest()
