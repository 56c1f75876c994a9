"""Exports: the contract's JSON, Markdown paper and key, Moodle XML and GIFT (goldens + checks),
and the registry of formats. GIFT and cloze checks replay the parsing rules of Moodle's
importers (``question/format/gift/format.php``, ``question/type/multianswer/questiontype.php``)."""

from __future__ import annotations

import html
import json
import os
import re
import xml.etree.ElementTree as ET

import pytest

from cnnquiz.bank import generate_paper, load_bank
from cnnquiz.bank.answer_check import check
from cnnquiz.bank.export import (
    FILE_SUFFIX,
    FORMATS,
    ExportError,
    ExportFormat,
    export_key,
    export_paper,
    gift_escape,
    key_json,
    paper_json,
    prompt_html,
    to_gift,
    to_moodle_xml,
    write_paper,
)
from cnnquiz.bank.gift import gift_option, shape_spellings
from cnnquiz.bank.lms_common import tolerance_for
from cnnquiz.bank.question import AnswerKind, Paper, Question, Tolerance, WrongAnswer

from .bank_helpers import GOLDEN

BANK = load_bank()
SMALL_TOPICS = ("output_size", "output_volume", "conv_result", "activations", "concepts", "special_kernels")


# The format goldens are made from a frozen paper (the shipped bank's seed-10 paper when it
# was frozen), so that they test the formats, not the bank's wording of the day.
SMALL_PAPER = GOLDEN / "small_paper.input.json"


def small_paper() -> Paper:
    """One question of each kind (integer, number, shape, matrix, choice x2)."""
    return Paper.model_validate_json(SMALL_PAPER.read_text(encoding="utf-8"))


