"""Notebook submissions: the code cells of one ``.ipynb`` as the student's module.

A student folder without ``cnn.py`` (the assignment's file) but with exactly one
``.ipynb`` at its top level is graded from that notebook (contract section 4). The
notebook is read with :mod:`nbformat` (any v4 minor version) and **never executed** by a
kernel: its code cells, in order, become the text of ``cnn.py``, which the sandbox then
imports like any other submission.

- IPython lines (a line whose first non-blank character is ``%`` or ``!``: magics and
  shell commands) become blank lines, so line numbers stay those of the notebook;
- each cell's lines are followed by one blank line, so a cell without a final newline
  never runs into the next one;
- :meth:`NotebookModule.map_feedback` turns ``(cnn.py, line 17)`` in any feedback text
  into ``(analysis.ipynb, cell 4, line 2)``; cells are counted as the notebook shows
  them, markdown cells included, from 1.

A notebook that is not valid JSON, not a notebook, too large, or holds no code, and a
folder with several candidate notebooks, raise :class:`NotebookError` with one line the
student can act on; the grader turns it into that student's error row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cnnquiz.errors import CnnquizError

__all__ = ["NotebookError", "NotebookModule", "find_notebook", "read_notebook", "MAX_NOTEBOOK_BYTES"]

MAX_NOTEBOOK_BYTES = 8 << 20  # outputs (plots) make notebooks big; the code is a small part
_MAGIC_PREFIXES = ("%", "!")


class NotebookError(CnnquizError):
    """A notebook submission that cannot be turned into a module (names the file)."""


@dataclass(frozen=True)
class NotebookModule:
    """The module text built from a notebook and where each of its lines came from."""

    notebook: str  # the notebook's file name, e.g. "cnn.ipynb"
    text: str
    origins: tuple[tuple[int, int], ...]  # per module line (0-based): (cell number, line in cell), 1-based
    dropped: int = 0  # magic and shell lines made blank

    def where(self, line: int) -> str:
        """``"cell 4, line 2"`` for line ``line`` (1-based) of the module text."""
        if 1 <= line <= len(self.origins):
            cell, in_cell = self.origins[line - 1]
            return f"cell {cell}, line {in_cell}"
        return f"line {line}"

    def map_feedback(self, text: str, filename: str = "cnn.py") -> str:
        """``text`` with every ``(cnn.py, line N)`` / ``File "cnn.py", line N`` pointing into the notebook."""
        name = re.escape(filename)
        text = re.sub(rf"\({name}, line (\d+)\)", lambda m: f"({self.notebook}, {self.where(int(m[1]))})", text)
        return re.sub(rf'File "{name}", line (\d+)', lambda m: f'File "{self.notebook}", {self.where(int(m[1]))}', text)


def find_notebook(folder: str | Path, module_file: str = "cnn.py") -> Path | None:
    """The notebook to grade in ``folder``: None when ``module_file`` exists or there is none.

    Raises
    ------
    NotebookError
        When there are several candidate notebooks (which one counts is the student's call).
    """
    root = Path(folder)
    if (root / module_file).exists() or (root / module_file).is_symlink():
        return None
    candidates = sorted(p for p in root.glob("*.ipynb")
                        if not p.name.startswith(".") and p.is_file() and not p.is_symlink())
    if not candidates:
        return None
    if len(candidates) > 1:
        names = ", ".join(p.name for p in candidates)
        raise NotebookError(f"no {module_file} and {len(candidates)} notebooks ({names}): hand in exactly one notebook "
                            f"or a {module_file}")
    return candidates[0]


def _source_lines(source: object) -> list[str]:
    """A cell's lines; ``source`` is a string or a list of strings (anything else is shown as text)."""
    text = "".join(map(str, source)) if isinstance(source, list) else str(source)
    return text.splitlines()


def read_notebook(path: str | Path) -> NotebookModule:
    """The module text of the notebook at ``path`` (code cells only, never executed).

    Raises
    ------
    NotebookError
        When the file is too large, not JSON, not a v4 notebook, or has no code.
    """
    from nbformat import reader  # only notebook submissions pay for it

    path = Path(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as error:
        raise NotebookError(f"{path.name}: cannot read the notebook: {error.strerror or error}") from None
    if len(raw) > MAX_NOTEBOOK_BYTES:
        raise NotebookError(f"{path.name}: the notebook is larger than {MAX_NOTEBOOK_BYTES >> 20} MB; clear its outputs")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookError(f"{path.name}: not a notebook: byte {error.start} is not UTF-8") from None
    # nbformat's reader parses and finds the version without validating: validation would
    # warn and log (student text, on the grader's stderr, from worker threads) and rejects
    # nothing we need; the cells are checked below.
    try:
        notebook = reader.parse_json(text)
    except (reader.NotJSONError, RecursionError):
        raise NotebookError(f"{path.name}: not a valid Jupyter notebook (the file is not JSON)") from None
    if not isinstance(notebook, dict):
        raise NotebookError(f"{path.name}: not a valid Jupyter notebook (no notebook format version)")
    major, minor = reader.get_version(notebook)
    if major != 4:
        raise NotebookError(f"{path.name}: notebook format {major}.{minor} is not supported; "
                            "open and save it with a current Jupyter (format 4)")
    lines: list[str] = []
    origins: list[tuple[int, int]] = []
    dropped = 0
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise NotebookError(f"{path.name}: not a valid Jupyter notebook (no list of cells)")
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        cell_lines = _source_lines(cell.get("source", ""))
        for in_cell, line in enumerate(cell_lines, start=1):
            if line.lstrip().startswith(_MAGIC_PREFIXES):
                line, dropped = "", dropped + 1
            lines.append(line)
            origins.append((number, in_cell))
        lines.append("")  # keeps a cell without a final newline from running into the next
        origins.append((number, len(cell_lines) + 1))
    if not any(line.strip() for line in lines):
        raise NotebookError(f"{path.name}: the notebook has no code cells with code in them")
    return NotebookModule(notebook=path.name, text="\n".join(lines) + "\n", origins=tuple(origins), dropped=dropped)
