"""A paper for an LMS: Moodle XML and GIFT (choices made: see :mod:`cnnquiz.bank.export`)."""

from __future__ import annotations

import html
import math
import re
import xml.etree.ElementTree as ET
from typing import Any, Callable

import numpy as np

from cnnquiz.bank._answer_text import answer_rows, mistake_text, number_text
from cnnquiz.bank.answers import effective_tolerance
from cnnquiz.bank.question import AnswerKind, Paper, Question
from cnnquiz.mistakes import CATALOGUE

__all__ = ["prompt_html", "to_moodle_xml", "gift_escape", "to_gift"]


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
        ET.SubElement(ans, "tolerance").text = number_text(tolerance)
    _text(ans, "feedback", "<p>" + html.escape(feedback) + "</p>" if feedback else "", "html")


def _moodle_numerical(root: ET.Element, q: Question) -> None:
    el = _moodle_common(root, q, "numerical", prompt_html(q.prompt))
    _moodle_answer(el, "100", number_text(q.answer), "Correct.", _tolerance(q, q.answer))
    for w in q.wrong_answers:
        if _finite(w.value):
            _moodle_answer(el, "0", number_text(w.value), mistake_text(w.mistake), _tolerance(q, w.value))
    ET.SubElement(el, "unitgradingtype").text = "0"
    ET.SubElement(el, "unitpenalty").text = "0.1000000"
    ET.SubElement(el, "showunits").text = "3"
    ET.SubElement(el, "unitsleft").text = "0"


def _moodle_choice(root: ET.Element, q: Question) -> None:
    el = _moodle_common(root, q, "multichoice", prompt_html(q.prompt))
    ET.SubElement(el, "single").text = "true"
    ET.SubElement(el, "shuffleanswers").text = "false"
    ET.SubElement(el, "answernumbering").text = "ABCD"
    named = {w.value: mistake_text(w.mistake) for w in q.wrong_answers}
    for option in q.choices or [q.answer]:
        right = option == q.answer
        feedback = (q.explanation or "Correct.") if right else named.get(option, "")
        _moodle_answer(el, "100" if right else "0", html.escape(option), feedback, None)


def _cloze_escape(text: str) -> str:
    return re.sub(r'([}#~/"\\])', r"\\\1", text)


def _cloze_blank(q: Question, index: int, value: float) -> str:
    tol = _tolerance(q, value)
    parts = [f"={number_text(value)}:{number_text(tol)}"]
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
            parts.append(f"%0%{number_text(v)}:{number_text(_tolerance(q, v))}#{feedback}")
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
    parts = [f"={number_text(q.answer)}:{number_text(_tolerance(q, q.answer))}#Correct."]
    for w in q.wrong_answers:
        if _finite(w.value):
            parts.append(f"=%0%{number_text(w.value)}:{number_text(_tolerance(q, w.value))}#{gift_escape(mistake_text(w.mistake))}")
    return "{#" + " ".join(parts) + "}"


def _gift_choice(q: Question) -> str:
    named = {w.value: mistake_text(w.mistake) for w in q.wrong_answers}
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
        items = [number_text(v) for v in value]
        return list(dict.fromkeys(["x".join(items), " x ".join(items), ", ".join(items), ",".join(items)]))
    rows = [" ".join(row) for row in answer_rows(value)]
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
            parts.append(f"=%0%{gift_escape(wrong)}#{gift_escape(mistake_text(w.mistake))}")
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
