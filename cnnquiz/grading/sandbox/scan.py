"""Static scan of a submission for forbidden imports (in the parent, before running).

The harness also refuses forbidden imports at run time and reports them, but the
student controls that process; this scan of the source files is the part the
student cannot remove.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import os
import threading
from pathlib import Path
from typing import Mapping, Sequence

from cnnquiz.grading.sandbox.intake import Intake, read_bounded, walk

__all__ = ["forbidden_imports", "imported_modules", "installed_package_dirs", "parse_python"]

_MAX_FILE_BYTES = 1024 * 1024
_MAX_FILES = 200

# CPython 3.11.7 (this machine's) keeps the AST constructor's recursion depth in state
# shared by every thread of the interpreter (CPython gh-106905, fixed in later patch
# releases): two ast.parse calls interleaved by a thread switch (a finalizer run by the
# garbage collector is enough) raise "SystemError: AST constructor recursion depth
# mismatch". Grading runs students in threads, so every parse in the grader goes through
# this one lock; re-entrant, because such a finalizer may itself parse in this thread.
_AST_LOCK = threading.RLock()


def parse_python(source: str | bytes, filename: str = "<unknown>") -> ast.Module:
    """:func:`ast.parse` of ``source``, one thread at a time (see CPython gh-106905).

    Raises what :func:`ast.parse` raises: ``SyntaxError`` (a NUL byte too, or
    ``ValueError`` on older Pythons), ``RecursionError`` or ``MemoryError`` for a
    hostile nesting.

    Examples
    --------
    >>> type(parse_python("x = 1").body[0]).__name__
    'Assign'
    """
    with _AST_LOCK:
        return ast.parse(source, filename)


def imported_modules(source: str) -> set[str]:
    """Top-level names of the modules ``source`` imports (statically visible ones).

    Counts ``import x.y``, ``from x import y``, ``__import__("x")`` and
    ``importlib.import_module("x")`` with a literal name; relative imports are
    the student's own files and are skipped.

    Examples
    --------
    >>> sorted(imported_modules("import torch.nn as nn\\nfrom cnnquiz import solver\\nfrom . import helper"))
    ['cnnquiz', 'torch']
    >>> sorted(imported_modules("m = __import__('jax')"))
    ['jax']
    """
    try:
        tree = parse_python(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            first = node.args[0]
            if name in ("__import__", "import_module") and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value.split(".")[0])
    return found


def _python_sources(intake: Intake, extra_files: Mapping[str, bytes]):
    """The text of each ``.py`` file to grade (generated ones override walked ones)."""
    count = 0
    for entry in intake.files(".py"):
        if count >= _MAX_FILES:
            return
        if entry.rel in extra_files or entry.size > _MAX_FILE_BYTES:
            continue
        try:
            data = read_bounded(entry)
        except OSError:
            continue
        count += 1
        yield data
    for name, data in extra_files.items():
        if name.endswith(".py") and len(data) <= _MAX_FILE_BYTES:
            yield data


def forbidden_imports(folder: Path | Intake, forbidden: Sequence[str], extra_files: Mapping[str, bytes] | None = None
                      ) -> list[str]:
    """Forbidden top-level modules imported by the ``.py`` files of a submission.

    ``folder`` is the submission folder or its :func:`.intake.walk`; ``extra_files``
    are generated files that will be placed over it.
    """
    intake = folder if isinstance(folder, Intake) else walk(Path(folder))
    banned = set(forbidden)
    found: set[str] = set()
    for data in _python_sources(intake, dict(extra_files or {})):
        found |= imported_modules(data.decode("utf-8", errors="replace")) & banned
    return sorted(found)


@functools.lru_cache(maxsize=64)
def _package_dirs(name: str) -> tuple[str, ...]:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return ()
    if spec is None or not spec.submodule_search_locations:
        return ()
    return tuple(os.path.realpath(p) for p in spec.submodule_search_locations if os.path.isdir(p))


def installed_package_dirs(forbidden: Sequence[str], keep: Sequence[str] = ()) -> list[str]:
    """Folders of the installed forbidden packages, to hide inside the sandbox.

    The harness's import hook runs in the student's process and can be removed
    (``sys.meta_path.clear()`` and an obfuscated ``import_module``), so a forbidden
    package the sandbox can see can be used undetected. Hiding its folder leaves
    nothing to borrow. Folders that are, or hold, one of ``keep`` (numpy) stay.
    Single-file modules are not covered.
    """
    found: list[str] = []
    for name in forbidden:
        if not isinstance(name, str) or not name.isidentifier():
            continue
        for folder in _package_dirs(name):
            prefix = folder.rstrip("/") + "/"
            if any(k == folder or k.startswith(prefix) for k in keep):
                continue
            found.append(folder)
    return found
