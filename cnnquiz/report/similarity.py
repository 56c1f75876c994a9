"""Pairwise similarity of students' code, with the reference solver and the starter as
known sources. It reports; it never changes a grade.

The fingerprinting is :mod:`copydetect`'s (winnowing, as MOSS): code is tokenized with
pygments, names become ``V``/``F``, strings ``S``, comments and layout disappear, so
renaming variables or reformatting changes nothing. Then:

- the **starter** (``submissions/starter``: ``cnn.py`` and ``cnn.ipynb``; or ``--starter``
  FILE or FOLDER) is *boilerplate*:
  its fingerprints are removed from every document, so the code every student was given
  makes nobody similar;
- the **reference**, the source of :mod:`cnnquiz.solver`, is compared with every
  student: a student whose code is largely covered by it copied the solver;
- every pair of students is compared; a pair's similarity is the larger of the two
  shares (the share of a student's code found in the other's).

A student's code is every ``.py`` file at the top of their folder plus the code cells of
its notebooks (read with :func:`cnnquiz.grading.notebook.read_notebook`, magics dropped).
"""

from __future__ import annotations

import io
import itertools
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from cnnquiz.report.load import ReportError

__all__ = ["Document", "Region", "Match", "SimilarityReport", "student_documents", "reference_document",
           "default_starter", "compare_documents", "similarity_report", "NOISE_TOKENS", "GUARANTEE_TOKENS"]

# copydetect's defaults: a match must be at least 25 filtered characters (k) and every
# match of 25 is guaranteed to be found (window 1).
NOISE_TOKENS = 25
GUARANTEE_TOKENS = 25
_MAX_FILE_BYTES = 1 << 20
_REFERENCE = "reference (cnnquiz.solver)"


@dataclass(frozen=True)
class Document:
    """One source of code: a student's files, or the reference solver, joined."""

    name: str
    text: str
    # (offset in text, file it came from, how to name a line of it: notebooks say the cell)
    parts: tuple[tuple[int, str, Callable[[int], str] | None], ...] = ()

    def where(self, offset: int) -> tuple[str, int, str]:
        """``(file, line in the file, "line 7" or "cell 3, line 2")`` of the character at ``offset``."""
        start, file, namer = 0, self.name, None
        for part_start, part_file, part_namer in self.parts:
            if part_start <= offset:
                start, file, namer = part_start, part_file, part_namer
        line = self.text.count("\n", start, offset) + 1
        return file, line, namer(line) if namer else f"line {line}"


@dataclass(frozen=True)
class Region:
    """A matching region in one document: character span and line span."""

    start: int
    end: int
    file: str
    first_line: int
    last_line: int
    text: str  # the region's whole lines
    first_where: str = ""  # "line 5", or "cell 3, line 2" in a notebook
    last_where: str = ""


@dataclass(frozen=True)
class Match:
    """Two documents compared: the share of each found in the other, and the regions."""

    a: str
    b: str
    share_a: float
    share_b: float
    regions_a: tuple[Region, ...]
    regions_b: tuple[Region, ...]
    text_a: str = ""
    text_b: str = ""

    @property
    def similarity(self) -> float:
        return max(self.share_a, self.share_b)


@dataclass(frozen=True)
class SimilarityReport:
    """Every student against the reference, and the most similar pairs of students."""

    students: tuple[str, ...]
    reference: tuple[Match, ...]  # student (a) vs the reference (b), most similar first
    pairs: tuple[Match, ...]  # most similar first
    threshold: float
    starter: str | None
    skipped: tuple[tuple[str, str], ...]  # (student, why) for folders with no code

    @property
    def copies_of_reference(self) -> tuple[Match, ...]:
        return tuple(m for m in self.reference if m.share_a >= self.threshold)

    @property
    def flagged_pairs(self) -> tuple[Match, ...]:
        return tuple(m for m in self.pairs if m.similarity >= self.threshold)


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > _MAX_FILE_BYTES:
            return ""
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


_File = tuple[str, str, Any]  # (file name, code, line namer or None)


def _join(name: str, files: Sequence[_File]) -> Document:
    text, parts = "", []
    for file, code, namer in files:
        parts.append((len(text), file, namer))
        text += code if code.endswith("\n") else code + "\n"
    return Document(name, text, tuple(parts))


def _student_files(folder: Path) -> list[_File]:
    from cnnquiz.grading.notebook import NotebookError, read_notebook

    files: list[_File] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_symlink() or not path.is_file():
            continue
        if path.suffix == ".py":
            files.append((path.name, _read(path), None))
        elif path.suffix == ".ipynb":
            try:
                with warnings.catch_warnings():  # nbformat warns about old notebooks (no cell ids)
                    warnings.simplefilter("ignore")
                    module = read_notebook(path)
            except NotebookError:
                continue  # grading reports a broken notebook; here it just has no code
            files.append((path.name, module.text, module.where))
    return [f for f in files if f[1].strip()]


