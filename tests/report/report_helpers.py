"""Small hand-computed classes for the report tests, written as the graders write them,
and the golden-file helper shared by the report tests."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

GOLDEN = Path(__file__).parent / "golden"

_OUTPUT = {
    "forgot_plus_one": "input: ...\nexpected: 28\ngot: 27\nproblem: wrong value\n"
                       "likely mistake: you forgot the +1. The number of positions is (span / stride) + 1.",
    "kernel_flipped": "input: ...\nproblem: wrong value\nlikely mistake: that is a flipped kernel: "
                      "PyTorch computes cross-correlation. Textbook convolution flips the kernel.",
    None: "input: ...\nexpected: 1\ngot: 1",
}


def golden(name: str, text: str) -> None:
    """Compare ``text`` with ``GOLDEN/name``; CNNQUIZ_UPDATE_GOLDEN=1 rewrites it and skips
    (a rewritten golden is never the comparison)."""
    path = GOLDEN / name
    if os.environ.get("CNNQUIZ_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
        pytest.skip(f"rewrote {path}")
    assert path.exists(), f"missing golden {path}; run once with CNNQUIZ_UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def _test(name: str, function: str, score: float, max_score: float, mistake: str | None = None) -> dict[str, Any]:
    return {"name": name, "function": function, "score": score, "max_score": max_score,
            "status": "passed" if score == max_score else "failed", "output": _OUTPUT[mistake],
            "mistakes": [mistake] if mistake else []}


def code_class(folder: Path) -> Path:
    """``cnnquiz grade`` output of 5 students, 3 tests (A and B test f1, C tests f2; B is worth 2).

    ====  ===  ===  ===  =====
    who    A    B    C   total
    ====  ===  ===  ===  =====
    ann    1    2    1     4
    bob    1    2    0     3   C: kernel_flipped
    cat    1    0    0     1   B: forgot_plus_one, C: kernel_flipped
    dan    0    0    1     1   A, B: forgot_plus_one
    eve    (status error: nothing graded)
    ====  ===  ===  ===  =====
    """
    rows = {
        "ann": [(1, None), (2, None), (1, None)],
        "bob": [(1, None), (2, None), (0, "kernel_flipped")],
        "cat": [(1, None), (0, "forgot_plus_one"), (0, "kernel_flipped")],
        "dan": [(0, "forgot_plus_one"), (0, "forgot_plus_one"), (1, None)],
    }
    specs = [("A: size", "f1", 1), ("B: size padded", "f1", 2), ("C: conv", "f2", 1)]
    report = []
    for student, cells in rows.items():
        tests = [_test(name, fn, score, top, mistake) for (name, fn, top), (score, mistake) in zip(specs, cells)]
        report.append({"student": student, "score": sum(t["score"] for t in tests), "max_score": 4,
                       "status": "graded", "isolation": "bwrap", "tests": tests})
    report.append({"student": "eve", "score": 0, "max_score": 0, "status": "error", "isolation": "bwrap", "tests": []})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report, indent=2))
    return folder


def _question(qid: str, template: str, topic: str, prompt: str, credit: float, mistake: str | None = None) -> dict:
    status = "correct" if credit == 1 else "partial" if credit else "wrong"
    return {"id": qid, "template": template, "topic": topic, "kind": "integer", "prompt": prompt,
            "answer": "1", "status": status, "credit": credit, "mistake": mistake,
            "mistake_name": None, "feedback": "", "expected": "1", "working": ""}


def answers_class(folder: Path) -> Path:
    """``cnnquiz grade-answers`` output: 3 students, 2 templates drawn in different variants.

    al drew conv-size twice (variants P1 and P2) and pool-size once (P3); bo: P1, P3; cy: P2, P4.

    ====  ========================  ==============================  =====
    who   conv-size (out of)        pool-size                       total
    ====  ========================  ==============================  =====
    al    P1: 1, P2: 0.5 -> 1.5/2   P3: 0 (pool_stride_one)         1.5/3
    bo    P1: 0 (forgot_plus_one)   P3: 1                           1/2
    cy    P2: 1                     P4: 0 (pool_stride_one)         1/2
    ====  ========================  ==============================  =====
    """
    sheets = {
        "al": [("q1", "conv-size", "output_size", "P1", 1), ("q2", "pool-size", "pooling", "P3", 0, "pool_stride_one"),
               ("q3", "conv-size", "output_size", "P2", 0.5)],
        "bo": [("q1", "pool-size", "pooling", "P3", 1), ("q2", "conv-size", "output_size", "P1", 0, "forgot_plus_one")],
        "cy": [("q1", "conv-size", "output_size", "P2", 1), ("q2", "pool-size", "pooling", "P4", 0, "pool_stride_one")],
    }
    folder.mkdir(parents=True, exist_ok=True)
    for student, questions in sheets.items():
        items = [_question(*q) for q in questions]
        score = sum(q["credit"] for q in items)
        (folder / f"{student}.json").write_text(json.dumps({
            "student": student, "status": "graded", "score": score, "max_score": len(items),
            "source": f"{student}.yaml", "paper": {"seed": 1}, "error": None, "questions": items}))
    (folder / "grades.csv").write_text("student,score,max_score,status\n")
    return folder
