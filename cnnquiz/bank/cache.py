"""A per-user cache of validated templates: a command that loads the bank parses and
validates its YAML only when a file (or cnnquiz itself) changed since the last time.

Reading 23 YAML files and validating 158 templates costs about 50 ms at every ``quiz``,
``practice`` or ``generate``; unpickling the result costs about 4 ms (``bench/bench_cli.py``).

What is stored, per bank directory: the valid templates and the problem lines that
:func:`cnnquiz.bank.load._dir_problems` returned, under a key of

- the cnnquiz, Python and pydantic versions, and PyYAML's files (its version and whether
  libyaml's loader is there: the two word syntax errors differently);
- size and modification time (ns) of every ``.py`` file of the installed ``cnnquiz``
  package, or of its zip archive (a changed validator in a checkout must not serve an
  old verdict);
- which bank (the shipped one, or the folder as resolved and as spelled), and the
  relative path and SHA-256 of each ``*.yaml`` / ``*.yml`` file. The bytes hashed are the
  very bytes then parsed (each file is read once), so an edit during a load cannot be
  stored under the old content's key; contents, not times, because two writes of the
  same size within one clock tick have the same mtime.

Where: ``$CNNQUIZ_CACHE_DIR``, else ``platformdirs.user_cache_dir("cnnquiz")``, in
``bank/``, one file per bank and cnnquiz install (a file unused for 30 days is
removed at the next write). ``CNNQUIZ_NO_CACHE=1`` turns it off;
it is POSIX only (elsewhere every load is a fresh one).

Why unpickling is safe here: the file and the ``bank/`` folder are opened without
following links and checked on the open descriptors (``fstat``), so what is read is a
regular file owned by this user that nobody else can write, in a folder owned by this
user that nobody else can write: nobody else can have put it there, whatever the folders
above allow. It is written 0600. Anything wrong with a cache file (unreadable, corrupt,
another layout, not trusted) means a normal load, never an error: the cache can only
save time.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import pickle
import stat
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

__all__ = ["CACHE_ENV", "NO_CACHE_ENV", "cache_dir", "cached_dir_problems"]

CACHE_ENV = "CNNQUIZ_CACHE_DIR"
NO_CACHE_ENV = "CNNQUIZ_NO_CACHE"
_FORMAT = 2  # bump when what is pickled changes shape
#: A cache file neither read nor written for this long is removed at the next write.
UNUSED_DAYS = 30
_PACKAGE = Path(__file__).resolve().parent.parent
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)

#: A bank directory's result: the templates and the problem lines.
Result = tuple[list[Any], list[str]]


def cache_dir() -> Path | None:
    """The bank cache folder, or None when caching is off (or not POSIX)."""
    if os.name != "posix" or os.environ.get(NO_CACHE_ENV, "").strip() not in ("", "0"):
        return None
    root = os.environ.get(CACHE_ENV)
    if root:
        return Path(root) / "bank"
    import platformdirs

    return Path(platformdirs.user_cache_dir("cnnquiz", appauthor=False)) / "bank"


@functools.cache  # once per process: the installed code does not change under a running command
def _code_stamp() -> tuple[tuple[str, int, int], ...]:
    """(relative path, size, mtime_ns) of every .py file of the cnnquiz package, or of
    the zip archive it is imported from."""
    if not _PACKAGE.is_dir():  # a zip import: the archive is the code
        archive = next((p for p in _PACKAGE.parents if p.is_file()), None)
        if archive is None:
            raise OSError(f"{_PACKAGE}: neither a folder nor inside an archive")
        info = archive.stat()
        return ((str(archive), info.st_size, info.st_mtime_ns),)
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
    return tuple(sorted(found))


@functools.cache
def _yaml_stamp() -> tuple[tuple[str, int, int], ...]:
    """PyYAML's files, found without importing it (a cache hit parses no YAML)."""
    spec = importlib.util.find_spec("yaml")
    if spec is None or not spec.submodule_search_locations:
        return ()
    folder = Path(next(iter(spec.submodule_search_locations)))
    return tuple((path.name, path.stat().st_size, path.stat().st_mtime_ns) for path in sorted(folder.iterdir())
                 if path.name == "__init__.py" or path.name.startswith("_yaml"))  # the version, libyaml's loader


def _place(directory: Path, shipped: bool) -> str:
    """Which bank a cache file is for. The shipped bank is one whatever its folder: under a
    zip import it is extracted to a new temporary folder by every process, and its
    templates name it ``templates/...``, not by that folder."""
    return "<shipped>" if shipped else f"dir:{directory.resolve()}"


