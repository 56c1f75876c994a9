"""Exports: the contract's JSON, Markdown paper and key, Moodle XML and GIFT (goldens + checks)."""

from __future__ import annotations

import html
import json
import os
import re
import xml.etree.ElementTree as ET

import pytest

from cnnquiz.bank import generate_paper, load_bank
from cnnquiz.bank.export import (
    ExportFormat,
    export_key,
    export_paper,
    gift_escape,
    key_json,
    paper_json,
    prompt_html,
    to_gift,
    to_moodle_xml,
)
from cnnquiz.bank.question import AnswerKind, Paper, Question, Tolerance, WrongAnswer

from .bank_helpers import GOLDEN

BANK = load_bank()
SMALL_TOPICS = ("output_size", "output_volume", "conv_result", "activations", "concepts", "special_kernels")


def small_paper() -> Paper:
    """One question of each kind (integer, number, shape, matrix, choice x2)."""
    return generate_paper(BANK, seed=10, count=6, topics=SMALL_TOPICS)


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("CNNQUIZ_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden {path}; run with CNNQUIZ_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def test_golden_paper_json_all_topics() -> None:
    paper = generate_paper(BANK, seed=42, count=13)
    _golden("paper_seed42.json", export_paper(paper, "json"))


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("json", "small.json"), ("markdown", "small.md"), ("moodle-xml", "small.xml"), ("gift", "small.gift")],
)
def test_golden_exports(fmt: str, name: str) -> None:
    _golden(name, export_paper(small_paper(), fmt))


@pytest.mark.parametrize(("fmt", "name"), [("json", "small.key.json"), ("markdown", "small.key.md")])
def test_golden_keys(fmt: str, name: str) -> None:
    _golden(name, export_key(small_paper(), fmt))


def test_small_paper_has_every_kind() -> None:
    assert {q.kind for q in small_paper().questions} == set(AnswerKind)


def test_json_is_exactly_the_contract() -> None:
    paper = small_paper()
    data = json.loads(export_paper(paper, ExportFormat.JSON))
    assert data == paper_json(paper)
    assert list(data) == ["seed", "questions"] and data["seed"] == 10
    for q, original in zip(data["questions"], paper.questions):
        assert list(q) == ["id", "template", "topic", "kind", "prompt", "params", "answer"]
        assert q["answer"] == original.answer and q["kind"] in {k.value for k in AnswerKind}


def test_key_json_round_trips_to_the_paper() -> None:
    paper = small_paper()
    again = Paper.model_validate(json.loads(export_key(paper, "json")))
    assert again == paper
    assert key_json(paper)["questions"][0]["working"]


def test_markdown_shows_matrices_as_code_blocks_and_keys_show_mistakes() -> None:
    paper = small_paper()
    md, key = export_paper(paper, "markdown"), export_key(paper, "markdown")
    assert md.count("## Question ") == 6 and "**Answer" in md
    assert "\n\n    " in md  # an indented (code) block
    for q in paper.questions:
        assert q.prompt in md
        for w in q.wrong_answers:
            assert w.mistake and "`" in key
    assert "you forgot the +1" in key or "padding counts" in key


# --- Moodle XML --------------------------------------------------------------------------

def _moodle(paper: Paper) -> ET.Element:
    text = to_moodle_xml(paper)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    return ET.fromstring(text.split("\n", 1)[1])


def test_moodle_xml_question_types_and_answers() -> None:
    paper = small_paper()
    questions = _moodle(paper).findall("question")
    assert questions[0].get("type") == "category"
    by_type = {"integer": "numerical", "number": "numerical", "choice": "multichoice", "shape": "cloze", "matrix": "cloze"}
    for q, el in zip(paper.questions, questions[1:]):
        assert el.get("type") == by_type[q.kind.value]
        assert el.findtext("name/text") == f"{q.id} {q.template}"
        if el.get("type") == "numerical":
            answers = el.findall("answer")
            assert answers[0].get("fraction") == "100"
            assert float(answers[0].findtext("text")) == pytest.approx(q.answer, abs=1e-9)
            assert [a.get("fraction") for a in answers[1:]] == ["0"] * (len(answers) - 1)
            for a, w in zip(answers[1:], q.wrong_answers):
                assert float(a.findtext("text")) == pytest.approx(w.value)
        elif el.get("type") == "multichoice":
            right = [html.unescape(a.findtext("text")) for a in el.findall("answer") if a.get("fraction") == "100"]
            assert right == [q.answer]
        else:
            text = el.findtext("questiontext/text")
            assert text.count("{1:NUMERICAL:=") == len(str(q.answer).split(","))


