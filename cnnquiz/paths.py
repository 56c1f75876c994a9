"""Where the shipped data lives (question bank, networks, assignments).

The repository keeps the data in ``question_bank/`` at its root; the wheel and the sdist
install it inside the package as ``cnnquiz/question_bank`` (see ``[tool.setuptools]
package-dir`` in ``pyproject.toml``). It is found through :mod:`importlib.resources`, so
it works wherever cnnquiz is imported from:

- an ordinary install: ``files("cnnquiz")`` is a real folder and is used in place;
- a zip import (a zipped wheel on ``sys.path``, a zipapp): the data is not on a real file
  system, so it is extracted once per process to a private temporary folder (removed at
  exit), because the bank and grading read it with ordinary :class:`~pathlib.Path` calls;
- an editable install or a bare checkout: the package folder has no ``question_bank``, and
  the checkout's ``question_bank/`` beside the package is used.

``cnnquiz.question_bank`` is deliberately not resolved as a package of its own: it has no
``__init__.py`` (it is data), so it would be a namespace package, whose ``files()`` is a
``MultiplexedPath`` that ``str()`` turns into its repr, not a path.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import sys
import tempfile
from contextlib import ExitStack
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

__all__ = [
    "DATA_FOLDER",
    "shipped_data_dir",
    "shipped_templates_dir",
    "shipped_networks_dir",
    "shipped_assignments_dir",
]

DATA_FOLDER = "question_bank"
"""The data folder's name, inside the installed package and at the repository root."""

_CHECKOUT_DATA = Path(__file__).resolve().parent.parent / DATA_FOLDER


def _copy_tree(source: Traversable, target: Path) -> None:
    """Copy a Traversable folder (e.g. inside a zip) to a real folder, recursively."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.is_dir():
            _copy_tree(entry, target / entry.name)
        elif entry.is_file():
            (target / entry.name).write_bytes(entry.read_bytes())


def _materialize(data: Traversable) -> Path:
    """A real folder with the content of ``data``, valid until the interpreter exits."""
    if sys.version_info >= (3, 12):  # as_file() accepts folders from 3.12 on
        stack = ExitStack()
        atexit.register(stack.close)
        return Path(stack.enter_context(resources.as_file(data)))
    target = Path(tempfile.mkdtemp(prefix="cnnquiz-data-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    _copy_tree(data, target / DATA_FOLDER)
    return target / DATA_FOLDER


@functools.lru_cache(maxsize=1)
def shipped_data_dir() -> Path:
    """The shipped data folder (``templates/``, ``networks/``, ``assignments/``).

    Returns
    -------
    Path
        ``<site-packages>/cnnquiz/question_bank`` for an installed wheel or sdist; a
        private extracted copy under a zip import; ``<checkout>/question_bank`` for an
        editable install or a bare checkout.
    """
    try:
        data = resources.files("cnnquiz") / DATA_FOLDER
    except (ModuleNotFoundError, TypeError):  # cnnquiz imported in some unusual way
        return _CHECKOUT_DATA
    if isinstance(data, Path):
        return data if data.is_dir() else _CHECKOUT_DATA
    if data.is_dir():
        return _materialize(data)
    return _CHECKOUT_DATA


def shipped_templates_dir() -> Path:
    """The shipped question templates, ``<data>/templates``."""
    return shipped_data_dir() / "templates"


def shipped_networks_dir() -> Path:
    """The shipped network specs, ``<data>/networks``."""
    return shipped_data_dir() / "networks"


def shipped_assignments_dir() -> Path:
    """The shipped code assignments, ``<data>/assignments``."""
    return shipped_data_dir() / "assignments"
