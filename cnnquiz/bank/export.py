"""One registry of paper formats: each is a suffix, a paper writer and a key writer.

A new format is one module (a ``Paper -> str | bytes`` writer) plus one line in
:data:`FORMATS`; ``cnnquiz generate --format`` and the class papers of ``--roster`` take
their choices, suffixes and writers from here. Formats:

============  ========  ======================================================  =======
name          suffix    paper                                                   key
============  ========  ======================================================  =======
json          .json     the contract's object (section 6; includes the key)     JSON
markdown      .md       the students' paper                                     Markdown
moodle-xml    .xml      Moodle XML (:mod:`cnnquiz.bank.lms`)                     Markdown
gift          .gift     GIFT (:mod:`cnnquiz.bank.gift`)                          Markdown
qti           .zip      Canvas Classic Quizzes QTI 1.2 (:mod:`cnnquiz.bank.qti`) Markdown
============  ========  ======================================================  =======

Binary formats (the QTI zip) cannot go to a terminal: :func:`write_paper` writes any
format to a file, atomically.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from cnnquiz import atomic
from cnnquiz.bank.answer_check import effective_tolerance
from cnnquiz.bank.answer_format import format_answer, mistake_text
from cnnquiz.bank._prompt import prompt_number as format_number
from cnnquiz.bank.gift import gift_escape, to_gift
from cnnquiz.bank.lms import prompt_html, to_moodle_xml
from cnnquiz.bank.lms_common import ExportError
from cnnquiz.bank.qti import to_qti_zip
from cnnquiz.bank.question import AnswerKind, Paper, Question

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

_CONTRACT_KEYS = ("id", "template", "topic", "kind", "prompt", "params", "answer")


# --- JSON ---------------------------------------------------------------------------

def paper_json(paper: Paper) -> dict[str, Any]:
    """Exactly the contract's object: ``{"seed", "questions": [{id, template, ..., answer}]}``."""
    questions = [q.model_dump(mode="json", include=set(_CONTRACT_KEYS)) for q in paper.questions]
    return {"seed": paper.seed, "questions": [{k: q[k] for k in _CONTRACT_KEYS} for q in questions]}


def key_json(paper: Paper) -> dict[str, Any]:
    """The full paper: options, and per question the key, tolerance, known mistakes and working."""
    return paper.model_dump(mode="json")


def dumps(obj: Any, indent: int = 0) -> str:
    """JSON with objects spread over lines and lists of numbers (matrices) kept on one line."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(obj, dict) and obj:
        items = [f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {dumps(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and any(isinstance(v, dict) for v in obj):
        return "[\n" + ",\n".join(inner + dumps(v, indent + 1) for v in obj) + "\n" + pad + "]"
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)


def to_json(paper: Paper) -> str:
    return dumps(paper_json(paper)) + "\n"


def key_to_json(paper: Paper) -> str:
    return dumps(key_json(paper)) + "\n"


# --- Markdown -----------------------------------------------------------------------------

def _md_header(paper: Paper, title: str) -> list[str]:
    who = f"Student: {paper.student} · " if paper.student else ""
    topics = f" · topics: {', '.join(paper.topics)}" if paper.topics else ""
    return [f"# {title}", "", f"{who}Seed: {paper.seed} · {len(paper.questions)} questions{topics}", ""]


def _md_choices(q: Question) -> list[str]:
    return [f"- {chr(65 + i)}. {text}" for i, text in enumerate(q.choices or [])]


def to_markdown(paper: Paper) -> str:
    """The student's paper: prompts (matrices as code blocks), options, answer lines."""
    lines = _md_header(paper, "CNN quiz")
    for n, q in enumerate(paper.questions, start=1):
        lines += [f"## Question {n} ({q.id})", "", q.prompt, ""]
        if q.choices:
            lines += _md_choices(q) + [""]
        hint = f" ({q.shape_order})" if q.shape_order else ""
        lines += [f"**Answer{hint}:** ________", ""]
    return "\n".join(lines).rstrip() + "\n"


def key_to_markdown(paper: Paper) -> str:
    """The answer key: answer, tolerance, working and the known mistakes' values."""
    lines = _md_header(paper, "CNN quiz: answer key")
    for n, q in enumerate(paper.questions, start=1):
        lines += [f"## Question {n} ({q.id}) · {q.topic} · {q.template}", ""]
        if q.kind is AnswerKind.MATRIX:
            block = format_answer(q, inline=False).split("\n")
            lines += ["**Answer:**", ""] + ["    " + row for row in block] + [""]
        else:
            order = f" ({q.shape_order})" if q.shape_order else ""
            lines += [f"**Answer{order}:** {format_answer(q)}", ""]
        tol = effective_tolerance(q)
        if tol.atol or tol.rtol:
            lines += [f"Accepted within ±{format_number(tol.atol)} (absolute)"
                      + (f" + {format_number(tol.rtol)} x |answer|" if tol.rtol else ""), ""]
        if q.working:
            lines += [f"**Working:** {q.working}", ""]
        if q.wrong_answers:
            lines += ["**Known mistakes:**", ""]
            lines += [f"- `{format_answer(q, w.value)}`: {mistake_text(w.mistake)}" for w in q.wrong_answers]
            lines += [""]
    return "\n".join(lines).rstrip() + "\n"


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
            # atomic.write_text with latin-1 and newline="" writes the bytes unchanged.
            return atomic.write_text(path, content.decode("latin-1"), encoding="latin-1")
        return atomic.write_text(path, content)
    except OSError as error:
        raise ExportError(f"{path}: cannot write: {error.strerror or error}") from None
