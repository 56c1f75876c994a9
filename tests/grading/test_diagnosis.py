"""One buggy submission per known mistake: it loses exactly the tests the mistake changes,
at least one of them public, and the feedback names the mistake."""

from __future__ import annotations

import pytest
from buggy import BUGS, CATALOGUE_KEY, CORRECT, loses, write_variant
from grading_helpers import FAST

from cnnquiz.grading.batch import Grader, grade_batch
from cnnquiz.grading.results import StudentStatus, TestStatus
from cnnquiz.mistakes import CATALOGUE


@pytest.fixture(scope="module")
def graded(cnn, tmp_path_factory):
    root = tmp_path_factory.mktemp("variants")
    for key in BUGS:
        write_variant(root / "subs" / key, key)
    (root / "subs" / "correct").mkdir()
    (root / "subs" / "correct" / "cnn.py").write_text(CORRECT.read_text())
    grader = Grader(cnn, limits=FAST)
    summary = grade_batch(root / "subs", root / "out", grader, jobs=2)
    return grader, {result.student: result for result in summary.results}


def test_the_correct_submission_gets_full_marks(graded):
    _, results = graded
    correct = results["correct"]
    assert correct.status is StudentStatus.GRADED
    assert correct.failed == [] and correct.score == correct.max_score > 0


@pytest.mark.parametrize("key", sorted(BUGS))
def test_each_mistake_loses_exactly_its_tests_and_is_named(graded, key):
    grader, results = graded
    result = results[key]
    expected = {case.name for case in grader.cases if loses(key, case)}
    lost = {test.name for test in result.failed}
    assert lost == expected
    assert any(case.public for case in grader.cases if case.name in expected), "no public test catches it"
    name = CATALOGUE[CATALOGUE_KEY.get(key, key)].name
    named = [test for test in result.failed if name in test.output]
    assert named, f"no test names {name!r}"
    if key != "square_only":  # code that assumes square inputs may also crash on tall ones
        assert all(test.status is TestStatus.FAILED for test in result.failed)
        assert len(named) == len(result.failed)
    assert result.score == result.max_score - sum(t.max_score for t in result.failed)
