"""The scratch copy of one submission, made from :func:`.intake.walk`'s list.

The copy holds only what the walk took (regular files and folders, within its
caps), plus any generated files the caller supplies (``extra_files``, written
last so they override), in a fresh directory under a private ``0700`` temp root.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import Mapping

from cnnquiz.errors import GradingError
from cnnquiz.grading.sandbox.intake import MAX_BYTES, Intake, read_bounded

__all__ = ["Scratch", "check_extra_files"]


def check_extra_files(extra_files: Mapping[str, bytes]) -> dict[str, bytes]:
    """``extra_files`` with every name checked: relative, ``/``-separated, no ``..``, bytes content.

    Raises
    ------
    GradingError
        A name could escape the scratch folder, or a content is not bytes.
    """
    checked: dict[str, bytes] = {}
    total = 0
    for name, data in extra_files.items():
        parts = PurePosixPath(name).parts if isinstance(name, str) else ()
        if not parts or name.startswith("/") or any(p in ("..", ".") or "\0" in p for p in parts):
            raise GradingError(f"extra_files: {name!r} must be a relative path inside the submission")
        if not isinstance(data, (bytes, bytearray)):
            raise GradingError(f"extra_files[{name!r}] must be bytes; got {type(data).__name__}")
        total += len(data)
        if total > MAX_BYTES:
            raise GradingError(f"extra_files: more than {MAX_BYTES} bytes in all")
        checked["/".join(parts)] = bytes(data)
    return checked


class Scratch:
    """A private copy of a walked submission at ``self.work``; remove it with :meth:`remove`.

    ``owner`` is the uid to give the copy to when the student works in it in
    place (the ``uid`` and ``rlimits`` levels); the isolated levels mount it
    read-only instead and the jail copies it into a size-capped tmpfs.
    """

    def __init__(self, intake: Intake, owner: int | None = None, extra_files: Mapping[str, bytes] | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="cnnquiz-sandbox-"))
        self.work = self.root / "work"
        self.work.mkdir(mode=0o755)
        self.skipped: list[str] = [rel for rel, _ in intake.skipped]
        self.bytes = 0
        try:
            self._copy(intake)
            for name, data in (extra_files or {}).items():
                target = self.work / name
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
                target.write_bytes(data)
                target.chmod(0o644)
                self.bytes += len(data)
            if owner is not None:
                self.root.chmod(0o711)
                for path in (self.work, *self.work.rglob("*")):
                    os.lchown(path, owner, owner)
                self.work.chmod(0o700)
        except BaseException:
            self.remove()
            raise

    def _copy(self, intake: Intake) -> None:
        for entry in intake.entries:  # parents come before their children
            target = self.work / entry.rel
            if entry.kind == "dir":
                target.mkdir(mode=0o755)
                continue
            try:
                data = read_bounded(entry)
            except OSError:
                self.skipped.append(entry.rel)
                continue
            target.write_bytes(data)
            target.chmod(0o644)
            self.bytes += len(data)

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
