"""A paper as a Canvas Classic Quizzes QTI 1.2 zip (``imsmanifest.xml``, one assessment
and its ``assessment_meta.xml``), as Canvas exports it and text2qti writes it.

Checked against what Canvas's importer reads (``gems/plugins/qti_exporter/lib/qti``:
the ``question_type`` field of ``itemmetadata`` picks the converter;
``NumericInteraction#get_canvas_answers`` reads an exact answer from
``<or><varequal/><and><vargte/><varlte/></and></or>`` with margin = upper - exact;
choices and per-choice feedback are ``response_label`` idents matched by
``respcondition``/``displayfeedback``) and text2qti's output (``xml_assessment.py``,
``xml_assessment_meta.py``, ``xml_imsmanifest.py``):

- integer / number -> ``numerical_question``: exact answer with the quiz's absolute
  tolerance as the margin; the known mistakes are listed in the incorrect-answer
  feedback (Canvas numerical answers cannot carry wrong values with feedback);
- choice -> ``multiple_choice_question``, the named mistake (or the bank's "why it is
  wrong") as each option's feedback;
- shape and matrix -> ``fill_in_multiple_blanks_question``, one blank per number
  (``[b1]``, ``[b2]``, ...). Canvas compares a blank's text, so each blank lists the
  texts the quiz accepts: ``7`` and ``7.0`` for whole numbers, and for decimals every
  value within the quiz's tolerance written with at most the decimal places the prompt
  asks for (3 for ±0.001: ``5.5``, ``5.50``, ``5.500``, ...).

Answer idents are numbers unique in the quiz (Canvas takes the digits of an ident as the
answer id). The zip is deterministic: fixed timestamps, sorted entries.
"""

from __future__ import annotations

import html
import io
import math
import re
import xml.etree.ElementTree as ET
import zipfile
from cnnquiz.bank.answer_check import effective_tolerance
from cnnquiz.bank.answer_format import format_answer, mistake_text, number_text
from cnnquiz.bank.lms_common import (
    choice_feedback,
    integral,
    numbers,
    paper_label,
    prompt_html,
    refuse_control_characters,
    tolerance_for,
)
from cnnquiz.bank.question import AnswerKind, Paper, Question
from cnnquiz.mistakes import values_match

__all__ = ["qti_files", "to_qti_zip", "blank_texts", "QTI_NAMESPACE"]

QTI_NAMESPACE = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
_QTI_SCHEMA = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2 http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
_CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def _mattext(parent: ET.Element, text_html: str) -> None:
    _sub(_sub(parent, "material"), "mattext", text_html, texttype="text/html")


def _metadata(item: ET.Element, qtype: str, answer_ids: list[str], ref: str) -> None:
    fields = _sub(_sub(item, "itemmetadata"), "qtimetadata")
    for label, entry in (("question_type", qtype), ("points_possible", "1.0"),
                         ("original_answer_ids", ",".join(answer_ids)), ("assessment_question_identifierref", ref)):
        field = _sub(fields, "qtimetadatafield")
        _sub(field, "fieldlabel", label)
        _sub(field, "fieldentry", entry)


def _feedback(item: ET.Element, ident: str, text: str) -> None:
    flow = _sub(_sub(item, "itemfeedback", ident=ident), "flow_mat")
    _mattext(flow, "<p>" + html.escape(text) + "</p>")


def _condition(parent: ET.Element, *, stop: bool) -> tuple[ET.Element, ET.Element]:
    cond = ET.SubElement(parent, "respcondition", {"continue": "No" if stop else "Yes"})
    return cond, _sub(cond, "conditionvar")


def _show(cond: ET.Element, ident: str) -> None:
    _sub(cond, "displayfeedback", feedbacktype="Response", linkrefid=ident)


def _general_feedback(proc: ET.Element, q: Question) -> bool:
    text = q.explanation or q.working
    if text:
        cond, var = _condition(proc, stop=False)
        _sub(var, "other")
        _show(cond, "general_fb")
    return bool(text)