def _golden(name: str, text: str) -> None:
    """Compare with the golden file; CNNQUIZ_UPDATE_GOLDEN=1 rewrites it and skips (never compares)."""
    path = GOLDEN / name
    if os.environ.get("CNNQUIZ_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        pytest.skip(f"rewrote {path}")
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
    # The shipped bank still gives a paper of every kind from these topics.
    assert {q.kind for q in generate_paper(BANK, seed=10, count=6, topics=SMALL_TOPICS).questions} == set(AnswerKind)


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
    from cnnquiz.bank.answer_check import check, effective_tolerance

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


# --- GIFT as Moodle's importer reads it --------------------------------------------------------

# qformat_gift::readquestion: an answer starting like this gets that share of the credit.
_GIFT_WEIGHT = re.compile(r"^%\-*([0-9]{1,2})\.?([0-9]*)%")


def _moodle_gift_unescape(text: str) -> str:
    """qformat_gift::escapedchar_pre, then _post: what Moodle keeps of an escaped text."""
    text = text.replace("\\\\", "&&092;")
    for char in ":#={}~":
        text = text.replace("\\" + char, char)
    return text.replace("\\n", "\n").replace("&&092;", "\\")


def _choice(options: list[str], answer: str, **extra: object) -> Question:
    return Question(id="q1", template="t", topic="x", difficulty=1, kind="choice", prompt="Which?", params={},
                    answer=answer, choices=options, **extra)


def test_gift_option_starting_with_a_weight_gets_no_partial_credit() -> None:
    q = _choice(["%50% of the pixels", "[plain] all of them", "none"], "none")
    block = to_gift(Paper(seed=1, count=1, questions=[q])).splitlines()[3]
    answers = block[block.index("{") + 1:-1]
    wrong = [a.strip() for a in re.split(r"(?<!\\)~", answers) if a.strip() and not a.startswith("=")]
    assert len(wrong) == 2
    for option in wrong:
        assert not _GIFT_WEIGHT.match(option)  # Moodle would give %50% credit to a matching answer
        assert not option.startswith("[")  # nor read a format marker
    assert html.unescape(_moodle_gift_unescape(wrong[0])) == "%50% of the pixels"
    assert gift_option("[plain] x").startswith("&\\#91;")


def test_gift_shape_spellings_are_all_accepted_by_the_quiz() -> None:
    q = next(q for q in small_paper().questions if q.kind is AnswerKind.SHAPE)
    spellings = shape_spellings(q.answer)
    assert {"25x25x14", "25 x 25 x 14", "(25, 25, 14)", "[25,25,14]", "25 25 14"} <= set(spellings)
    for spelling in spellings:
        assert check(q, spelling).correct, spelling
    block = next(line for line in to_gift(small_paper()).splitlines() if line.startswith("::q3"))
    for spelling in spellings:
        assert "=" + spelling.replace(",", ",") in _moodle_gift_unescape(block)


def _decimal_matrix() -> Question:
    return Question(id="q4", template="avg-pool", topic="pooling", difficulty=1, kind="matrix", prompt="Average pool?",
                    params={}, answer=[[5.5, 2.25], [1.0, 3.75]], tolerance=Tolerance(atol=0.001),
                    wrong_answers=[WrongAnswer(mistake="max_instead_of_avg", value=[[8, 4], [2, 6]])])


def test_gift_refuses_a_matrix_of_decimals_and_points_to_moodle_xml() -> None:
    with pytest.raises(ExportError, match=r"--format gift: q4 \(template avg-pool\) is a matrix of decimals; GIFT has "
                                          r"no numerical blanks.*\(±0\.001\).*--format moodle-xml"):
        to_gift(Paper(seed=1, count=1, questions=[_decimal_matrix()]))


def test_cloze_keeps_the_quiz_tolerance_for_every_cell() -> None:
    q = _decimal_matrix()
    text = _moodle(Paper(seed=1, count=1, questions=[q])).findall("question")[1].findtext("questiontext/text")
    blanks = re.findall(r"\{1:NUMERICAL:=([-0-9.e]+):([0-9.e-]+)", text)
    assert [float(v) for v, _ in blanks] == [5.5, 2.25, 1.0, 3.75]
    assert [float(t) for _, t in blanks] == pytest.approx([tolerance_for(q, v) for v in (5.5, 2.25, 1.0, 3.75)])
    # 5.50 is accepted by Moodle (numerical) as by the quiz.
    assert abs(float("5.50") - 5.5) <= float(blanks[0][1]) and check(q, "5.50 2.25; 1 3.75").correct


# qtype_multianswer's ANSWER_START_REGEX: what Moodle turns into a blank in a cloze question text.
_CLOZE_START = re.compile(r"\{([0-9]*):(NUMERICAL|NM|MULTICHOICE(_[A-Z]+)?|MC[A-Z]*|SHORTANSWER(_C)?|SA|MW|SAC|MWC|"
                          r"MULTIRESPONSE(_[A-Z]+)?|MR[A-Z]*):")


def test_cloze_syntax_in_a_custom_prompt_adds_no_blank() -> None:
    q = Question(id="q1", template="custom", topic="x", difficulty=1, kind="shape",
                 prompt="Output of {1:SHORTANSWER:=x} and {2:NM:=3:0}?", params={}, answer=[2, 3])
    text = _moodle(Paper(seed=1, count=1, questions=[q])).findall("question")[1].findtext("questiontext/text")
    assert len(_CLOZE_START.findall(text)) == 2  # the two cells, not the prompt's two
    assert html.unescape(text).startswith("<p>Output of {1:SHORTANSWER:=x} and {2:NM:=3:0}?</p>")


@pytest.mark.parametrize("fmt", ["moodle-xml", "gift", "qti"])
def test_control_characters_are_refused_with_one_line(fmt: str) -> None:
    q = Question(id="q2", template="custom", topic="x", difficulty=1, kind="integer", prompt="page\x0cbreak?",
                 params={}, answer=3)
    with pytest.raises(ExportError, match=rf"--format {fmt}: q2 \(template custom\) prompt: control character "
                                          r"U\+000C at position 4; XML cannot carry it"):
        export_paper(Paper(seed=1, count=1, questions=[q]), fmt)


# --- the registry --------------------------------------------------------------------------

def test_every_format_is_registered_once_with_a_suffix_and_writers() -> None:
    assert [f.value for f in ExportFormat] == list(FORMATS) == ["json", "markdown", "moodle-xml", "gift", "qti"]
    assert FILE_SUFFIX[ExportFormat.QTI] == ".zip" and FORMATS["qti"].binary
    paper = small_paper()
    for name, fmt in FORMATS.items():
        out = export_paper(paper, name)
        assert isinstance(out, bytes if fmt.binary else str)
        assert export_key(paper, name).strip()


def test_write_paper_writes_text_and_binary_atomically(tmp_path) -> None:
    paper = small_paper()
    write_paper(tmp_path / "p.zip", paper, "qti")
    write_paper(tmp_path / "p.gift", paper, ExportFormat.GIFT)
    assert (tmp_path / "p.zip").read_bytes() == export_paper(paper, "qti")
    assert (tmp_path / "p.gift").read_text(encoding="utf-8") == to_gift(paper)
    with pytest.raises(ExportError, match="unknown format; choose one of json, markdown"):
        export_paper(paper, "docx")


def test_bank_validate_names_a_control_character_in_a_prompt() -> None:
    import yaml

    from cnnquiz.bank._checks import semantic_problems
    from cnnquiz.bank.schema import Template

    from .bank_helpers import GOOD_TEMPLATE

    data = yaml.safe_load(GOOD_TEMPLATE)["templates"][0]
    data["prompt"] = "A {size}x{size} image\f, a {k}x{k} kernel, padding {p}?"
    assert semantic_problems(Template.model_validate(data)) == [
        ("prompt", "control character U+000C at position 21: Moodle XML and QTI cannot carry it")]


def test_every_lms_format_gives_the_banks_why_for_a_wrong_option() -> None:
    q = _choice(["pooling", "a bias"], "a bias", option_feedback={"pooling": "pooling has no weights"})
    paper = Paper(seed=1, count=1, questions=[q])
    moodle = _moodle(paper).findall("question")[1]
    assert [a.findtext("feedback/text") for a in moodle.findall("answer")][0] == "<p>pooling has no weights</p>"
    assert "~pooling#pooling has no weights" in to_gift(paper)
    from cnnquiz.bank.qti import qti_files

    assert "pooling has no weights" in next(t for p, t in qti_files(paper).items() if p.endswith("_assessment.xml"))
