"""Item statistics on small classes computed by hand (see report_helpers for the tables)."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from cnnquiz.report import ReportError, Source, class_report, load_class
from cnnquiz.report.load import mistakes_in_output
from cnnquiz.report.stats import pearson

from .report_helpers import answers_class, code_class


def test_code_class_matches_the_hand_computation(tmp_path: Path) -> None:
    report = class_report(load_class(code_class(tmp_path / "out")))
    items = {item.id: item for item in report.items}
    # Facility = mean share of the item's marks:
    #   A: (1 + 1 + 1 + 0) / 4 = 0.75;  B: (2/2 + 2/2 + 0 + 0) / 4 = 0.5;  C: (1 + 0 + 0 + 1) / 4 = 0.5
    assert [i.id for i in report.items] == ["A: size", "B: size padded", "C: conv"]
    assert items["A: size"].facility == pytest.approx(0.75)
    assert items["B: size padded"].facility == pytest.approx(0.5)
    assert items["C: conv"].facility == pytest.approx(0.5)
    # Discrimination = r(item share, rest share); rest = (total - item) / (4 - item max).
    #   A: x = 1 1 1 0, rest = 3/3 2/3 0/3 1/3: sxy = 1/6, sxx = 3/4, syy = 5/9 -> r = sqrt(1/15) = 0.2582 (low)
    #   B: x = 1 1 0 0, rest = 2/2 1/2 1/2 1/2: sxy = 1/4, sxx = 1, syy = 3/16 -> r = 1/sqrt(3) = 0.5774
    #   C: x = 1 0 0 1, rest = 3/3 3/3 1/3 0/3: sxy = -1/6, sxx = 1, syy = 3/4 -> r = -1/(3 sqrt 3) = -0.1925
    assert items["A: size"].discrimination == pytest.approx(math.sqrt(1 / 15))
    assert items["B: size padded"].discrimination == pytest.approx(1 / math.sqrt(3))
    assert items["C: conv"].discrimination == pytest.approx(-1 / (3 * math.sqrt(3)))
    assert items["A: size"].flags == ("low discrimination (< 0.3)",)
    assert items["B: size padded"].flags == ()
    assert items["C: conv"].flags == ("negative discrimination (< 0)",)
    # Totals 4 3 1 1: mean 2.25, median 2, sample sd sqrt(6.75 / 3) = 1.5; eve (error) is counted, not averaged.
    d = report.distribution
    assert (report.students, report.graded, report.not_graded) == (5, 4, ("eve",))
    assert (d.mean, d.median, d.sd) == pytest.approx((2.25, 2, 1.5))
    # Mastery: f1 = (3 + 4) / (4 + 8) = 7/12; f2 = 2/4.
    assert [(g.group, g.items) for g in report.groups] == [("f1", 2), ("f2", 1)]
    assert [g.mastery for g in report.groups] == pytest.approx([7 / 12, 0.5])
    # Mistakes: forgot_plus_one in cat (B) and dan (A, B); kernel_flipped in bob and cat (C).
    assert [(m.mistake, m.students) for m in report.mistakes] == [
        ("forgot_plus_one", ("cat", "dan")), ("kernel_flipped", ("bob", "cat"))]
    assert report.mistakes[0].items == (("B: size padded", 2), ("A: size", 1))
    assert report.mistakes[1].items == (("C: conv", 2),)


def test_answer_sheets_pool_the_variants_of_a_template(tmp_path: Path) -> None:
    report = class_report(load_class(answers_class(tmp_path / "out")))
    conv, pool = report.items
    assert (conv.id, conv.group, pool.id, pool.group) == ("conv-size", "output_size", "pool-size", "pooling")
    # conv-size: al 1.5/2, bo 0, cy 1 -> (0.75 + 0 + 1) / 3 = 7/12; pool-size: (0 + 1 + 0) / 3.
    assert conv.facility == pytest.approx(7 / 12)
    assert pool.facility == pytest.approx(1 / 3)
    # conv-size: x = .75 0 1, rest = 0/1 1/1 0/1: sxy = -7/12, sxx = 13/24, syy = 2/3 -> r = -7 / (2 sqrt 13).
    # pool-size: x = 0 1 0, rest = 1.5/2 0/1 1/1: the same sums -> the same r.
    assert conv.discrimination == pytest.approx(-7 / (2 * math.sqrt(13)))
    assert pool.discrimination == pytest.approx(-7 / (2 * math.sqrt(13)))
    # The per-template view: P1 was seen by al (1) and bo (0); P2 by al (0.5) and cy (1).
    assert [(v.prompt, v.students, v.facility) for v in conv.variants] == [("P1", 2, 0.5), ("P2", 2, 0.75)]
    assert [(v.prompt, v.students) for v in pool.variants] == [("P3", 2), ("P4", 1)]
    # Totals 1.5 1 1: mean 7/6, median 1, sample sd sqrt((1/9 + 1/36 + 1/36) / 2).
    d = report.distribution
    assert (d.mean, d.median, d.sd) == pytest.approx((7 / 6, 1, math.sqrt(1 / 12)))
    assert d.mean_share == pytest.approx(0.5)
    assert [(m.mistake, len(m.students)) for m in report.mistakes] == [("pool_stride_one", 2), ("forgot_plus_one", 1)]


def test_contract_json_has_exactly_the_contract_keys(tmp_path: Path) -> None:
    out = class_report(load_class(code_class(tmp_path / "out"))).contract_json()
    assert set(out) == {"students", "mean", "items", "mistakes"}
    assert all(set(item) == {"id", "facility", "discrimination"} for item in out["items"])
    assert out["mistakes"] == [{"mistake": "forgot_plus_one", "students": 2}, {"mistake": "kernel_flipped", "students": 2}]
    assert out["items"][0] == {"id": "A: size", "facility": 0.75, "discrimination": 0.2582}


def test_discrimination_is_undefined_when_everybody_scores_the_same(tmp_path: Path) -> None:
    folder = code_class(tmp_path / "out")
    data = json.loads((folder / "report.json").read_text())
    data[3]["tests"][0]["score"] = 1  # dan now passes A too: everybody has A right
    (folder / "report.json").write_text(json.dumps(data))
    report = class_report(load_class(folder))
    assert report.items[0].discrimination is None
    assert report.items[0].facility == 1.0
    assert report.items[0].flags == ("very easy (facility > 0.9)",)


def _counts(folder: Path) -> list[dict]:
    return class_report(load_class(folder)).contract_json()["mistakes"]


def test_mistakes_come_from_the_structured_field_one_count_per_catalogue_key(tmp_path: Path) -> None:
    folder = code_class(tmp_path / "out")
    data = json.loads((folder / "report.json").read_text())
    # ann: two indistinguishable mistakes on C; bob: the field wins over the prose, an unknown key is dropped.
    data[0]["tests"][2].update(score=0, mistakes=["forgot_plus_one", "padding_once"])
    data[1]["tests"][2]["mistakes"] = ["padding_once", "not_a_catalogue_key"]
    data[2]["tests"][1]["mistakes"] = []  # cat's B: the field named nothing, whatever the output says
    (folder / "report.json").write_text(json.dumps(data))
    assert _counts(folder) == [{"mistake": "forgot_plus_one", "students": 2}, {"mistake": "padding_once", "students": 2},
                               {"mistake": "kernel_flipped", "students": 1}]


def test_a_compound_mistake_counts_once_for_each_key_in_old_reports_and_answer_sheets(tmp_path: Path) -> None:
    old = code_class(tmp_path / "old")
    data = json.loads((old / "report.json").read_text())
    for entry in data:  # as written before tests carried "mistakes": the likely-mistake line is read
        for test in entry["tests"]:
            del test["mistakes"]
    data[0]["tests"][2].update(score=0, output="got: 9\nlikely mistake: you forgot the +1, or padding counts on both "
                                              "sides. The number of positions ...")
    (old / "report.json").write_text(json.dumps(data))
    keys = {m["mistake"] for m in _counts(old)}
    assert keys == {"forgot_plus_one", "kernel_flipped", "padding_once"}
    assert {m["mistake"]: m["students"] for m in _counts(old)}["forgot_plus_one"] == 3

    sheets = answers_class(tmp_path / "answers")
    al = json.loads((sheets / "al.json").read_text())
    al["questions"][1]["mistake"] = "pool_stride_one+not_a_catalogue_key"
    al["questions"][2]["mistake"] = "forgot_plus_one+padding_once"
    (sheets / "al.json").write_text(json.dumps(al))
    assert _counts(sheets) == [{"mistake": "forgot_plus_one", "students": 2}, {"mistake": "pool_stride_one", "students": 2},
                               {"mistake": "padding_once", "students": 1}]


@pytest.mark.parametrize(
    ("output", "keys"),
    [
        ("likely mistake: you forgot the +1. The number of positions ...", ("forgot_plus_one",)),
        ("x\nlikely mistake: you forgot the +1, or padding counts on both sides. ...", ("forgot_plus_one", "padding_once")),
        ("expected: 1\ngot: 2\nproblem: wrong value", ()),
    ],
)
def test_mistakes_are_read_from_the_test_output(output: str, keys: tuple[str, ...]) -> None:
    assert mistakes_in_output(output) == keys


@given(st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 5)), min_size=3, max_size=30))
def test_pearson_agrees_with_a_plain_loop(pairs: list[tuple[float, float]]) -> None:
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    cov = sum((x - mx) * (y - my) for x, y in pairs)
    vx, vy = sum((x - mx) ** 2 for x in xs), sum((y - my) ** 2 for y in ys)
    got = pearson(xs, ys)
    if vx < 1e-9 or vy < 1e-9:
        return  # near-constant: the plain formula is all rounding noise
    assert got == pytest.approx(cov / math.sqrt(vx * vy), abs=1e-6)


def test_pearson_of_a_shuffled_copy_is_at_most_one() -> None:
    xs = list(range(20))
    ys = xs[:]
    random.Random(3).shuffle(ys)
    assert pearson(xs, xs) == pytest.approx(1.0)
    assert pearson(xs, [-x for x in xs]) == pytest.approx(-1.0)
    assert -1 <= pearson(xs, ys) <= 1


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: None, "no such folder"),
        (lambda p: p.mkdir(), "neither report.json"),
        (lambda p: (p.mkdir(), (p / "report.json").write_text("[{")), r"report.json: line 1"),
        (lambda p: (p.mkdir(), (p / "report.json").write_text('{"a": 1}')), "expected a JSON list"),
        (lambda p: (p.mkdir(), (p / "report.json").write_text('[{"student": "a", "tests": [{"name": "t", "score": "x"}]}]')),
         r"tests\[1\]: expected a number"),
    ],
)
def test_unreadable_folders_are_one_line_errors(tmp_path: Path, setup, message: str) -> None:
    folder = tmp_path / "out"
    setup(folder)
    with pytest.raises(ReportError, match=message):
        load_class(folder)


def test_an_item_worth_no_marks_has_no_statistics_but_its_mistakes_count(tmp_path: Path) -> None:
    folder = code_class(tmp_path / "out")
    data = json.loads((folder / "report.json").read_text())
    for student in data[:4]:
        student["tests"].append({"name": "D: info", "function": "f3", "score": 0, "max_score": 0,
                                 "status": "failed", "output": "likely mistake: the stride was ignored. ..."})
    (folder / "report.json").write_text(json.dumps(data))
    report = class_report(load_class(folder))
    assert [i.id for i in report.items] == ["A: size", "B: size padded", "C: conv"]
    assert ("stride_ignored", 4) in [(m.mistake, len(m.students)) for m in report.mistakes]


_scores = st.lists(st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=3, max_size=3), min_size=3, max_size=12)


@given(_scores)
def test_facility_and_discrimination_agree_with_plain_loops(table: list[list[float]]) -> None:
    import numpy as np

    from cnnquiz.report.load import ClassData, ItemScore, StudentRecord

    students = tuple(
        StudentRecord(f"s{i}", "graded", sum(row), 3.0,
                      tuple(ItemScore(f"t{j}", "f", score, 1.0) for j, score in enumerate(row)))
        for i, row in enumerate(table))
    report = class_report(ClassData(Source.CODE, "x", students))
    scores = np.array(table)
    for j, item in enumerate(report.items):
        assert item.facility == pytest.approx(scores[:, j].mean())
        rest = (scores.sum(axis=1) - scores[:, j]) / 2
        if scores[:, j].std() < 1e-9 or rest.std() < 1e-9:
            assert item.discrimination is None
        else:
            assert item.discrimination == pytest.approx(np.corrcoef(scores[:, j], rest)[0, 1])
