"""Hidden tests from a course secret: different per student, public tests the same for all."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import yaml
from buggy import CORRECT, REPO
from grading_helpers import invoke, read_json

from cnnquiz.errors import BankError, GradingError
from cnnquiz.grading.assignment import load_assignment, parse_assignment
from cnnquiz.grading.batch import Grader
from cnnquiz.grading.cases import build_cases
from cnnquiz.grading.secret import SECRET_ENV, load_secret

SHIPPED = REPO / "question_bank" / "assignments" / "cnn.yaml"


def _inputs(cases, public: bool) -> list:
    return [(c.name, [np.asarray(a).tolist() if isinstance(a, np.ndarray) else a for a in c.args], c.kwargs)
            for c in cases if c.public is public]


def _same(a, b) -> bool:
    return repr(a) == repr(b)


def test_hidden_tests_differ_per_student_and_per_secret(cnn):
    ann = build_cases(cnn, secret="s3cret", student="ann")
    ben = build_cases(cnn, secret="s3cret", student="ben")
    other = build_cases(cnn, secret="another", student="ann")
    unseeded = build_cases(cnn)
    assert _same(_inputs(ann, True), _inputs(ben, True)) and _same(_inputs(ann, True), _inputs(unseeded, True))
    for pair in ((ann, ben), (ann, other), (ann, unseeded)):
        hidden = list(zip(_inputs(pair[0], False), _inputs(pair[1], False)))
        differing = sum(not _same(x, y) for x, y in hidden)
        assert differing >= len(hidden) - 3  # a few tiny draws (a choice of 5 values) may coincide
    assert _same(_inputs(ann, False), _inputs(build_cases(cnn, secret="s3cret", student="ann"), False))  # reproducible


def test_expected_values_follow_the_drawn_inputs(cnn):
    from cnnquiz import mistakes

    for case in build_cases(cnn, secret="s3cret", student="ann"):
        if not case.public:
            expected = np.asarray(mistakes.compute(case.computation, case.params), dtype=float)
            assert np.allclose(np.asarray(case.expected, dtype=float), expected, equal_nan=True), case.name


def _answer_table_submission(cases) -> str:
    """The issue's cheat: conv2d_output_size answers from a table of (inputs -> expected)."""
    table = {}
    for case in cases:
        if case.function == "conv2d_output_size":
            p = case.params
            table[(p["size"], p["kernel_size"], p.get("stride", 1), p.get("padding", 0))] = case.expected
    return CORRECT.read_text().replace("def conv2d_output_size(", "def _unused(") + (
        f"\n\nTABLE = {table!r}\n\n\ndef conv2d_output_size(size, kernel_size, stride=1, padding=0):\n"
        "    return TABLE.get((size, kernel_size, stride, padding), -1)\n"
    )


def _size_scores(result) -> tuple[float, float]:
    tests = [t for t in result.tests if t.function == "conv2d_output_size"]
    return sum(t.score for t in tests), sum(t.max_score for t in tests)


def test_a_table_of_precomputed_answers_works_for_no_one_else(tmp_path, cnn, monkeypatch):
    def grade(source: str, student: str):
        folder = tmp_path / student
        folder.mkdir(exist_ok=True)
        (folder / "cnn.py").write_text(source)
        return Grader(cnn, limits={"call_timeout_s": 1.0}).grade(folder, student)

    monkeypatch.delenv(SECRET_ENV, raising=False)
    offline = _answer_table_submission(build_cases(cnn))  # from the shipped seed
    score, full = _size_scores(grade(offline, "ann"))
    assert score == full  # what "predictable" means: full marks with no code

    monkeypatch.setenv(SECRET_ENV, "s3cret")
    public = sum(c.points for c in build_cases(cnn, public_only=True) if c.function == "conv2d_output_size")
    assert _size_scores(grade(offline, "ann")) == (public, full)  # only the public answers stay right
    leaked = _answer_table_submission(build_cases(cnn, secret="s3cret", student="ann"))
    assert _size_scores(grade(leaked, "ann")) == (full, full)
    assert _size_scores(grade(leaked, "ben")) == (public, full)  # ann's table is worthless for ben


