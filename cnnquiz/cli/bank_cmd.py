"""``cnnquiz generate``, ``cnnquiz topics`` and ``cnnquiz bank validate``."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from cnnquiz.atomic import write_text
from cnnquiz.bank.export import FILE_SUFFIX, FORMATS, KEY_SUFFIX, ExportFormat, export_key, export_paper, write_paper
from cnnquiz.bank.generate import generate_paper
from cnnquiz.bank.validate import validate_dir
from cnnquiz.bank.load import Bank, load_bank
from cnnquiz.cli._app import app, cli_errors, console, err_console
from cnnquiz.errors import BankError, CnnquizError
from cnnquiz.paths import shipped_templates_dir

__all__ = ["generate", "topics", "validate", "bank_app", "read_roster"]

bank_app = typer.Typer(help="Check question banks.", no_args_is_help=True)
app.add_typer(bank_app, name="bank")

_BANK_HELP = "Extra template directory (repeatable); used next to the shipped bank unless --no-shipped."


def _bank(bank_dirs: Optional[List[Path]], no_shipped: bool) -> Bank:
    return load_bank(bank_dirs or None, include_shipped=not no_shipped)


def read_roster(path: Path) -> list[str]:
    """Student ids from the ``student`` (or ``id``) column of a CSV file, in file order."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
            column = columns.get("student") or columns.get("id")
            if column is None:
                raise CnnquizError(f"{path}: roster needs a 'student' (or 'id') column; found: {', '.join(columns) or 'none'}")
            ids = [(row.get(column) or "").strip() for row in reader]
    except OSError as error:
        raise CnnquizError(f"{path}: cannot read roster: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise CnnquizError(f"{path}: cannot read roster: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except csv.Error as error:
        raise CnnquizError(f"{path}: not a valid CSV file: {error}") from None
    ids = [i for i in ids if i]
    if not ids:
        raise CnnquizError(f"{path}: roster has no students")
    return ids


def _safe_name(student: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", student).strip(".") or "_"


def _write(path: Path, text: str) -> None:
    try:
        write_text(path, text)
    except OSError as error:
        raise CnnquizError(f"{path}: cannot write: {error.strerror or error}") from None


def _class_papers(bank: Bank, roster: Path, out: Optional[Path], fmt: ExportFormat, **options: object) -> None:
    if out is None:
        raise CnnquizError("--roster needs --out DIR (one paper and one key per student go there)")
    if out.exists() and not out.is_dir():
        raise CnnquizError(f"{out}: --out must be a directory with --roster")
    students = read_roster(roster)
    names: dict[str, str] = {}
    for student in students:
        name = _safe_name(student)
        if name in names:
            raise CnnquizError(f"{roster}: students {names[name]!r} and {student!r} give the same file name {name!r}")
        names[name] = student
    key_suffix = KEY_SUFFIX[fmt]
    manifest = ["student,seed,paper,key"]
    for name, student in names.items():
        paper = generate_paper(bank, student=student, **options)  # type: ignore[arg-type]
        paper_file, key_file = f"{name}{FILE_SUFFIX[fmt]}", f"{name}.key{key_suffix}"
        write_paper(out / paper_file, paper, fmt)
        _write(out / key_file, export_key(paper, fmt))
        manifest.append(",".join(_csv_cell(v) for v in (student, str(paper.seed), paper_file, key_file)))
    _write(out / "papers.csv", "\n".join(manifest) + "\n")
    console.print(f"wrote {len(names)} papers and keys to {out} (index: papers.csv)", highlight=False, markup=False,
                  soft_wrap=True)


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value


@app.command("generate")
@cli_errors
def generate(
    bank_dirs: Optional[List[Path]] = typer.Option(None, "--bank", help=_BANK_HELP),
    no_shipped: bool = typer.Option(False, "--no-shipped", help="Do not load the shipped templates."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Paper seed (same seed, same paper)."),
    student: Optional[str] = typer.Option(None, "--student", help="Student id; the seed is a stable hash of it."),
    roster: Optional[Path] = typer.Option(None, "--roster", help="CSV with a 'student' (or 'id') column: one paper per student into --out DIR."),
    count: int = typer.Option(10, "--count", help="Number of questions."),
    topic: Optional[List[str]] = typer.Option(None, "--topic", help="Topic id (repeatable); see 'cnnquiz topics'."),
    difficulty: Optional[int] = typer.Option(None, "--difficulty", help="Only templates of this difficulty (1-3)."),
    fmt: ExportFormat = typer.Option(ExportFormat.JSON, "--format", help="Output format."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the paper here (a directory with --roster)."),
    key: Optional[Path] = typer.Option(None, "--key", help="Also write the answer key with workings (JSON for json, else Markdown)."),
) -> None:
    """Generate a seeded paper (or one per student of a roster)."""
    if sum(v is not None for v in (seed, student, roster)) > 1:
        raise CnnquizError("give only one of --seed, --student, --roster")
    if seed is not None and seed < 0:  # as quiz and answer sheets: a negative seed could not be regraded
        raise CnnquizError(f"--seed must be >= 0; got {seed}")
    bank = _bank(bank_dirs, no_shipped)
    options = dict(count=count, topics=tuple(topic or ()), difficulty=difficulty)
    if roster is not None:
        if key is not None:
            raise CnnquizError("--key is not used with --roster (keys are written next to the papers)")
        _class_papers(bank, roster, out, fmt, **options)
        return
    if key is not None and out is not None and key.resolve() == out.resolve():
        raise CnnquizError(f"--key {key} is the --out file: the answer key would replace the paper")
    paper = generate_paper(bank, seed=seed, student=student, **options)  # type: ignore[arg-type]
    if out is None:
        if FORMATS[fmt.value].binary:
            raise CnnquizError(f"--format {fmt.value} writes a {FILE_SUFFIX[fmt]} file: give --out FILE")
        typer.echo(export_paper(paper, fmt), nl=False)
    else:
        write_paper(out, paper, fmt)
        err_console.print(f"wrote {out} ({len(paper.questions)} questions, seed {paper.seed})", highlight=False,
                          markup=False, soft_wrap=True)
    if key is not None:
        _write(key, export_key(paper, fmt))
        err_console.print(f"wrote {key} (answer key)", highlight=False, markup=False, soft_wrap=True)


@app.command("topics")
@cli_errors
def topics(
    bank_dirs: Optional[List[Path]] = typer.Option(None, "--bank", help=_BANK_HELP),
    no_shipped: bool = typer.Option(False, "--no-shipped", help="Do not load the shipped templates."),
) -> None:
    """List the topics and templates of a bank."""
    bank = _bank(bank_dirs, no_shipped)
    table = Table(title=f"{len(bank)} templates in {len(bank.topics)} topics", title_justify="left")
    table.add_column("topic", no_wrap=True)
    table.add_column("template", no_wrap=True)
    table.add_column("difficulty", justify="right")
    table.add_column("kind")
    table.add_column("known mistakes", overflow="fold")
    for topic_id, templates in bank.topics.items():
        for i, t in enumerate(templates):
            table.add_row(topic_id if i == 0 else "", t.id, str(t.difficulty), t.kind.value,
                          ", ".join(t.mistakes) or "-", end_section=i == len(templates) - 1)
    console.print(table)


@bank_app.command("validate")
@cli_errors
def validate(
    directory: Optional[Path] = typer.Argument(None, help="Bank directory (default: the shipped templates)."),
    variants: int = typer.Option(100, "--variants", help="Questions generated per template."),
) -> None:
    """Validate a bank directory: every file loads and every template generates its variants."""
    directory = directory or shipped_templates_dir()
    if not directory.is_dir():
        raise BankError(f"{directory}: bank directory not found")
    if variants < 1:
        raise CnnquizError(f"--variants must be >= 1; got {variants}")
    report = validate_dir(directory, variants=variants)
    count, problems = report.templates, report.problems
    for line in report.warnings:
        err_console.print(f"warning: {line}", highlight=False, markup=False, soft_wrap=True)
    for line in problems:
        err_console.print(line, highlight=False, markup=False, soft_wrap=True)
    if problems:
        err_console.print(f"{len(problems)} problem(s) in {directory}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"ok: {count} templates in {directory}, {variants} variants each", highlight=False, markup=False,
                  soft_wrap=True)
