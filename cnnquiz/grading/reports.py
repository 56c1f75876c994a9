"""Report files: results.json per student, grades.csv, report.json, JUnit XML, merging shards.

Every file is written atomically (:mod:`cnnquiz.atomic`), and every text in it passes the
sanitiser of its sink (:mod:`cnnquiz.sanitize`): JSON strings are valid UTF-8, JUnit
text is XML 1.0, ``grades.csv`` is written by :mod:`cnnquiz.gradebook` (formula-safe
cells, scores to 2 places). ``--resume`` and ``merge`` rebuild the gradebook from the
per-student ``results.json`` files, which are the one record of a grade. Formats are
fixed by the contract (section 4); ``report.json`` adds an ``isolation`` key to each
student and a ``mistakes`` list (the diagnosed catalogue keys) to each test, and JUnit XML has one ``testsuite`` per student whose ``isolation`` property
names the sandbox isolation level.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from cnnquiz import atomic, gradebook
from cnnquiz.errors import GradingError
from cnnquiz.gradebook import GRADES_FILE, GradebookRow
from cnnquiz.grading.results import StudentResult, StudentStatus, TestStatus, number
from cnnquiz.sanitize import for_json, for_terminal, for_xml

__all__ = [
    "RESULTS_FILE",
    "GRADES_FILE",
    "REPORT_FILE",
    "OUTPUT_FILES",
    "names_an_output",
    "write_student",
    "read_student",
    "load_students",
    "grades_csv",
    "report_json",
    "write_gradebook",
    "junit_xml",
    "write_junit",
    "merge_outputs",
    "github_annotations",
    "escape_annotation",
]

RESULTS_FILE = "results.json"
REPORT_FILE = "report.json"
# The class files written beside the per-student files (OUT/<student>/ of grade,
# OUT/<student>.json of grade-answers): no student may take one of these names.
OUTPUT_FILES = (GRADES_FILE, REPORT_FILE)


def names_an_output(name: str, *, stem: bool = False) -> bool:
    """Whether a student called ``name`` would take the place of an output file.

    ``grade`` writes ``OUT/<student>/``: ``name`` must not be ``grades.csv`` or
    ``report.json``. ``grade-answers`` writes ``OUT/<student>.json`` (``stem=True``):
    ``name`` must not be ``grades`` or ``report``. Compared case-insensitively, as
    macOS and Windows compare file names.
    """
    reserved = (Path(file).stem if stem else file for file in OUTPUT_FILES)
    return name.casefold() in {file.casefold() for file in reserved}


def _write(path: Path, text: str) -> Path:
    try:
        return atomic.write_text(path, text)
    except OSError as error:
        raise GradingError(f"{path}: cannot write: {error.strerror or error}") from None


def _json_text(value: object) -> str:
    return json.dumps(for_json(value), indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def write_student(out_dir: str | Path, result: StudentResult) -> Path:
    """Write ``OUT_DIR/<student>/results.json`` atomically."""
    return _write(Path(out_dir) / result.student / RESULTS_FILE, _json_text(result.gradescope()))


def read_student(folder: str | Path, *, strict: bool = False) -> StudentResult | None:
    """The result recorded in ``folder/results.json`` (None if absent or unreadable, unless ``strict``)."""
    path = Path(folder) / RESULTS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return StudentResult.from_gradescope(data, student=Path(folder).name)
    except FileNotFoundError:
        if strict:
            raise GradingError(f"{path}: no such file") from None
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        if strict:
            raise GradingError(f"{path}: not a cnnquiz results.json ({error})") from None
        return None


def load_students(out_dir: str | Path, students: Iterable[str]) -> list[StudentResult]:
    """The recorded results of ``students`` (those that have one), in the given order."""
    found = (read_student(Path(out_dir) / student) for student in students)
    return [result for result in found if result is not None]


def _row(result: StudentResult) -> GradebookRow:
    try:
        return result.gradebook_row()
    except Exception:  # noqa: BLE001 - one odd result must not lose the gradebook
        return GradebookRow(str(result.student), 0.0, 0.0, StudentStatus.ERROR.value)


def grades_csv(results: Sequence[StudentResult]) -> str:
    """``student,score,max_score,status``, one row per student (:mod:`cnnquiz.gradebook`)."""
    return gradebook.grades_csv(_row(result) for result in results)


def _entry(result: StudentResult) -> dict:
    try:
        return result.report_entry()
    except Exception as error:  # noqa: BLE001 - one odd result must not lose the report
        return {"student": str(result.student), "score": 0, "max_score": 0, "status": StudentStatus.ERROR.value,
                "isolation": "", "tests": [], "error": f"this student's entry could not be built ({type(error).__name__})"}


def report_json(results: Sequence[StudentResult]) -> list[dict]:
    """The ``report.json`` list (contract section 4); an entry that cannot be built is an error entry."""
    return [_entry(result) for result in results]


def write_gradebook(out_dir: str | Path, results: Sequence[StudentResult]) -> None:
    """Write ``grades.csv`` and ``report.json`` for ``results``."""
    out = Path(out_dir)
    _write(out / GRADES_FILE, grades_csv(results))
    _write(out / REPORT_FILE, _json_text(report_json(results)))


# --- JUnit XML ------------------------------------------------------------------------

def _suite(result: StudentResult) -> ET.Element:
    """One student's ``testsuite`` element."""
    failures = sum(t.status is TestStatus.FAILED for t in result.tests)
    errors = sum(t.status in (TestStatus.ERROR, TestStatus.TIMEOUT) for t in result.tests)
    suite = ET.Element("testsuite", {
        "name": for_xml(result.student), "tests": str(len(result.tests)), "failures": str(failures),
        "errors": str(errors), "skipped": "0", "time": f"{result.execution_time:.3f}",
    })
    properties = ET.SubElement(suite, "properties")
    for key, value in (
        ("isolation", result.isolation), ("status", result.status.value), ("score", str(number(result.score))),
        ("max_score", str(number(result.max_score))), ("assignment", result.assignment),
    ):
        ET.SubElement(properties, "property", name=key, value=for_xml(value))
    for test in result.tests:
        case = ET.SubElement(suite, "testcase", {
            "classname": for_xml(f"{result.student}.{test.function}"), "name": for_xml(test.name),
            "time": f"{test.seconds:.3f}",
        })
        if test.status is not TestStatus.PASSED:
            tag = "failure" if test.status is TestStatus.FAILED else "error"
            element = ET.SubElement(case, tag, message=for_xml(test.summary), type=test.status.value)
            element.text = for_xml(test.output)
    ET.SubElement(suite, "system-out").text = for_xml(result.output)
    return suite


