"""One registry of paper formats: each is a suffix, a paper writer and a key writer.

A new format is one module (a ``Paper -> str | bytes`` writer) plus one line in
:data:`FORMATS`; ``cnnquiz generate --format`` and the class papers of ``--roster`` take
their choices, suffixes and writers from here. Formats:

============  ========  ======================================================  =======
name          suffix    paper                                                   key
============  ========  ======================================================  =======
json          .json     the contract's object (:mod:`cnnquiz.bank.paper_text`)  JSON
markdown      .md       the students' paper (:mod:`cnnquiz.bank.paper_text`)    Markdown
moodle-xml    .xml      Moodle XML (:mod:`cnnquiz.bank.lms`)                     Markdown
gift          .gift     GIFT (:mod:`cnnquiz.bank.gift`)                          Markdown
qti           .zip      Canvas Classic Quizzes QTI 1.2 (:mod:`cnnquiz.bank.qti`) Markdown
============  ========  ======================================================  =======

Binary formats (the QTI zip) cannot go to a terminal: :func:`write_paper` writes any
format to a file, atomically.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from cnnquiz import atomic
from cnnquiz.bank.answer_format import format_answer
from cnnquiz.bank.gift import gift_escape, to_gift
from cnnquiz.bank.lms import prompt_html, to_moodle_xml
from cnnquiz.bank.lms_common import ExportError
from cnnquiz.bank.paper_text import dumps, key_json, key_to_json, key_to_markdown, paper_json, to_json, to_markdown
from cnnquiz.bank.qti import to_qti_zip
from cnnquiz.bank.question import Paper

__all__ = [
    "PaperFormat",
    "FORMATS",
    "ExportFormat",
    "ExportError",
    "FILE_SUFFIX",
    "KEY_SUFFIX",
    "paper_json",
    "key_json",
    "to_json",
    "key_to_json",
    "dumps",
    "to_markdown",
    "key_to_markdown",
    "to_moodle_xml",
    "to_gift",
    "to_qti_zip",
    "export_paper",
    "export_key",
    "write_paper",
    "format_answer",
    "prompt_html",
    "gift_escape",
]

# --- the registry ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PaperFormat:
    """One export format: how its files are named and written."""

    name: str
    suffix: str
    paper: Callable[[Paper], str | bytes]
    key: Callable[[Paper], str]
    key_suffix: str
    binary: bool = False


FORMATS: dict[str, PaperFormat] = {f.name: f for f in (
    PaperFormat("json", ".json", to_json, key_to_json, ".json"),
    PaperFormat("markdown", ".md", to_markdown, key_to_markdown, ".md"),
    PaperFormat("moodle-xml", ".xml", to_moodle_xml, key_to_markdown, ".md"),
    PaperFormat("gift", ".gift", to_gift, key_to_markdown, ".md"),
    PaperFormat("qti", ".zip", to_qti_zip, key_to_markdown, ".md", binary=True),
)}

#: The ``--format`` choices, one per registered format (``ExportFormat.MOODLE_XML == "moodle-xml"``).
ExportFormat = enum.Enum("ExportFormat", {name.upper().replace("-", "_"): name for name in FORMATS}, type=str)
ExportFormat.__doc__ = "The names of the registered paper formats."
FILE_SUFFIX = {ExportFormat(name): f.suffix for name, f in FORMATS.items()}
KEY_SUFFIX = {ExportFormat(name): f.key_suffix for name, f in FORMATS.items()}


def _format(fmt: Any) -> PaperFormat:
    name = fmt.value if isinstance(fmt, enum.Enum) else str(fmt)
    if name not in FORMATS:
        raise ExportError(f"--format {name}: unknown format; choose one of {', '.join(FORMATS)}")
    return FORMATS[name]


def export_paper(paper: Paper, fmt: Any) -> str | bytes:
    """The paper for students in format ``fmt`` (bytes for a binary format such as ``qti``)."""
    return _format(fmt).paper(paper)


def export_key(paper: Paper, fmt: Any) -> str:
    """The key with workings: full JSON for ``json``, Markdown for every other format."""
    return _format(fmt).key(paper)


def write_paper(path: str | Path, paper: Paper, fmt: Any) -> Path:
    """Write the paper in format ``fmt`` to ``path`` atomically (text or binary).

    Raises
    ------
    ExportError
        When the format cannot carry the paper, or ``path`` cannot be written.
    """
    content = export_paper(paper, fmt)
    try:
        if isinstance(content, bytes):
            return atomic.write_bytes(path, content)
        return atomic.write_text(path, content)
    except OSError as error:
        raise ExportError(f"{path}: cannot write: {error.strerror or error}") from None
