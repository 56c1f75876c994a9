"""A paper as JSON (contract section 6), Markdown (paper and key), Moodle XML and GIFT.

Choices made for the LMS formats (see also ``docs``):

- integer / number questions -> Moodle ``numerical`` (absolute tolerance
  ``atol + rtol * |answer|``), GIFT ``{#=28:0 ...}``; every known mistake becomes an
  extra answer with 0 % credit whose feedback names it.
- choice questions -> Moodle ``multichoice`` (single answer, options in the paper's
  order), GIFT ``{=right ~wrong}``.
- shape and matrix questions -> Moodle ``cloze`` with one NUMERICAL blank per number
  (per-cell feedback for mistakes of the same shape); GIFT has no cloze, so they become
  ``shortanswer`` questions whose accepted texts are a few spellings of the canonical
  form (``32x32x10``; matrices as rows separated by ``;``), stated in the question.
"""

from __future__ import annotations

import enum
import html
import json
import math
import re
import xml.etree.ElementTree as ET
from typing import Any, Callable

import numpy as np

from cnnquiz.bank._prompt import format_number
from cnnquiz.bank.answers import effective_tolerance
from cnnquiz.bank.question import AnswerKind, Paper, Question
from cnnquiz.mistakes import CATALOGUE

__all__ = [
    "ExportFormat",
    "paper_json",
    "key_json",
    "to_json",
    "key_to_json",
    "dumps",
    "to_markdown",
    "key_to_markdown",
    "to_moodle_xml",
    "to_gift",
    "export_paper",
    "export_key",
    "format_answer",
    "FILE_SUFFIX",
]

_CONTRACT_KEYS = ("id", "template", "topic", "kind", "prompt", "params", "answer")


class ExportFormat(str, enum.Enum):
    JSON = "json"
    MARKDOWN = "markdown"
    MOODLE_XML = "moodle-xml"
    GIFT = "gift"


FILE_SUFFIX = {
    ExportFormat.JSON: ".json",
    ExportFormat.MARKDOWN: ".md",
    ExportFormat.MOODLE_XML: ".xml",
    ExportFormat.GIFT: ".gift",
}


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


# --- answers as text ---------------------------------------------------------------------

def _rows(value: Any) -> list[list[str]]:
    arr = np.asarray(value, dtype=object)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    return [[_num(v) for v in row] for row in arr.reshape(-1, arr.shape[-1])]


def _num(value: Any) -> str:
    return value if isinstance(value, str) else format_number(value)


def format_answer(question: Question, value: Any = None, *, inline: bool = True) -> str:
    """``value`` (default: the key) as a student would write it: 28, 32x32x10, rows; choice text."""
    value = question.answer if value is None else value
    if question.kind is AnswerKind.CHOICE or isinstance(value, str):
        return str(value)
    if question.kind is AnswerKind.SHAPE and isinstance(value, list):
        return "x".join(_num(v) for v in value)
    if isinstance(value, list):
        rows = _rows(value)
        if inline:
            return "; ".join(" ".join(row) for row in rows)
        width = max(len(c) for row in rows for c in row)
        return "\n".join("  ".join(c.rjust(width) for c in row) for row in rows)
    return _num(value)


def _mistake_text(key: str) -> str:
    m = CATALOGUE.get(key)
    return f"{m.name}: {m.explanation}" if m else key


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
            lines += [f"- `{format_answer(q, w.value)}`: {_mistake_text(w.mistake)}" for w in q.wrong_answers]
            lines += [""]
    return "\n".join(lines).rstrip() + "\n"


# --- HTML for the LMS formats -----------------------------------------------------------------

def prompt_html(prompt: str) -> str:
    """Paragraphs -> ``<p>``, indented blocks (matrices) -> ``<pre>``; everything escaped."""
    parts = []
    for block in re.split(r"\n\s*\n", prompt.strip()):
        lines = block.split("\n")
        if all(line.startswith("    ") for line in lines):
            parts.append("<pre>" + html.escape("\n".join(line[4:] for line in lines)) + "</pre>")
        else:
            parts.append("<p>" + html.escape(" ".join(line.strip() for line in lines)) + "</p>")
    return "".join(parts)


def _tolerance(q: Question, value: Any) -> float:
    """The absolute tolerance the quiz itself applies (a non-integer key without one gets the default)."""
    tol = effective_tolerance(q)
    return tol.atol + tol.rtol * abs(float(value))


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _numbers(q: Question) -> list[float]:
    return [float(v) for v in np.asarray(q.answer, dtype=np.float64).ravel()]


# --- Moodle XML -------------------------------------------------------------------------------