def student_documents(submissions: str | Path) -> tuple[list[Document], list[tuple[str, str]]]:
    """One document per student folder, and the folders skipped (no code) with why.

    Raises
    ------
    ReportError
        When ``submissions`` is not a folder.
    """
    root = Path(submissions)
    if not root.is_dir():
        raise ReportError(f"{root}: no such folder (give the folder of student submissions)")
    documents, skipped = [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = _student_files(folder)
        if files:
            documents.append(_join(folder.name, files))
        else:
            skipped.append((folder.name, "no .py file or notebook with code"))
    return documents, skipped


def reference_document(path: str | Path | None = None) -> Document:
    """The reference solution: the source of :mod:`cnnquiz.solver` (every module joined),
    or the ``.py`` files of ``path`` (a file or a folder, e.g. the course's own solution).

    Raises
    ------
    ReportError
        When ``path`` is neither a file nor a folder.
    """
    if path is None:
        import cnnquiz.solver

        folder = Path(cnnquiz.solver.__file__).parent
        return _join(_REFERENCE, [(f"cnnquiz/solver/{p.name}", _read(p), None) for p in sorted(folder.glob("*.py"))])
    path = Path(path)
    if path.is_file():
        return _join(f"reference ({path.name})", [(path.name, _read(path), None)])
    if path.is_dir():
        return _join(f"reference ({path.name})", _student_files(path))
    raise ReportError(f"--reference {path}: no such file or folder")


def default_starter() -> Path | None:
    """The shipped starter folder ``submissions/starter`` of a checkout (None when absent)."""
    path = Path(__file__).resolve().parents[2] / "submissions" / "starter"
    return path if path.is_dir() else None


def _starter_document(path: Path) -> Document:
    """The starter as one document: a file, or every ``.py`` and notebook of a folder."""
    if path.is_dir():
        return _join("starter", _student_files(path))
    if path.is_file():
        return _join("starter", [(path.name, _read(path), None)])
    raise ReportError(f"--starter {path}: no such file or folder")


def _copydetect() -> Any:
    """copydetect (the optional ``similarity`` extra: it brings matplotlib), or one clear line."""
    try:
        import copydetect
    except ImportError:
        raise ReportError("cnnquiz similarity needs copydetect: pip install 'cnnquiz[similarity]'") from None
    return copydetect


def _fingerprint(document: Document, boilerplate: Sequence[int]) -> Any:  # a copydetect.CodeFingerprint
    CodeFingerprint = _copydetect().CodeFingerprint
    return CodeFingerprint(document.name + ".py", NOISE_TOKENS, GUARANTEE_TOKENS - NOISE_TOKENS + 1,
                           boilerplate=list(boilerplate), language="python", fp=io.StringIO(document.text))


def _regions(document: Document, slices: Any) -> tuple[Region, ...]:
    regions, text = [], document.text
    for start, end in zip(slices[0].tolist(), slices[1].tolist()):
        start, end = int(start), int(end)
        file, first, where = document.where(start)
        _, last, last_where = document.where(max(start, end - 1))
        # Shown as whole lines: a match starts and ends wherever the fingerprints did.
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", max(start, end - 1))
        lines = text[line_start:line_end if line_end >= 0 else len(text)]
        regions.append(Region(start, end, file, first, last, lines, where, last_where))
    return tuple(sorted(regions, key=lambda r: r.start))


def compare_documents(a: Document, b: Document, fa: Any, fb: Any) -> Match:
    """Compare two fingerprinted documents (``fa``, ``fb`` from copydetect)."""
    compare_files = _copydetect().compare_files
    _, (share_a, share_b), (slices_a, slices_b) = compare_files(fa, fb)
    if len(slices_a) == 0 or slices_a.size == 0:
        return Match(a.name, b.name, 0.0, 0.0, (), (), a.text, b.text)
    return Match(a.name, b.name, float(share_a), float(share_b), _regions(a, slices_a), _regions(b, slices_b),
                 a.text, b.text)


def similarity_report(submissions: str | Path, *, starter: str | Path | None = None, threshold: float = 0.5,
                      top: int = 10, use_default_starter: bool = True,
                      reference: str | Path | None = None) -> SimilarityReport:
    """Compare every student with the reference solver and with each other.

    Parameters
    ----------
    submissions : folder of student folders (as for ``cnnquiz grade``).
    starter : the code students were given (boilerplate; a file or a folder); default: the
        shipped starter folder of a checkout.
    threshold : a share at or above it is flagged (0..1).
    top : how many pairs of students to keep, most similar first.
    reference : the solution to flag copies of (a file or folder); default: ``cnnquiz.solver``.

    Raises
    ------
    ReportError
        When ``submissions`` is not a folder, ``starter`` cannot be read, or
        ``threshold`` is not within 0..1.
    """
    if not 0 <= threshold <= 1:
        raise ReportError(f"--threshold must be within 0..1; got {threshold}")
    CodeFingerprint = _copydetect().CodeFingerprint
    documents, skipped = student_documents(submissions)
    starter_path = Path(starter) if starter is not None else (default_starter() if use_default_starter else None)
    boilerplate: list[int] = []
    if starter_path is not None:
        starter_doc = _starter_document(starter_path)
        boilerplate = list(CodeFingerprint("starter.py", NOISE_TOKENS, GUARANTEE_TOKENS - NOISE_TOKENS + 1,
                                           language="python", fp=io.StringIO(starter_doc.text)).hashes)
    reference_doc = reference_document(reference)
    prints = {d.name: _fingerprint(d, boilerplate) for d in documents}
    ref_print = _fingerprint(reference_doc, boilerplate)
    against_reference = sorted((compare_documents(d, reference_doc, prints[d.name], ref_print) for d in documents),
                               key=lambda m: (-m.share_a, m.a))
    # Every pair is scored; only the top ones get their regions (n^2 / 2 pairs add up).
    scored = sorted(((max(_shares(prints[a.name], prints[b.name])), a.name, b.name, a, b)
                     for a, b in itertools.combinations(documents, 2)), key=lambda t: (-t[0], t[1], t[2]))
    pairs = [compare_documents(a, b, prints[a.name], prints[b.name]) for *_, a, b in scored[:max(top, 0)]]
    return SimilarityReport(tuple(d.name for d in documents), tuple(against_reference), tuple(pairs),
                            threshold, str(starter_path) if starter_path else None, tuple(skipped))


def _shares(fa: Any, fb: Any) -> tuple[float, float]:
    compare_files = _copydetect().compare_files
    _, (share_a, share_b), _ = compare_files(fa, fb)
    return float(share_a), float(share_b)