def _key(directory: Path, shipped: bool, contents: Sequence[tuple[str, bytes]]) -> str:
    import pydantic

    from cnnquiz import __version__

    parts: list[Any] = [_FORMAT, __version__, sys.version, pydantic.VERSION, _yaml_stamp(), _code_stamp(),
                        _place(directory, shipped),
                        # problems and sources name a --bank folder as it was spelled
                        None if shipped else directory.as_posix()]
    parts.extend((name, hashlib.sha256(data).hexdigest()) for name, data in contents)
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _private(info: os.stat_result, kind: Callable[[int], bool]) -> bool:
    """Of this kind, owned by this user, writable by nobody else."""
    return (kind(info.st_mode) and info.st_uid == os.geteuid()
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _open_own_folder(folder: Path) -> int | None:
    """A descriptor of ``folder`` if it is ours (not a link, writable by nobody else), else None.

    Everything read, renewed or removed in the cache goes through this descriptor, so a
    folder swapped after the check is never the one used."""
    try:
        fd = os.open(folder, os.O_RDONLY | _DIRECTORY | _NOFOLLOW)
    except OSError:
        return None
    if _private(os.fstat(fd), stat.S_ISDIR):
        return fd
    os.close(fd)
    return None


def _read(folder: Path, name: str, key: str) -> Result | None:
    folder_fd = _open_own_folder(folder)
    if folder_fd is None:
        return None
    try:
        fd = os.open(name, os.O_RDONLY | _NOFOLLOW, dir_fd=folder_fd)
    except OSError:
        return None
    finally:
        os.close(folder_fd)
    try:
        with os.fdopen(fd, "rb") as handle:
            if not _private(os.fstat(handle.fileno()), stat.S_ISREG):
                return None
            if pickle.load(handle) != key:  # the key first: a stale file is not unpickled whole
                return None
            templates, problems = pickle.load(handle)
            try:
                os.utime(handle.fileno())  # in use: not pruned (see _prune)
            except OSError:  # a read-only cache still serves
                pass
    except Exception:  # noqa: BLE001 - corrupt, truncated, or a layout this cnnquiz cannot unpickle
        return None
    if not isinstance(templates, list) or not isinstance(problems, list):
        return None
    return templates, problems


def _write(path: Path, key: str, result: Result) -> None:
    from cnnquiz.atomic import write_bytes

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder_fd = _open_own_folder(path.parent)
        if folder_fd is None:  # a link or a shared folder: not ours to write into
            return
        try:
            data = pickle.dumps(key, protocol=pickle.HIGHEST_PROTOCOL) + pickle.dumps(
                (result[0], result[1]), protocol=pickle.HIGHEST_PROTOCOL)
            write_bytes(path, data, mode=0o600)
            _prune(folder_fd, path.name)
        finally:
            os.close(folder_fd)
    except Exception:  # noqa: BLE001 - a read-only home, an unpicklable value: no cache, same result
        pass


def _prune(folder_fd: int, kept: str) -> None:
    """Remove cache files nobody used for :data:`UNUSED_DAYS` (checkouts and installs
    long gone: each has a file of its own), through the descriptor of our own folder.
    A hit renews its file's time."""
    cutoff = time.time() - UNUSED_DAYS * 86400
    with os.scandir(folder_fd) as entries:
        for entry in entries:
            if (entry.name.endswith(".pickle") and entry.name != kept and entry.is_file(follow_symlinks=False)
                    and entry.stat(follow_symlinks=False).st_mtime < cutoff):
                os.unlink(entry.name, dir_fd=folder_fd)


def cached_dir_problems(directory: Path, shipped: bool, files: Sequence[Path],
                        compute: Callable[[dict[Path, bytes] | None], Result]) -> Result:
    """``compute(contents)`` of one bank directory, through the cache.

    ``contents`` maps each file to the bytes read (and hashed) for the key; ``compute``
    parses exactly those bytes. It gets ``None`` when the cache is off or a file could
    not be read, and then reads (and reports) the files itself.
    """
    folder = cache_dir()
    if folder is None:
        return compute(None)
    try:
        contents = {path: path.read_bytes() for path in files}
        key = _key(directory, shipped, [(p.relative_to(directory).as_posix(), data) for p, data in contents.items()])
    except OSError:  # a file vanished or is unreadable: the normal load reports it
        return compute(None)
    install = hashlib.sha256(str(_PACKAGE).encode("utf-8", "surrogateescape")).hexdigest()[:8]
    name = hashlib.sha256(_place(directory, shipped).encode("utf-8", "surrogateescape")).hexdigest()[:24]
    file_name = f"{name}-{install}.pickle"  # two installs sharing a cache do not evict each other
    hit = _read(folder, file_name, key)
    if hit is not None:
        return hit
    result = compute(contents)
    _write(folder / file_name, key, result)
    return result
