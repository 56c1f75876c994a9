"""Every family template exports in every format (only the existing answer kinds are used)."""

import json

import pytest
from lxml import etree

from cnnquiz.bank.export import FORMATS, export_key, export_paper
from cnnquiz.bank.generate import generate_question
from cnnquiz.bank.load import load_file
from cnnquiz.bank.question import Paper

from tests.families.test_templates import FAMILY_FILES, _path

_TOPICS = sorted({t.topic for name in FAMILY_FILES for t in load_file(_path(name))})


@pytest.fixture(scope="module")
def paper():
    templates = [t for name in FAMILY_FILES for t in load_file(_path(name))]
    questions = [generate_question(t, 2026 + i, f"q{i}") for i, t in enumerate(templates, start=1)]
    return Paper(seed=2026, student=None, count=len(questions), topics=_TOPICS, questions=questions)


def test_the_paper_covers_every_family_template(paper):
    wanted = {t.id for name in FAMILY_FILES for t in load_file(_path(name))}
    assert {q.template for q in paper.questions} == wanted


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_exports_in_every_format(paper, fmt):
    out = export_paper(paper, fmt)
    assert out
    key = export_key(paper, fmt)
    for q in paper.questions:
        assert q.id in key
    if fmt == "json":
        data = json.loads(out)
        assert [q["template"] for q in data["questions"]] == [q.template for q in paper.questions]
    if fmt == "moodle-xml":
        root = etree.fromstring(out.encode())
        assert len(root.findall("question")) >= len(paper.questions)
