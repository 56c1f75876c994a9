"""The scratch copy of one submission and the private uid that owns it.

The copy holds only the student's regular files (no symlinks, no devices), up to
a size and count cap, in a fresh directory under a private ``0700`` temp root.
Each live sandbox gets its own uid, so ``RLIMIT_NPROC`` counts only its own
processes and every process of that uid can be swept when it ends.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import threading
from pathlib import Path

__all__ = ["Scratch", "allocate_uid", "MAX_COPY_BYTES", "MAX_COPY_FILES"]

MAX_COPY_BYTES = 64 * 1024 * 1024
MAX_COPY_FILES = 2000

# Private uids live far above real users and above the usual subuid ranges.
_UID_BASE = 0x7F000000
_counter = itertools.count()
_counter_lock = threading.Lock()


def allocate_uid() -> int:
    """A uid no other live sandbox of this machine uses (pid and sequence based).

    Examples
    --------
    >>> allocate_uid() != allocate_uid()
    True
    """
    with _counter_lock:
        sequence = next(_counter)
    return _UID_BASE + ((os.getpid() & 0xFFFF) << 8) + (sequence & 0xFF)


class Scratch:
    """A private copy of ``source`` at ``self.work``; remove it with :meth:`remove`.

    ``owner`` is the uid to give the copy to when the student works in it in
    place (the rlimits level); the isolated levels mount it read-only instead
    and the harness copies it into a size-capped tmpfs.
    """

    def __init__(self, source: Path, owner: int | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="cnnquiz-sandbox-"))
        self.work = self.root / "work"
        self.work.mkdir(mode=0o755)
        self.skipped: list[str] = []
        self.bytes = 0
        self._copy(source)
        if owner is not None:
            self.root.chmod(0o711)
            for path in (self.work, *self.work.rglob("*")):
                os.lchown(path, owner, owner)
            self.work.chmod(0o700)

    def _copy(self, source: Path) -> None:
        total = files = 0
        for folder, dirnames, filenames in os.walk(source, followlinks=False):
            rel = Path(folder).relative_to(source)
            target_dir = self.work / rel
            for name in list(dirnames):
                if (Path(folder) / name).is_symlink():
                    dirnames.remove(name)
                    self.skipped.append(str(rel / name))
                else:
                    (target_dir / name).mkdir(mode=0o755)
            for name in filenames:
                src = Path(folder) / name
                try:
                    info = src.lstat()
                except OSError:
                    continue
                if not src.is_file() or src.is_symlink():
                    self.skipped.append(str(rel / name))
                    continue
                if total + info.st_size > MAX_COPY_BYTES or files >= MAX_COPY_FILES:
                    self.skipped.append(str(rel / name))
                    continue
                shutil.copyfile(src, target_dir / name, follow_symlinks=False)
                os.chmod(target_dir / name, 0o644)
                total += info.st_size
                files += 1
        self.bytes = total

    def remove(self) -> None:
        """Delete the copy and whatever the student wrote into it."""

        def _retry(func, path, _exc):
            try:
                os.chmod(os.path.dirname(path), 0o700)
                os.chmod(path, 0o700)
                func(path)
            except OSError:
                pass

        shutil.rmtree(self.root, onerror=_retry)