def _text(parent: ET.Element, tag: str, text: str, fmt: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(el, "text").text = text
    return el


def _moodle_common(root: ET.Element, q: Question, qtype: str, question_html: str) -> ET.Element:
    el = ET.SubElement(root, "question", {"type": qtype})
    _text(el, "name", f"{q.id} {q.template}")
    _text(el, "questiontext", question_html, "html")
    feedback = q.explanation or q.working
    _text(el, "generalfeedback", "<p>" + html.escape(feedback) + "</p>" if feedback else "", "html")
    ET.SubElement(el, "defaultgrade").text = "1"
    ET.SubElement(el, "penalty").text = "0.3333333"
    ET.SubElement(el, "hidden").text = "0"
    return el


def _moodle_answer(parent: ET.Element, fraction: str, text: str, feedback: str, tolerance: float | None) -> None:
    fmt = "moodle_auto_format" if tolerance is not None else "html"
    ans = ET.SubElement(parent, "answer", {"fraction": fraction, "format": fmt})
    ET.SubElement(ans, "text").text = text
    if tolerance is not None:
        ET.SubElement(ans, "tolerance").text = _num(tolerance)
    _text(ans, "feedback", "<p>" + html.escape(feedback) + "</p>" if feedback else "", "html")


def _moodle_numerical(root: ET.Element, q: Question) -> None:
    el = _moodle_common(root, q, "numerical", prompt_html(q.prompt))
    _moodle_answer(el, "100", _num(q.answer), "Correct.", _tolerance(q, q.answer))
    for w in q.wrong_answers:
        if _finite(w.value):
            _moodle_answer(el, "0", _num(w.value), _mistake_text(w.mistake), _tolerance(q, w.value))
    ET.SubElement(el, "unitgradingtype").text = "0"
    ET.SubElement(el, "unitpenalty").text = "0.1000000"
    ET.SubElement(el, "showunits").text = "3"
    ET.SubElement(el, "unitsleft").text = "0"


def _moodle_choice(root: ET.Element, q: Question) -> None:
    el = _moodle_common(root, q, "multichoice", prompt_html(q.prompt))
    ET.SubElement(el, "single").text = "true"
    ET.SubElement(el, "shuffleanswers").text = "false"
    ET.SubElement(el, "answernumbering").text = "ABCD"
    named = {w.value: _mistake_text(w.mistake) for w in q.wrong_answers}
    for option in q.choices or [q.answer]:
        right = option == q.answer
        feedback = (q.explanation or "Correct.") if right else named.get(option, "")
        _moodle_answer(el, "100" if right else "0", html.escape(option), feedback, None)


def _cloze_escape(text: str) -> str:
    return re.sub(r'([}#~/"\\])', r"\\\1", text)


def _cloze_blank(q: Question, index: int, value: float) -> str:
    tol = _tolerance(q, value)
    parts = [f"={_num(value)}:{_num(tol)}"]
    seen = {value}
    for w in q.wrong_answers:
        try:
            other = np.asarray(w.value, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            continue
        if other.size != np.asarray(q.answer).size or not math.isfinite(other[index]):
            continue
        v = float(other[index])
        if abs(v - value) > tol and v not in seen:
            seen.add(v)
            feedback = _cloze_escape(html.escape(CATALOGUE[w.mistake].name if w.mistake in CATALOGUE else w.mistake))
            parts.append(f"%0%{_num(v)}:{_num(_tolerance(q, v))}#{feedback}")
    return "{1:NUMERICAL:" + "~".join(parts) + "}"


def _moodle_cloze(root: ET.Element, q: Question) -> None:
    values = _numbers(q)
    blanks = [_cloze_blank(q, i, v) for i, v in enumerate(values)]
    if q.kind is AnswerKind.SHAPE:
        order = f" ({html.escape(q.shape_order)})" if q.shape_order else ""
        answer_html = f"<p>Answer{order}: " + " x ".join(blanks) + "</p>"
    else:
        arr = np.asarray(q.answer, dtype=np.float64)
        width = arr.shape[-1] if arr.ndim else 1
        rows = [blanks[i:i + width] for i in range(0, len(blanks), width)]
        answer_html = "<table>" + "".join(
            "<tr>" + "".join(f"<td>{b}</td>" for b in row) + "</tr>" for row in rows
        ) + "</table>"
    _moodle_common(root, q, "cloze", prompt_html(q.prompt) + answer_html)


def to_moodle_xml(paper: Paper) -> str:
    """Moodle XML (``<quiz>``), one question per paper question, in a category named by the seed."""
    root = ET.Element("quiz")
    category = ET.SubElement(root, "question", {"type": "category"})
    _text(category, "category", f"$course$/cnnquiz/{_label(paper)}")
    writers: dict[AnswerKind, Callable[[ET.Element, Question], None]] = {
        AnswerKind.INTEGER: _moodle_numerical,
        AnswerKind.NUMBER: _moodle_numerical,
        AnswerKind.CHOICE: _moodle_choice,
        AnswerKind.SHAPE: _moodle_cloze,
        AnswerKind.MATRIX: _moodle_cloze,
    }
    for q in paper.questions:
        writers[q.kind](root, q)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _label(paper: Paper) -> str:
    return f"student-{paper.student}" if paper.student else f"seed-{paper.seed}"


# --- GIFT -------------------------------------------------------------------------------------

def gift_escape(text: str) -> str:
    """Backslash-escape GIFT's special characters ``~ = # { } :`` (and ``\\``); newlines -> ``\\n``."""
    text = re.sub(r"([\\~=#{}:])", r"\\\1", text)
    return text.replace("\r", "").replace("\n", "\\n")


def _gift_numeric(q: Question) -> str:
    parts = [f"={_num(q.answer)}:{_num(_tolerance(q, q.answer))}#Correct."]
    for w in q.wrong_answers:
        if _finite(w.value):
            parts.append(f"=%0%{_num(w.value)}:{_num(_tolerance(q, w.value))}#{gift_escape(_mistake_text(w.mistake))}")
    return "{#" + " ".join(parts) + "}"


def _gift_choice(q: Question) -> str:
    named = {w.value: _mistake_text(w.mistake) for w in q.wrong_answers}
    parts = []
    for option in q.choices or [q.answer]:
        if option == q.answer:
            parts.append(f"={gift_escape(html.escape(option))}#{gift_escape(html.escape(q.explanation or 'Correct.'))}")
        else:
            feedback = named.get(option)
            tail = f"#{gift_escape(html.escape(feedback))}" if feedback else ""
            parts.append(f"~{gift_escape(html.escape(option))}{tail}")
    return "{" + " ".join(parts) + "}"


def _spellings(q: Question, value: Any) -> list[str]:
    if q.kind is AnswerKind.SHAPE:
        items = [_num(v) for v in value]
        return list(dict.fromkeys(["x".join(items), " x ".join(items), ", ".join(items), ",".join(items)]))
    rows = [" ".join(row) for row in _rows(value)]
    return list(dict.fromkeys(["; ".join(rows), ";".join(rows)]))


def _gift_short(q: Question) -> tuple[str, str]:
    if q.kind is AnswerKind.SHAPE:
        how = f"Type the shape as {q.shape_order or 'numbers separated by x'}, e.g. 4x4x6."
    else:
        how = "Type the rows separated by ; and the numbers of a row separated by spaces."
    parts = [f"={gift_escape(s)}" for s in _spellings(q, q.answer)]
    for w in q.wrong_answers:
        if isinstance(w.value, list) and np.isfinite(np.asarray(w.value, dtype=np.float64)).all():
            wrong = _spellings(q, w.value)[0]
            parts.append(f"=%0%{gift_escape(wrong)}#{gift_escape(_mistake_text(w.mistake))}")
    return how, "{" + " ".join(parts) + "}"


def to_gift(paper: Paper) -> str:
    """GIFT, one question per paper question (HTML question text, escaped)."""
    out = [f"// cnnquiz paper: seed {paper.seed}" + (f", student {paper.student}" if paper.student else ""),
           f"$CATEGORY: $course$/cnnquiz/{_label(paper)}", ""]
    for q in paper.questions:
        text = prompt_html(q.prompt)
        if q.kind in (AnswerKind.INTEGER, AnswerKind.NUMBER):
            answer = _gift_numeric(q)
        elif q.kind is AnswerKind.CHOICE:
            answer = _gift_choice(q)
        else:
            how, answer = _gift_short(q)
            text += "<p>" + html.escape(how) + "</p>"
        out.append(f"::{gift_escape(q.id + ' ' + q.template)}::[html]{gift_escape(text)}{answer}")
        out.append("")
    return "\n".join(out)


# --- dispatch ---------------------------------------------------------------------------------

def export_paper(paper: Paper, fmt: ExportFormat | str) -> str:
    """The paper for students (JSON: the contract's object, which includes the key)."""
    fmt = ExportFormat(fmt)
    return {
        ExportFormat.JSON: to_json,
        ExportFormat.MARKDOWN: to_markdown,
        ExportFormat.MOODLE_XML: to_moodle_xml,
        ExportFormat.GIFT: to_gift,
    }[fmt](paper)


def export_key(paper: Paper, fmt: ExportFormat | str) -> str:
    """The key with workings: full JSON for ``json``, Markdown for every other format."""
    return key_to_json(paper) if ExportFormat(fmt) is ExportFormat.JSON else key_to_markdown(paper)