def test_without_a_secret_the_summary_says_hidden_tests_are_predictable(tmp_path, monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    (tmp_path / "subs" / "ann").mkdir(parents=True)
    shutil.copy(CORRECT, tmp_path / "subs" / "ann" / "cnn.py")
    result = invoke("grade", tmp_path / "subs", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "predictable" in " ".join(result.stdout.split())  # the instructor's summary
    # Students read results.json: telling them their hidden tests are predictable invites it.
    output = read_json(tmp_path / "out" / "ann" / "results.json")["output"]
    assert "predictable" not in output and "assignment's own seed" not in output
    assert "tests (" in output and " hidden)" in output, output


def test_with_a_secret_the_summary_says_so_and_scores_stay_full(tmp_path, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, "course-2026")
    (tmp_path / "subs" / "ann").mkdir(parents=True)
    shutil.copy(CORRECT, tmp_path / "subs" / "ann" / "cnn.py")
    result = invoke("grade", tmp_path / "subs", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "drawn for each student from the course secret" in " ".join(result.stdout.split())
    assert "course-2026" not in result.stdout
    entry = read_json(tmp_path / "out" / "report.json")[0]
    assert entry["score"] == entry["max_score"] > 0
    assert "course-2026" not in (tmp_path / "out" / "ann" / "results.json").read_text()


def test_resume_regrades_when_the_secret_changes(cnn, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, "one")
    first = Grader(cnn).digest
    assert Grader(cnn).digest == first
    monkeypatch.setenv(SECRET_ENV, "two")
    second = Grader(cnn).digest
    monkeypatch.delenv(SECRET_ENV)
    assert len({first, second, Grader(cnn).digest}) == 3


def test_the_secret_reaches_results_only_through_a_slow_key_derivation(cnn, monkeypatch):
    """results.json carries assignment_sha256: guessing a weak secret from it must cost an scrypt per guess."""
    import hashlib

    from cnnquiz.grading.secret import CourseSecret

    expected = hashlib.scrypt(b"one", salt=b"cnnquiz-resume", n=2**14, r=8, p=1, dklen=32).hex()
    assert CourseSecret("one", SECRET_ENV).fingerprint == expected
    assert CourseSecret("two", SECRET_ENV).fingerprint != expected
    monkeypatch.setenv(SECRET_ENV, "one")
    digest = Grader(cnn).digest
    fast = hashlib.sha256(b"cnnquiz course secret\0one").hexdigest()  # what a fast fingerprint would be
    assert digest == hashlib.sha256(f"{cnn.digest()} public_only=False secret={expected}".encode()).hexdigest()
    assert digest != hashlib.sha256(f"{cnn.digest()} public_only=False secret={fast}".encode()).hexdigest()


def test_the_secret_file_is_relative_to_the_assignment(tmp_path, monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    data = yaml.safe_load(SHIPPED.read_text())
    data["secret_file"] = "private/secret.txt"
    path = tmp_path / "course" / "cnn.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(data))
    assignment = load_assignment(path)
    with pytest.raises(GradingError, match=r"secret_file 'private/secret.txt': cannot read .*or set CNNQUIZ_SECRET"):
        load_secret(assignment)
    (tmp_path / "course" / "private").mkdir()
    (tmp_path / "course" / "private" / "secret.txt").write_text("  \n")
    with pytest.raises(GradingError, match="secret file is empty"):
        load_secret(assignment)
    (tmp_path / "course" / "private" / "secret.txt").write_text("from-file\n")
    secret = load_secret(assignment)
    assert secret.value == "from-file" and "from-file" not in repr(secret)
    monkeypatch.setenv(SECRET_ENV, "from-env")
    assert load_secret(assignment).value == "from-env"  # the environment wins
    assert Grader(assignment, public_only=True).secret is None  # check never reads it


def test_check_states_public_only_and_counts_the_hidden_tests(cnn):
    hidden = sum(g.count for f in cnn.functions for g in f.tests if not g.public)
    public = len(build_cases(cnn, public_only=True))
    result = invoke("check", CORRECT.parent)
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert f"runs the {public} public tests only; {hidden} hidden tests run only when your course grades" in text


def test_an_empty_secret_file_name_is_refused():
    with pytest.raises(BankError, match="secret_file"):
        parse_assignment({"name": "x", "secret_file": "", "functions": []})


def test_a_secret_that_is_not_utf8_still_draws(tmp_path, monkeypatch, cnn):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    (tmp_path / "secret.txt").write_bytes(b"\xff\xfe course \xe9")
    assignment = parse_assignment({**cnn.model_dump(exclude_none=True), "secret_file": "secret.txt"},
                                  source=str(tmp_path / "cnn.yaml"))
    secret = load_secret(assignment)
    assert secret.value == "\\xff\\xfe course \\xe9"
    assert build_cases(assignment, secret=secret.value, student="ann") and Grader(assignment).secret == secret


def test_every_students_hidden_draw_is_valid(cnn):
    # A draw the reference rejects would be one student's grader error: none may exist.
    hidden = [c for c in build_cases(cnn) if not c.public]
    for index in range(100):
        cases = build_cases(cnn, secret="course-secret", student=f"student{index:03d}")
        assert [c.name for c in cases if not c.public] == [c.name for c in hidden]