def _mistakes_line(q: Question) -> str:
    known = [f"{format_answer(q, w.value)} means {mistake_text(w.mistake)}" for w in q.wrong_answers
             if not isinstance(w.value, str) or q.kind is AnswerKind.CHOICE]
    return "Not correct." + (" Known mistakes: " + " · ".join(known) if known else "")


def _incorrect(proc: ET.Element) -> None:
    cond, var = _condition(proc, stop=False)
    _sub(var, "other")
    _show(cond, "general_incorrect_fb")


def _numerical(item: ET.Element, q: Question, ident: int) -> None:
    _metadata(item, "numerical_question", [str(ident)], f"{item.get('ident')}_ref")
    pres = _sub(item, "presentation")
    _mattext(pres, prompt_html(q.prompt))
    fib = _sub(_sub(pres, "response_str", ident="response1", rcardinality="Single"), "render_fib", fibtype="Decimal")
    _sub(fib, "response_label", ident="answer1")
    proc = _sub(item, "resprocessing")
    _sub(_sub(proc, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    general = _general_feedback(proc, q)
    value, tol = float(q.answer), tolerance_for(q, q.answer)
    cond, var = _condition(proc, stop=True)
    either = _sub(var, "or")
    _sub(either, "varequal", number_text(q.answer), respident="response1")
    within = _sub(either, "and")
    _sub(within, "vargte", number_text(value - tol), respident="response1")
    _sub(within, "varlte", number_text(value + tol), respident="response1")
    _sub(cond, "setvar", "100", action="Set", varname="SCORE")
    _show(cond, "correct_fb")
    _incorrect(proc)
    if general:
        _feedback(item, "general_fb", q.explanation or q.working)
    _feedback(item, "correct_fb", "Correct.")
    _feedback(item, "general_incorrect_fb", _mistakes_line(q))


def _choice(item: ET.Element, q: Question, first_ident: int) -> None:
    options = list(q.choices or [q.answer])
    idents = [str(first_ident + i) for i in range(len(options))]
    _metadata(item, "multiple_choice_question", idents, f"{item.get('ident')}_ref")
    pres = _sub(item, "presentation")
    _mattext(pres, prompt_html(q.prompt))
    choices = _sub(_sub(pres, "response_lid", ident="response1", rcardinality="Single"), "render_choice")
    for ident, option in zip(idents, options):
        _mattext(_sub(choices, "response_label", ident=ident), html.escape(option))
    proc = _sub(item, "resprocessing")
    _sub(_sub(proc, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    general = _general_feedback(proc, q)
    named = choice_feedback(q)
    with_feedback = [(i, named[o]) for i, o in zip(idents, options) if o != q.answer and o in named]
    for ident, _text in with_feedback:
        cond, var = _condition(proc, stop=False)
        _sub(var, "varequal", ident, respident="response1")
        _show(cond, f"{ident}_fb")
    cond, var = _condition(proc, stop=True)
    _sub(var, "varequal", idents[options.index(q.answer)], respident="response1")
    _sub(cond, "setvar", "100", action="Set", varname="SCORE")
    if general:
        _feedback(item, "general_fb", q.explanation or q.working)
    for ident, text in with_feedback:
        _feedback(item, f"{ident}_fb", text)


def _decimals(tol: float) -> int:
    """Decimal places whose step fits in the tolerance: 0.001 -> 3, 0.0065 -> 3."""
    return max(0, math.ceil(-math.log10(tol) - 1e-9)) if tol > 0 else 0


def blank_texts(q: Question, value: float) -> list[str]:
    """The texts a fill-in blank accepts for ``value``: what the quiz accepts, as typed.

    >>> from cnnquiz.bank.question import Tolerance
    >>> q = Question(id="q1", template="t", topic="x", difficulty=1, kind="matrix", prompt="p",
    ...              params={}, answer=[[0.5, 0.25]], tolerance=Tolerance(atol=0.001))
    >>> blank_texts(q, 2.25)
    ['2.25', '2.249', '2.250', '2.251']
    """
    if integral(q):
        return list(dict.fromkeys([number_text(value), f"{value:.1f}"]))
    tol = tolerance_for(q, value)
    rule = effective_tolerance(q)
    texts = []
    for places in range(_decimals(tol) + 1):  # 5.5, 5.50, 5.500: every way with up to that many places
        step = 10.0 ** -places
        for k in range(math.floor((value - tol) / step), math.ceil((value + tol) / step) + 1):
            text = f"{k * step:.{places}f}"
            # The quiz's own rule decides at the edges: 5.499 vs 5.5 +- 0.001 is 0.001000000000000334
            # apart in floating point, so the quiz says no, and Canvas must say no too.
            if values_match(float(text), value, rtol=rule.rtol, atol=rule.atol):
                texts.append(text)
    return list(dict.fromkeys(texts))


def _blanks(item: ET.Element, q: Question, first_ident: int) -> None:
    values = numbers(q.answer)
    names = [f"b{i}" for i in range(1, len(values) + 1)]
    accepted = [blank_texts(q, v) for v in values]
    idents, ident = [], first_ident
    for texts in accepted:
        idents.append([str(ident + j) for j in range(len(texts))])
        ident += len(texts)
    _metadata(item, "fill_in_multiple_blanks_question", [i for group in idents for i in group],
              f"{item.get('ident')}_ref")
    if q.kind is AnswerKind.SHAPE:
        order = f" ({html.escape(q.shape_order)})" if q.shape_order else ""
        blanks_html = f"<p>Answer{order}: " + " x ".join(f"[{n}]" for n in names) + "</p>"
    else:
        width = len(q.answer[0]) if q.answer and isinstance(q.answer[0], list) else len(values)
        rows = [names[i:i + width] for i in range(0, len(names), width)]
        blanks_html = "<table>" + "".join("<tr>" + "".join(f"<td>[{n}]</td>" for n in row) + "</tr>"
                                           for row in rows) + "</table>"
    if not integral(q):
        places = _decimals(tolerance_for(q, values[0]))
        blanks_html += f"<p>Type each number with at most {places} decimal places.</p>"
    pres = _sub(item, "presentation")
    _mattext(pres, prompt_html(q.prompt, entities="[") + blanks_html)
    for name, texts, group in zip(names, accepted, idents):
        lid = _sub(pres, "response_lid", ident=f"response_{name}")
        _sub(_sub(lid, "material"), "mattext", name)
        choices = _sub(lid, "render_choice")
        for text, label in zip(texts, group):
            # Canvas's own export writes a blank's accepted texts as plain text.
            _sub(_sub(_sub(choices, "response_label", ident=label), "material"), "mattext", text, texttype="text/plain")
    proc = _sub(item, "resprocessing")
    _sub(_sub(proc, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    general = _general_feedback(proc, q)
    share = f"{100 / len(names):.2f}"
    for name, group in zip(names, idents):
        for label in group:
            cond = _sub(proc, "respcondition")
            _sub(_sub(cond, "conditionvar"), "varequal", label, respident=f"response_{name}")
            _sub(cond, "setvar", share, varname="SCORE", action="Add")
    _incorrect(proc)
    if general:
        _feedback(item, "general_fb", q.explanation or q.working)
    _feedback(item, "general_incorrect_fb", _mistakes_line(q))


def _identifier(paper: Paper) -> str:
    return "cnnquiz_" + re.sub(r"[^A-Za-z0-9_-]", "_", paper_label(paper))


def _assessment(paper: Paper, ident: str) -> str:
    root = ET.Element("questestinterop", {"xmlns": QTI_NAMESPACE, "xmlns:xsi": _XSI, "xsi:schemaLocation": _QTI_SCHEMA})
    assessment = _sub(root, "assessment", ident=f"{ident}_assessment", title=f"cnnquiz {paper_label(paper)}")
    field = _sub(_sub(assessment, "qtimetadata"), "qtimetadatafield")
    _sub(field, "fieldlabel", "cc_maxattempts")
    _sub(field, "fieldentry", "1")
    section = _sub(assessment, "section", ident="root_section")
    for number, q in enumerate(paper.questions, 1):
        item = _sub(section, "item", ident=f"{ident}_{q.id}", title=f"{q.id} {q.template}")
        first = 1000 * number + 1
        if q.kind in (AnswerKind.INTEGER, AnswerKind.NUMBER):
            _numerical(item, q, first)
        elif q.kind is AnswerKind.CHOICE:
            _choice(item, q, first)
        else:
            _blanks(item, q, first)
    return _xml(root)


def _xml(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _meta(paper: Paper, ident: str) -> str:
    root = ET.Element("quiz", {"identifier": f"{ident}_assessment", "xmlns": _CANVAS_NS, "xmlns:xsi": _XSI,
                               "xsi:schemaLocation": f"{_CANVAS_NS} https://canvas.instructure.com/xsd/cccv1p0.xsd"})
    points = f"{float(len(paper.questions)):.1f}"
    for tag, text in (("title", f"cnnquiz {paper_label(paper)}"),
                      ("description", f"Seed {paper.seed}; generated by cnnquiz."),
                      ("shuffle_answers", "false"), ("scoring_policy", "keep_highest"), ("quiz_type", "assignment"),
                      ("points_possible", points), ("show_correct_answers", "true"), ("allowed_attempts", "1"),
                      ("one_question_at_a_time", "false"), ("cant_go_back", "false"), ("available", "false")):
        _sub(root, tag, text)
    assignment = _sub(root, "assignment", identifier=f"{ident}_assignment")
    for tag, text in (("title", f"cnnquiz {paper_label(paper)}"), ("workflow_state", "unpublished"),
                      ("quiz_identifierref", f"{ident}_assessment"), ("points_possible", points),
                      ("grading_type", "points"), ("submission_types", "online_quiz")):
        _sub(assignment, tag, text)
    _sub(root, "assignment_group_identifierref", f"{ident}_assignment_group")
    return _xml(root)


def _manifest(ident: str) -> str:
    root = ET.Element("manifest", {"identifier": f"{ident}_manifest", "xmlns": _CP_NS})
    metadata = _sub(root, "metadata")
    _sub(metadata, "schema", "IMS Content")
    _sub(metadata, "schemaversion", "1.1.3")
    _sub(root, "organizations")
    resources = _sub(root, "resources")
    quiz = _sub(resources, "resource", identifier=f"{ident}_assessment", type="imsqti_xmlv1p2")
    _sub(quiz, "file", href=f"{ident}_assessment/{ident}_assessment.xml")
    _sub(quiz, "dependency", identifierref=f"{ident}_dependency")
    meta = _sub(resources, "resource", identifier=f"{ident}_dependency",
                type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
                href=f"{ident}_assessment/assessment_meta.xml")
    _sub(meta, "file", href=f"{ident}_assessment/assessment_meta.xml")
    return _xml(root)


def qti_files(paper: Paper) -> dict[str, str]:
    """The zip's files by path: ``imsmanifest.xml``, the assessment and its meta.

    Raises
    ------
    ExportError
        When a question's text holds a control character (XML cannot carry it).
    """
    refuse_control_characters(paper, "qti")
    ident = _identifier(paper)
    return {
        "imsmanifest.xml": _manifest(ident),
        f"{ident}_assessment/{ident}_assessment.xml": _assessment(paper, ident),
        f"{ident}_assessment/assessment_meta.xml": _meta(paper, ident),
    }


def to_qti_zip(paper: Paper) -> bytes:
    """The Canvas QTI zip (deterministic bytes: fixed timestamps, sorted entries)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, text in sorted(qti_files(paper).items()):
            info = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()