def test_moodle_numerical_tolerance_and_mistake_feedback() -> None:
    q = Question(id="q1", template="t", topic="x", difficulty=1, kind="number", prompt="sigmoid(-1)?",
                 params={}, answer=0.268941421, tolerance=Tolerance(atol=0.001),
                 wrong_answers=[WrongAnswer(mistake="relu_before_sigmoid", value=0.5),
                                WrongAnswer(mistake="softmax_overflow", value="nan")])
    el = _moodle(Paper(seed=1, count=1, questions=[q])).findall("question")[1]
    answers = el.findall("answer")
    assert [a.findtext("tolerance") for a in answers] == ["0.001", "0.001"]  # the NaN mistake is left out
    assert "ReLU was applied before the sigmoid" in answers[1].findtext("feedback/text")


def test_lms_tolerance_is_the_one_the_quiz_applies() -> None:
    # No tolerance declared and a non-integer key: the quiz accepts 0.731 for sigmoid(1) (1 %),
    # so Moodle and GIFT must not demand the exact 0.731058578630.
    from cnnquiz.bank.answers import check, effective_tolerance

    q = Question(id="q1", template="t", topic="x", difficulty=1, kind="number", prompt="sigmoid(1)?",
                 params={}, answer=0.73105857863)
    assert check(q, "0.731").correct
    tol = effective_tolerance(q)
    expected = tol.atol + tol.rtol * 0.73105857863
    paper = Paper(seed=1, count=1, questions=[q])
    moodle = float(_moodle(paper).findall("question")[1].find("answer").findtext("tolerance"))
    gift = float(re.search(r"\{#=0\.73105857\d*:([0-9.e-]+)#", to_gift(paper))[1])
    assert moodle == pytest.approx(expected) and gift == pytest.approx(expected) and moodle > 0


def test_moodle_escapes_markup_in_prompts_and_options() -> None:
    tricky = 'a < b & "c" > d </text>]]>'
    q = Question(id="q1", template="t", topic="x", difficulty=1, kind="choice", prompt=tricky, params={},
                 answer="x < y", choices=["x < y", "x & y"], explanation="because <b>")
    el = _moodle(Paper(seed=1, count=1, questions=[q])).findall("question")[1]
    assert el.findtext("questiontext/text") == "<p>" + html.escape(tricky) + "</p>"
    options = [html.unescape(a.findtext("text")) for a in el.findall("answer")]
    assert options == ["x < y", "x & y"]


def test_cloze_escapes_feedback_and_gives_per_cell_mistakes() -> None:
    q = Question(id="q1", template="t", topic="x", difficulty=1, kind="matrix", prompt="p", params={},
                 answer=[[1, 2], [3, 4]], wrong_answers=[WrongAnswer(mistake="kernel_flipped", value=[[4, 2], [3, 1]])])
    text = _moodle(Paper(seed=1, count=1, questions=[q])).findall("question")[1].findtext("questiontext/text")
    blanks = re.findall(r"\{1:NUMERICAL:[^}]*\}", text)
    assert blanks[0] == "{1:NUMERICAL:=1:0~%0%4:0#that is a flipped kernel: PyTorch computes cross-correlation}"
    assert blanks[1] == "{1:NUMERICAL:=2:0}"


def test_prompt_html_turns_indented_blocks_into_pre() -> None:
    assert prompt_html("Image:\n\n    1  0\n    0  1\n\nWhat?") == "<p>Image:</p><pre>1  0\n0  1</pre><p>What?</p>"


# --- GIFT -----------------------------------------------------------------------------------

def test_gift_escape() -> None:
    assert gift_escape("a~b=c#d{e}f:g\\h\ni") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\ni"


def _unescaped_specials(text: str) -> list[str]:
    return re.findall(r"(?<!\\)[~=#{}]", re.sub(r"\\\\", "", text))


def test_gift_question_text_has_no_unescaped_specials() -> None:
    q = Question(id="q1", template="t", topic="x", difficulty=1, kind="integer",
                 prompt="kernel_size=3 {odd} #1 ~2: x?\n\n    1  2", params={}, answer=28,
                 wrong_answers=[WrongAnswer(mistake="forgot_plus_one", value=27)])
    line = to_gift(Paper(seed=1, count=1, questions=[q])).splitlines()[3]
    head, answer = line[: line.rindex("{")], line[line.rindex("{"):]
    assert head.startswith("::q1 t::[html]<p>kernel_size\\=3 \\{odd\\} \\#1 \\~2\\: x?</p><pre>1  2</pre>")
    assert _unescaped_specials(head.split("::", 2)[2]) == []
    assert answer.startswith("{#=28:0#Correct. =%0%27:0#you forgot the +1\\: ")


def test_gift_every_question_is_one_line_with_one_answer_block() -> None:
    text = to_gift(small_paper())
    lines = [line for line in text.splitlines() if line.startswith("::")]
    assert len(lines) == 6
    for line in lines:
        body = line.split("::", 2)[2]
        opening = [m.start() for m in re.finditer(r"(?<!\\)\{", re.sub(r"\\\\", "  ", body))]
        assert len(opening) == 1 and body.endswith("}")
