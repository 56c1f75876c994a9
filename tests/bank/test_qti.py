"""Canvas QTI 1.2 export: goldens of the three files, the zip, and the structure Canvas's
importer reads (question types, answers, feedback links, blanks, the quiz's tolerance)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from lxml import etree

from cnnquiz.bank.answer_check import check
from cnnquiz.bank.lms_common import tolerance_for
from cnnquiz.bank.qti import QTI_NAMESPACE, blank_texts, qti_files, to_qti_zip
from cnnquiz.bank.question import Paper, Question, Tolerance, WrongAnswer

from .test_export import _golden, small_paper

NS = {"q": QTI_NAMESPACE}
CANVAS_TYPES = {"integer": "numerical_question", "number": "numerical_question", "choice": "multiple_choice_question",
                "shape": "fill_in_multiple_blanks_question", "matrix": "fill_in_multiple_blanks_question"}


def _assessment(paper: Paper) -> etree._Element:
    files = qti_files(paper)
    name = next(path for path in files if path.endswith("_assessment.xml"))
    return etree.fromstring(files[name].encode("utf-8"))


def _field(item: etree._Element, label: str) -> str:
    return item.xpath(f"q:itemmetadata//q:qtimetadatafield[q:fieldlabel='{label}']/q:fieldentry/text()", namespaces=NS)[0]


@pytest.mark.parametrize("path", sorted(qti_files(small_paper())))
def test_golden_files(path: str) -> None:
    _golden("qti/" + path.replace("/", "__"), qti_files(small_paper())[path])


def test_zip_has_the_canvas_layout_and_is_deterministic() -> None:
    data = to_qti_zip(small_paper())
    assert data == to_qti_zip(small_paper())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == sorted(qti_files(small_paper()))
        assert "imsmanifest.xml" in names
        manifest = etree.fromstring(archive.read("imsmanifest.xml"))
        hrefs = manifest.xpath("//*[local-name()='file']/@href")
        assert sorted(hrefs) == sorted(n for n in names if n != "imsmanifest.xml")  # every file is in the manifest
        for name in names:
            etree.fromstring(archive.read(name))  # well-formed XML


def test_items_have_canvas_question_types_and_resolvable_feedback() -> None:
    paper = small_paper()
    items = _assessment(paper).xpath("//q:item", namespaces=NS)
    assert len(items) == len(paper.questions)
    for q, item in zip(paper.questions, items):
        assert _field(item, "question_type") == CANVAS_TYPES[q.kind.value]
        assert _field(item, "points_possible") == "1.0"
        feedback = set(item.xpath("q:itemfeedback/@ident", namespaces=NS))
        assert set(item.xpath(".//q:displayfeedback/@linkrefid", namespaces=NS)) <= feedback
        labels = item.xpath(".//q:response_label/@ident", namespaces=NS)
        if q.kind.value != "integer" and q.kind.value != "number":
            assert _field(item, "original_answer_ids").split(",") == labels
            assert all(re.fullmatch(r"\d+", label) for label in labels)  # Canvas takes the digits as the answer id


def test_numerical_margin_is_the_quiz_tolerance() -> None:
    paper = small_paper()
    for q, item in zip(paper.questions, _assessment(paper).xpath("//q:item", namespaces=NS)):
        if q.kind.value not in ("integer", "number"):
            continue
        exact = float(item.xpath(".//q:or/q:varequal/text()", namespaces=NS)[0])
        low = float(item.xpath(".//q:or/q:and/q:vargte/text()", namespaces=NS)[0])
        high = float(item.xpath(".//q:or/q:and/q:varlte/text()", namespaces=NS)[0])
        # Canvas: margin = upper - exact (NumericInteraction#get_canvas_answers).
        assert exact == pytest.approx(q.answer)
        assert high - exact == pytest.approx(tolerance_for(q, q.answer)) == pytest.approx(exact - low)


def test_choice_feedback_names_the_mistake() -> None:
    q = Question(id="q1", template="t", topic="x", difficulty=1, kind="choice", prompt="Which?", params={},
                 answer="right", choices=["flipped", "right"],
                 wrong_answers=[WrongAnswer(mistake="kernel_flipped", value="flipped")])
    item = _assessment(Paper(seed=1, count=1, questions=[q])).xpath("//q:item", namespaces=NS)[0]
    correct = item.xpath(".//q:respcondition[@continue='No']/q:conditionvar/q:varequal/text()", namespaces=NS)
    assert correct == ["1002"]
    text = item.xpath("q:itemfeedback[@ident='1001_fb']//q:mattext/text()", namespaces=NS)[0]
    assert "flipped kernel" in text


def _avg_pool() -> Question:
    return Question(id="q1", template="avg-pool", topic="pooling", difficulty=1, kind="matrix", prompt="Pool [this]?",
                    params={}, answer=[[5.5, 2.25]], tolerance=Tolerance(atol=0.001))


def test_blanks_accept_what_the_quiz_accepts() -> None:
    q = _avg_pool()
    # 5.499 and 5.501 are 0.001000000000000334 from 5.5 in floating point: the quiz says no, so does Canvas.
    assert blank_texts(q, 5.5) == ["5.5", "5.50", "5.500"]
    assert blank_texts(q, 2.25) == ["2.25", "2.249", "2.250", "2.251"]
    for a in blank_texts(q, 5.5):
        for b in blank_texts(q, 2.25):
            assert check(q, f"{a} {b}").correct
    item = _assessment(Paper(seed=1, count=1, questions=[q])).xpath("//q:item", namespaces=NS)[0]
    text = item.xpath("q:presentation/q:material/q:mattext/text()", namespaces=NS)[0]
    assert "[b1]" in text and "[b2]" in text and "[this]" not in text  # a prompt's own brackets make no blank
    assert "with at most 3 decimal places" in text
    assert item.xpath("q:presentation/q:response_lid/@ident", namespaces=NS) == ["response_b1", "response_b2"]
    scores = item.xpath(".//q:setvar[@action='Add']/text()", namespaces=NS)
    assert set(scores) == {"50.00"}


def test_whole_number_blanks() -> None:
    shape = next(q for q in small_paper().questions if q.kind.value == "shape")
    assert blank_texts(shape, 25.0) == ["25", "25.0"]


def test_generate_format_qti_cli(tmp_path) -> None:
    from typer.testing import CliRunner

    from cnnquiz.cli import app

    runner = CliRunner()
    env = {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
    target = tmp_path / "quiz.zip"
    done = runner.invoke(app, ["generate", "--seed", "10", "--count", "6", "--topic", "output_size", "--format", "qti",
                               "--out", str(target)], env=env)
    assert done.exit_code == 0, done.output
    with zipfile.ZipFile(target) as archive:
        assert "imsmanifest.xml" in archive.namelist()
    refused = runner.invoke(app, ["generate", "--seed", "10", "--format", "qti"], env=env)
    assert refused.exit_code == 2 and "--format qti writes a .zip file: give --out FILE" in refused.output


def _without_namespaces(text: str) -> etree._Element:
    root = etree.fromstring(text.encode("utf-8"))
    for el in root.iter():
        el.tag = etree.QName(el).localname
    for name in list(root.attrib):
        del root.attrib[name]
    etree.cleanup_namespaces(root)
    return root


@pytest.mark.skipif(not __import__("os").environ.get("CNNQUIZ_QTI_DTD"),
                    reason="set CNNQUIZ_QTI_DTD to IMS's ims_qtiasiv1p2p1.dtd (not redistributed here)")
def test_assessment_is_valid_qti_1_2_1() -> None:
    import os

    from cnnquiz.bank import generate_paper, load_bank

    dtd = etree.DTD(os.environ["CNNQUIZ_QTI_DTD"])
    bank = load_bank()
    for seed in range(5):
        files = qti_files(generate_paper(bank, seed=seed, count=15))
        text = next(t for p, t in files.items() if p.endswith("_assessment.xml"))
        root = _without_namespaces(text)  # the DTD predates XML namespaces
        assert dtd.validate(root), dtd.error_log.filter_from_errors()[:3]
    etree.SubElement(root.find(".//item"), "bogus")
    assert not dtd.validate(root)  # the check can fail
