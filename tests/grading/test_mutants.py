"""Mutation test: the shipped tests catch every one-change bug of the catalogue.

Each mutant of ``tests/grading/mutants.py`` is the correct example with one edit in one
function. Graded with ``cnnquiz grade`` (all mutants in one batch, ``-j 2``), each must
lose points in its own function only, and lose some of them to PUBLIC tests, which are
exactly the tests ``cnnquiz check`` runs (checked below); ``cnnquiz check`` itself runs
on one mutant of each function and must exit 1 with failures in that function only. So
the public tests alone kill every mutant: no student sees "all passed" in CI and then a
lower grade.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

import pytest
from buggy import CORRECT
from grading_helpers import invoke, read_json
from mutants import MUTANTS, mutant_source, write_mutants

from cnnquiz.grading.batch import Grader
from cnnquiz.grading.cases import build_cases


@pytest.fixture(scope="module")
def mutants(tmp_path_factory):
    root = tmp_path_factory.mktemp("mutants") / "subs"
    return root, write_mutants(root)


@pytest.fixture(scope="module")
def graded(mutants, tmp_path_factory):
    root, _ = mutants
    out = tmp_path_factory.mktemp("mutants_out") / "out"
    result = invoke("grade", root, "--out", out, "-j", "2")
    assert result.exit_code == 0, result.output
    return {entry["student"]: entry for entry in read_json(out / "report.json")}


def _lost_by_function(tests: list[dict]) -> dict[str, float]:
    lost: dict[str, float] = defaultdict(float)
    for test in tests:
        lost[test["function"]] += test["max_score"] - test["score"]
    return {function: points for function, points in lost.items() if points > 0}


def test_every_mutant_is_one_edit_of_the_correct_code():
    correct = CORRECT.read_text(encoding="utf-8").splitlines()
    for name in MUTANTS:
        changed = [a for a, b in zip(correct, mutant_source(name).splitlines()) if a != b]
        assert len(changed) == 1, name


def test_grade_takes_points_from_each_mutant_in_its_own_function_only(mutants, graded):
    _, functions = mutants
    assert sorted(graded) == sorted(functions)
    for name, function in functions.items():
        entry = graded[name]
        assert entry["status"] == "graded", name
        assert set(_lost_by_function(entry["tests"])) == {function}, name


def test_public_tests_alone_kill_every_mutant_in_grade(mutants, graded, cnn):
    _, functions = mutants
    public = {case.name for case in build_cases(cnn, public_only=True)}
    for name, function in functions.items():
        lost = [t for t in graded[name]["tests"] if t["name"] in public and t["status"] != "passed"]
        assert lost and {t["function"] for t in lost} == {function}, name


def test_check_runs_exactly_the_public_tests_grade_ran(cnn):
    # So the public part of the grade batch above is what check gives every mutant.
    graded_public = [(c.name, repr(c.args), repr(c.kwargs)) for c in build_cases(cnn) if c.public]
    checked = [(c.name, repr(c.args), repr(c.kwargs)) for c in Grader(cnn, public_only=True).cases]
    assert checked == graded_public and checked


@pytest.mark.parametrize("function", sorted({function for function, _, _ in MUTANTS.values()}))
def test_check_exits_1_for_a_mutant_of_each_function(mutants, function, tmp_path):
    root, functions = mutants
    name = next(name for name, of in functions.items() if of == function)
    junit = tmp_path / "junit.xml"
    result = invoke("check", root / name, "--junit-xml", junit)
    assert result.exit_code == 1 and "FAIL" in result.stdout, name
    not_passed = {case.get("classname").rsplit(".", 1)[1]
                  for case in ET.parse(junit).getroot().iter("testcase") if len(case)}  # a failure/error child
    assert not_passed == {function}, name
