"""A paper as Moodle XML (``<quiz>``), checked against Moodle's importer
(``question/format/xml/format.php``: ``import_numerical``, ``import_multichoice``,
``import_multianswer``; cloze syntax: ``question/type/multianswer/questiontype.php``).

- integer / number questions -> ``numerical`` with the quiz's absolute tolerance
  (``atol + rtol * |answer|``); each known mistake is an extra answer with 0 % whose
  feedback names it;
- choice questions -> ``multichoice`` (one answer, options in the paper's order, the
  named mistake as an option's feedback);
- shape and matrix questions -> ``cloze``: one ``{1:NUMERICAL:=v:tol}`` blank per
  number, so every cell keeps the quiz's tolerance; per-cell feedback for mistakes of
  the same shape.

The question text is HTML with ``{`` written as ``&#123;`` (a custom prompt's own cloze
syntax is shown, not turned into blanks). A control character in any text is refused
(XML 1.0 cannot carry it and Moodle would reject the whole file).
"""

from __future__ import annotations

import html
import math
import re
import xml.etree.ElementTree as ET
from typing import Callable

import numpy as np

from cnnquiz.bank.answer_format import mistake_text, number_text
from cnnquiz.bank.lms_common import (
    choice_feedback,
    finite,
    numbers,
    paper_label,
    prompt_html as _prompt_html,
    refuse_control_characters,
    tolerance_for,
)
from cnnquiz.bank.question import AnswerKind, Paper, Question
from cnnquiz.bank.verdict import mistake_entry

__all__ = ["to_moodle_xml", "prompt_html"]


def prompt_html(prompt: str) -> str:
    """The question text as Moodle XML carries it (``{`` as ``&#123;``: see the module docstring)."""
    return _prompt_html(prompt, entities="{")


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
    _moodle_answer(el, "100", number_text(q.answer), "Correct.", tolerance_for(q, q.answer))
    for w in q.wrong_answers:
        if finite(w.value):
            _moodle_answer(el, "0", number_text(w.value), mistake_text(w.mistake), tolerance_for(q, w.value))
    ET.SubElement(el, "unitgradingtype").text = "0"
    ET.SubElement(el, "unitpenalty").text = "0.1000000"
    ET.SubElement(el, "showunits").text = "3"
    ET.SubElement(el, "unitsleft").text = "0"


def _moodle_choice(root: ET.Element, q: Question) -> None:
    el = _moodle_common(root, q, "multichoice", prompt_html(q.prompt))
    ET.SubElement(el, "single").text = "true"
    ET.SubElement(el, "shuffleanswers").text = "false"
    ET.SubElement(el, "answernumbering").text = "ABCD"
    named = choice_feedback(q)
    for option in q.choices or [q.answer]:
        right = option == q.answer
        feedback = (q.explanation or "Correct.") if right else named.get(option, "")
        _moodle_answer(el, "100" if right else "0", html.escape(option), feedback, None)


def _cloze_escape(text: str) -> str:
    return re.sub(r'([}#~/"\\])', r"\\\1", text)


def _cloze_blank(q: Question, index: int, value: float) -> str:
    tol = tolerance_for(q, value)
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
            entry = mistake_entry(w.mistake)
            feedback = _cloze_escape(html.escape(entry.name if entry else w.mistake))
            parts.append(f"%0%{number_text(v)}:{number_text(tolerance_for(q, v))}#{feedback}")
    return "{1:NUMERICAL:" + "~".join(parts) + "}"


def _moodle_cloze(root: ET.Element, q: Question) -> None:
    values = numbers(q.answer)
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
    refuse_control_characters(paper, "moodle-xml")
    root = ET.Element("quiz")
    category = ET.SubElement(root, "question", {"type": "category"})
    _text(category, "category", f"$course$/cnnquiz/{paper_label(paper)}")
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
