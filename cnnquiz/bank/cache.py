"""A per-user cache of validated templates: a command that loads the bank parses and
validates its YAML only when a file (or cnnquiz itself) changed since the last time.

Reading 23 YAML files and validating 158 templates costs about 50 ms at every ``quiz``,
``practice`` or ``generate``; unpickling the result costs about 4 ms (``bench/bench_cli.py``).

What is stored, per bank directory: the valid templates and the problem lines that
:func:`cnnquiz.bank.load._dir_problems` returned, under a key of

- the cnnquiz, Python and pydantic versions;
- size and modification time (ns) of every ``.py`` file of the installed ``cnnquiz``
  package (a changed validator in a checkout must not serve an old verdict);
- which bank (the shipped one, or the resolved folder), and the relative path and SHA-256 of
  the content of each of its ``*.yaml`` / ``*.yml`` files (contents, not times: two
  writes of the same size within one clock tick have the same mtime; hashing the 180 KB
  of the shipped bank takes about 1 ms).

Where: ``$CNNQUIZ_CACHE_DIR``, else ``platformdirs.user_cache_dir("cnnquiz")``, in
``bank/``. ``CNNQUIZ_NO_CACHE=1`` turns it off. Why pickle is safe enough here: the file
is the user's own, written 0600, and it is read only when it is owned by this user and
neither it nor its folder can be written by anyone else (as Python does not trust a
``__pycache__`` it cannot vouch for, a cache another user could plant is ignored).
Anything wrong with a cache file (unreadable, corrupt, from another layout) means a
normal load, never an error: the cache can only save time.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
from pathlib import Path
from typing import Any, Sequence

__all__ = ["CACHE_ENV", "NO_CACHE_ENV", "cache_dir", "cached_dir_problems"]

CACHE_ENV = "CNNQUIZ_CACHE_DIR"
NO_CACHE_ENV = "CNNQUIZ_NO_CACHE"
_FORMAT = 1  # bump when what is pickled changes shape
_PACKAGE = Path(__file__).resolve().parent.parent


def cache_dir() -> Path | None:
    """The bank cache folder, or None when caching is off."""
    if os.environ.get(NO_CACHE_ENV, "").strip() not in ("", "0"):
        return None
    root = os.environ.get(CACHE_ENV)
    if root:
        return Path(root) / "bank"
    import platformdirs

    return Path(platformdirs.user_cache_dir("cnnquiz", appauthor=False)) / "bank"


def _code_stamp() -> list[tuple[str, int, int]]:
    """(relative path, size, mtime_ns) of every .py file of the cnnquiz package."""
    found: list[tuple[str, int, int]] = []
    pending = [str(_PACKAGE)]
    while pending:
        folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        pending.append(entry.path)
                elif entry.name.endswith(".py"):
                    info = entry.stat(follow_symlinks=False)
                    found.append((os.path.relpath(entry.path, _PACKAGE), info.st_size, info.st_mtime_ns))
    return sorted(found)


def _place(directory: Path, shipped: bool) -> str:
    """Which bank a cache file is for. The shipped bank is one whatever its folder: under a
    zip import it is extracted to a new temporary folder by every process, and its
    templates name it ``templates/...``, not by that folder."""
    return "<shipped>" if shipped else f"dir:{directory.resolve()}"


def _key(directory: Path, shipped: bool, files: Sequence[Path]) -> str:
    import pydantic

    from cnnquiz import __version__

    parts: list[Any] = [_FORMAT, __version__, sys.version, pydantic.VERSION, _code_stamp(),
                        _place(directory, shipped),
                        # problems and sources name a --bank folder as it was spelled
                        None if shipped else directory.as_posix()]
    for path in files:
        parts.append((path.relative_to(directory).as_posix(), hashlib.sha256(path.read_bytes()).hexdigest()))
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _trusted(path: Path) -> bool:
    """Owned by this user, writable by nobody else (the file and its folder)."""
    uid = os.geteuid() if hasattr(os, "geteuid") else None
    for item in (path.parent, path):
        info = item.lstat()
        if uid is not None and info.st_uid != uid:
            return False
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) or stat.S_ISLNK(info.st_mode):
            return False
    return True


def _read(path: Path, key: str) -> tuple[list[Any], list[str]] | None:
    try:
        if not _trusted(path):
            return None
        with open(path, "rb") as handle:
            stored_key, templates, problems = pickle.load(handle)
    except Exception:  # missing, corrupt, or from a layout this cnnquiz cannot unpickle
        return None
    if stored_key != key or not isinstance(templates, list) or not isinstance(problems, list):
        return None
    return templates, problems


def _write(path: Path, key: str, templates: list[Any], problems: list[str]) -> None:
    from cnnquiz.atomic import write_bytes

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_bytes(path, pickle.dumps((key, templates, problems), protocol=pickle.HIGHEST_PROTOCOL),
                    mode=0o600)
    except (OSError, pickle.PicklingError):  # a read-only home: no cache, same result
        pass


def cached_dir_problems(directory: Path, shipped: bool, files: Sequence[Path],
                        compute: Any) -> tuple[list[Any], list[str]]:
    """``compute()`` (templates, problems) of one bank directory, through the cache."""
    folder = cache_dir()
    if folder is None:
        return compute()
    try:
        key = _key(directory, shipped, files)
    except OSError:  # a file vanished or is unreadable: the normal load reports it
        return compute()
    name = hashlib.sha256(_place(directory, shipped).encode("utf-8", "surrogateescape")).hexdigest()[:32]
    path = folder / f"{name}.pickle"
    hit = _read(path, key)
    if hit is not None:
        return hit
    templates, problems = compute()
    _write(path, key, templates, problems)
    return templates, problems
