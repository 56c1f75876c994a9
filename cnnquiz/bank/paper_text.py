"""A paper as the contract's JSON (section 6) and as Markdown (the students' paper and the key).

Registered in :data:`cnnquiz.bank.export.FORMATS` as ``json`` and ``markdown``.
"""

from __future__ import annotations

import json
from typing import Any

from cnnquiz.bank._prompt import prompt_number as format_number
from cnnquiz.bank.answer_check import effective_tolerance
from cnnquiz.bank.answer_format import format_answer, mistake_text
from cnnquiz.bank.question import AnswerKind, Paper, Question

__all__ = ["paper_json", "key_json", "dumps", "to_json", "key_to_json", "to_markdown", "key_to_markdown"]

_CONTRACT_KEYS = ("id", "template", "topic", "kind", "prompt", "params", "answer")


# --- JSON ---------------------------------------------------------------------------

def paper_json(paper: Paper) -> dict[str, Any]:
    """Exactly the contract's object: ``{"seed", "questions": [{id, template, ..., answer}]}``."""
    questions = [q.model_dump(mode="json", include=set(_CONTRACT_KEYS)) for q in paper.questions]
    return {"seed": paper.seed, "questions": [{k: q[k] for k in _CONTRACT_KEYS} for q in questions]}


def key_json(paper: Paper) -> dict[str, Any]:
    """The full paper: options, and per question the key, tolerance, known mistakes and working."""
    return paper.model_dump(mode="json")


def dumps(obj: Any, indent: int = 0) -> str:
    """JSON with objects spread over lines and lists of numbers (matrices) kept on one line."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(obj, dict) and obj:
        items = [f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {dumps(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and any(isinstance(v, dict) for v in obj):
        return "[\n" + ",\n".join(inner + dumps(v, indent + 1) for v in obj) + "\n" + pad + "]"
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)


def to_json(paper: Paper) -> str:
    return dumps(paper_json(paper)) + "\n"


def key_to_json(paper: Paper) -> str:
    return dumps(key_json(paper)) + "\n"


# --- Markdown -----------------------------------------------------------------------------

def _md_header(paper: Paper, title: str) -> list[str]:
    who = f"Student: {paper.student} · " if paper.student else ""
    topics = f" · topics: {', '.join(paper.topics)}" if paper.topics else ""
    return [f"# {title}", "", f"{who}Seed: {paper.seed} · {len(paper.questions)} questions{topics}", ""]


def _md_choices(q: Question) -> list[str]:
    return [f"- {chr(65 + i)}. {text}" for i, text in enumerate(q.choices or [])]


def to_markdown(paper: Paper) -> str:
    """The student's paper: prompts (matrices as code blocks), options, answer lines."""
    lines = _md_header(paper, "CNN quiz")
    for n, q in enumerate(paper.questions, start=1):
        lines += [f"## Question {n} ({q.id})", "", q.prompt, ""]
        if q.choices:
            lines += _md_choices(q) + [""]
        hint = f" ({q.shape_order})" if q.shape_order else ""
        lines += [f"**Answer{hint}:** ________", ""]
    return "\n".join(lines).rstrip() + "\n"


def key_to_markdown(paper: Paper) -> str:
    """The answer key: answer, tolerance, working and the known mistakes' values."""
    lines = _md_header(paper, "CNN quiz: answer key")
    for n, q in enumerate(paper.questions, start=1):
        lines += [f"## Question {n} ({q.id}) · {q.topic} · {q.template}", ""]
        if q.kind is AnswerKind.MATRIX:
            block = format_answer(q, inline=False).split("\n")
            lines += ["**Answer:**", ""] + ["    " + row for row in block] + [""]
        else:
            order = f" ({q.shape_order})" if q.shape_order else ""
            lines += [f"**Answer{order}:** {format_answer(q)}", ""]
        tol = effective_tolerance(q)
        if tol.atol or tol.rtol:
            lines += [f"Accepted within ±{format_number(tol.atol)} (absolute)"
                      + (f" + {format_number(tol.rtol)} x |answer|" if tol.rtol else ""), ""]
        if q.working:
            lines += [f"**Working:** {q.working}", ""]
        if q.wrong_answers:
            lines += ["**Known mistakes:**", ""]
            lines += [f"- `{format_answer(q, w.value)}`: {mistake_text(w.mistake)}" for w in q.wrong_answers]
            lines += [""]
    return "\n".join(lines).rstrip() + "\n"