def _broken_suite(student: str, error: Exception) -> ET.Element:
    """A suite saying this student's entry could not be built (the file is still written)."""
    suite = ET.Element("testsuite", {
        "name": for_xml(student), "tests": "1", "failures": "0", "errors": "1", "skipped": "0", "time": "0.000",
    })
    case = ET.SubElement(suite, "testcase", {"classname": for_xml(f"{student}.grader"), "name": "grader", "time": "0.000"})
    message = for_xml(f"this student's report could not be built ({type(error).__name__}: {error})")
    ET.SubElement(case, "error", message=message, type="error")
    return suite


def junit_xml(results: Sequence[StudentResult]) -> str:
    """JUnit XML: one ``testsuite`` per student, one ``testcase`` per test."""
    root = ET.Element("testsuites", name="cnnquiz")
    total_time = 0.0
    for result in results:
        try:
            suite = _suite(result)
        except Exception as error:  # noqa: BLE001 - one student's entry must not lose the file
            suite = _broken_suite(str(result.student), error)
        root.append(suite)
        total_time += result.execution_time
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(int(suite.get(key, "0")) for suite in root)))
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(path: str | Path, results: Sequence[StudentResult]) -> Path:
    return _write(Path(path), junit_xml(results))


# --- merging shards -------------------------------------------------------------------

def _comparable(result: StudentResult) -> dict:
    entry = result.report_entry()
    entry.pop("isolation", None)
    return entry


def merge_outputs(out_dirs: Sequence[str | Path], out: str | Path) -> list[StudentResult]:
    """Combine several ``cnnquiz grade`` output folders (shards) into one gradebook in ``out``.

    Raises
    ------
    GradingError
        When an input is not a folder, when the shards were graded against different
        assignments, or when a student appears twice with different results.
    """
    merged: dict[str, tuple[StudentResult, Path]] = {}
    digests: dict[str, Path] = {}
    for folder in map(Path, out_dirs):
        if not folder.is_dir():
            raise GradingError(f"{folder}: not a folder")
        for student_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if not (student_dir / RESULTS_FILE).exists():
                continue
            result = read_student(student_dir, strict=True)
            assert result is not None
            if result.assignment_sha256:
                digests.setdefault(result.assignment_sha256, folder)
            if len(digests) > 1:
                first, second = list(digests.values())[:2]
                raise GradingError(f"{first} and {folder} were graded against different assignments")
            if result.student in merged:
                previous, where = merged[result.student]
                if _comparable(previous) != _comparable(result):
                    raise GradingError(f"{result.student}: graded in {where} and in {folder} with different results")
                continue
            merged[result.student] = (result, folder)
    results = [merged[name][0] for name in sorted(merged)]
    for result in results:
        write_student(out, result)
    write_gradebook(out, results)
    return results


# --- GitHub Actions annotations -------------------------------------------------------

def escape_annotation(text: str, *, property: bool = False) -> str:
    """Escape for a workflow command: ``%``, CR and LF always; ``:`` and ``,`` in properties.

    >>> escape_annotation("50% done\\nnext")
    '50%25 done%0Anext'
    >>> escape_annotation("conv2d: a, b", property=True)
    'conv2d%3A a%2C b'
    """
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def github_annotations(result: StudentResult, file: str, lines: Mapping[str, int] | None = None) -> list[str]:
    """``::error file=...,line=...,title=...::message`` for each test that did not pass."""
    commands = []
    for test in result.failed:
        where = f"file={escape_annotation(file, property=True)}"
        if lines and test.function in lines:
            where += f",line={lines[test.function]}"
        title = escape_annotation(for_terminal(test.name, markup=False), property=True)
        message = escape_annotation(for_terminal(test.output, markup=False))
        commands.append(f"::error {where},title={title}::{message}")
    return commands
