"""``cnnquiz generate``, ``cnnquiz topics`` and ``cnnquiz bank validate`` through the CLI."""

from __future__ import annotations

import re

import json
from pathlib import Path

from typer.testing import CliRunner

from cnnquiz.bank import generate_paper, load_bank, student_seed
from cnnquiz.bank.export import to_json
from cnnquiz.bank.question import Paper
from cnnquiz.cli import app

from .bank_helpers import GOOD_TEMPLATE, write_bank

runner = CliRunner()


def _run(*args: str):  # noqa: ANN202 - click's Result
    return runner.invoke(app, [str(a) for a in args])


def test_generate_json_to_stdout_matches_the_library() -> None:
    result = _run("generate", "--seed", "42", "--count", "5", "--topic", "conv_params", "--topic", "output_size")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["seed"] == 42 and len(data["questions"]) == 5
    assert {q["topic"] for q in data["questions"]} == {"conv_params", "output_size"}
    paper = generate_paper(load_bank(), seed=42, count=5, topics=("conv_params", "output_size"))
    assert result.stdout == to_json(paper)


def test_generate_student_seed_and_files(tmp_path: Path) -> None:
    out, key = tmp_path / "paper.md", tmp_path / "key.md"
    result = _run("generate", "--student", "s123", "--count", "3", "--format", "markdown", "--out", out, "--key", key)
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("# CNN quiz\n\nStudent: s123 · Seed: " + str(student_seed("s123")))
    assert key.read_text().startswith("# CNN quiz: answer key")
    json_key = tmp_path / "key.json"
    assert _run("generate", "--seed", "3", "--count", "2", "--out", tmp_path / "p.json", "--key", json_key).exit_code == 0
    assert Paper.model_validate_json(json_key.read_text()).seed == 3


def test_generate_lms_formats(tmp_path: Path) -> None:
    for fmt, start in (("moodle-xml", "<?xml"), ("gift", "// cnnquiz paper")):
        result = _run("generate", "--seed", "1", "--count", "3", "--format", fmt)
        assert result.exit_code == 0 and result.stdout.startswith(start)


def test_generate_a_class_from_a_roster(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,name\nalice,Alice A\nbob/2,Bob B\n\n", encoding="utf-8")
    out = tmp_path / "papers"
    result = _run("generate", "--roster", roster, "--count", "2", "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "alice.json", "alice.key.json", "bob_2.json", "bob_2.key.json", "papers.csv"]
    assert json.loads((out / "alice.json").read_text())["seed"] == student_seed("alice")
    assert Paper.model_validate_json((out / "bob_2.key.json").read_text()).student == "bob/2"
    assert (out / "papers.csv").read_text().splitlines()[1] == f"alice,{student_seed('alice')},alice.json,alice.key.json"


def test_roster_problems_are_one_line_errors(tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("name\nalice\n", encoding="utf-8")
    result = _run("generate", "--roster", roster, "--out", tmp_path / "o")
    assert result.exit_code == 2 and "needs a 'student' (or 'id') column" in result.stderr
    result = _run("generate", "--roster", roster)
    assert result.exit_code == 2 and "--roster needs --out DIR" in result.stderr
    roster.write_bytes(b"student\n\xffalice\n")  # Latin-1 from a spreadsheet
    result = _run("generate", "--roster", roster, "--out", tmp_path / "o")
    assert result.exit_code == 2 and "cannot read roster: not UTF-8 text" in result.stderr
    assert "Traceback" not in result.output


def test_key_and_paper_must_be_different_files(tmp_path: Path) -> None:
    paper = tmp_path / "paper.md"
    result = _run("generate", "--seed", "1", "--format", "markdown", "--out", paper, "--key", tmp_path / "." / "paper.md")
    assert result.exit_code == 2 and "the answer key would replace the paper" in result.stderr
    assert not paper.exists()


def test_generate_option_errors_are_one_line() -> None:
    for args, message in [
        (("--seed", "1", "--student", "x"), "give only one of --seed, --student, --roster"),
        (("--topic", "nope"), "unknown topic 'nope'"),
        (("--count", "0"), "count must be >= 1"),
        (("--difficulty", "5"), "difficulty must be 1, 2 or 3"),
        (("--seed", "-1"), "--seed must be >= 0; got -1"),
    ]:
        result = _run("generate", *args)
        assert result.exit_code == 2, args
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.output


def test_broken_bank_through_the_cli(tmp_path: Path) -> None:
    bank = write_bank(tmp_path / "bank", {"conv.yaml": GOOD_TEMPLATE.replace("padding_once]", "padding_twice]")})
    result = _run("generate", "--bank", bank, "--no-shipped")
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "\n" not in line
    assert line.endswith("conv.yaml: template 'conv-output-size-basic': mistakes.1: unknown mistake 'padding_twice' "
                         "(known: " + line.split("(known: ")[1])


def test_impossible_constraint_through_the_cli(tmp_path: Path) -> None:
    text = GOOD_TEMPLATE.replace("    answer:", "    constraints:\n      - {less_than: [size, k]}\n    answer:")
    bank = write_bank(tmp_path / "bank", {"conv.yaml": text})
    result = _run("generate", "--bank", bank, "--no-shipped", "--seed", "1")
    assert result.exit_code == 2
    assert "template 'conv-output-size-basic': constraints: no valid draw" in result.stderr
    result = _run("bank", "validate", bank)
    assert result.exit_code == 1
    assert "constraints: no valid draw" in result.stderr


def test_topics_lists_topics_and_templates(tmp_path: Path) -> None:
    result = runner.invoke(app, ["topics"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for word in ("conv_params", "conv-params-lecture", "special_kernels", "networks"):
        assert word in result.stdout
    bank = write_bank(tmp_path / "bank", {"a.yaml": GOOD_TEMPLATE})
    result = runner.invoke(app, ["topics", "--bank", str(bank), "--no-shipped"], env={"COLUMNS": "200"})
    assert "1 templates in 1 topics" in result.stdout and "conv-output-size-basic" in result.stdout


def test_bank_validate_shipped_bank_passes() -> None:
    result = _run("bank", "validate")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ok: ") and "100 variants each" in result.stdout


def test_bank_validate_reports_one_line_per_problem(tmp_path: Path) -> None:
    bank = write_bank(tmp_path / "bank", {
        "bad.yaml": "templates: [\n",
        "good.yaml": GOOD_TEMPLATE,
        "wrong.yaml": GOOD_TEMPLATE.replace("conv-output-size-basic", "other").replace("computation: conv2d_output_size", "computation: nope"),
    })
    result = _run("bank", "validate", bank, "--variants", "20")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    warnings = [line for line in lines if line.startswith("warning: ")]
    lines = [line for line in lines if not line.startswith("warning: ")]
    # padding 1 of 0..2 at stride 1: counting padding once = forgetting the +1
    assert len(warnings) == 1 and re.search(
        r"good\.yaml: template 'conv-output-size-basic': mistakes: 'forgot_plus_one' and 'padding_once' give the "
        r"same value in \d+% of 20 variants$", warnings[0])
    assert len(lines) == 3
    assert "bad.yaml: line" in lines[0] and "wrong.yaml: template 'other': answer.computation" in lines[1]
    assert lines[2] == f"2 problem(s) in {bank}"
    assert _run("bank", "validate", tmp_path / "missing").exit_code == 2
