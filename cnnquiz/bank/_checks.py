"""Checks of a template that pydantic cannot do field by field.

References to parameters, prompt placeholders, computation and mistake keys.
Each problem is a ``(dotted.field, message)`` pair, in a stable order.
"""

from __future__ import annotations

import re
import string
from typing import Any, Iterator

from cnnquiz import mistakes
from cnnquiz.bank.question import AnswerKind
from cnnquiz.bank.schema import DERIVED_RULES, FORMAT_SPECS, FitsExactly, ParamSpec, Template

__all__ = ["semantic_problems", "placeholders"]


def _refs(value: Any) -> Iterator[str]:
    """References inside a derived rule or an argument: strings, also nested in lists."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _refs(item)
    elif isinstance(value, dict):
        if set(value) == {"value"}:
            return  # {value: ...} is a literal, whatever it holds
        for item in value.values():
            yield from _refs(item)


def _param_refs(spec: ParamSpec) -> Iterator[tuple[str, str]]:
    rule = spec.rule
    if rule == "matrix" and spec.matrix is not None:
        for i, dim in enumerate(spec.matrix.shape):
            for ref in _refs(dim):
                yield f"matrix.shape.{i}", ref
    elif rule == "repeat" and spec.repeat is not None:
        for name in ("item", "times"):
            for ref in _refs(getattr(spec.repeat, name)):
                yield f"repeat.{name}", ref
    elif rule == "reshape" and spec.reshape is not None:
        yield "reshape.of", spec.reshape.of
        for ref in _refs(spec.reshape.shape):
            yield "reshape.shape", ref
    elif rule in DERIVED_RULES:
        for ref in _refs(spec.get(rule)):
            yield rule, ref


def placeholders(prompt: str) -> list[tuple[str, str]]:
    """``(name, format_spec)`` of every ``{placeholder}`` in a prompt (ValueError if malformed)."""
    found = []
    for _literal, name, spec, conversion in string.Formatter().parse(prompt):
        if name is None:
            continue
        if conversion:
            raise ValueError(f"placeholder {{{name}!{conversion}}}: conversions are not allowed")
        found.append((name, spec or ""))
    return found


def _head(ref: str) -> str:
    """``layer.in_channels`` refers to the field ``in_channels`` of the parameter ``layer``."""
    return ref.split(".", 1)[0]


def _check_params(t: Template) -> Iterator[tuple[str, str]]:
    seen: list[str] = []
    for name, spec in t.params.items():
        if not name.isidentifier():
            yield f"params.{name}", "parameter names must be identifiers (letters, digits, _)"
        for where, ref in _param_refs(spec):
            if _head(ref) not in seen:
                yield f"params.{name}.{where}", f"unknown parameter {ref!r} (parameters can only use earlier ones)"
        seen.append(name)


def _texts(t: Template) -> Iterator[tuple[str, str]]:
    """``(field, text)`` of everything a student reads that may hold placeholders."""
    yield "prompt", t.prompt
    if t.options is not None:
        yield "options.correct", t.options.correct
        yield "options.explanation", t.options.explanation
        for i, (text, why) in enumerate(t.options.wrong()):
            yield f"options.distractors.{i}", text
            if why:
                yield f"options.distractors.{i}.why", why


def _check_text(t: Template, where: str, text: str) -> Iterator[tuple[str, str]]:
    try:
        found = placeholders(text)
    except ValueError as error:
        yield where, f"malformed placeholder: {error}"
        return
    for name, spec in found:
        if _head(name) not in t.params:
            yield where, f"placeholder {{{name}}} is not a parameter (known: {', '.join(t.params) or 'none'})"
        if spec not in FORMAT_SPECS:
            yield where, f"placeholder {{{name}:{spec}}}: unknown format (known: {', '.join(FORMAT_SPECS[1:])})"
    if bad := re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text):  # XML 1.0 forbids them
        yield where, f"control character U+{ord(bad[0]):04X} at position {bad.start()}: Moodle XML and QTI cannot carry it"


def _check_prompt(t: Template) -> Iterator[tuple[str, str]]:
    for where, text in _texts(t):
        yield from _check_text(t, where, text)


def _check_constraints(t: Template) -> Iterator[tuple[str, str]]:
    for i, c in enumerate(t.constraints):
        value = getattr(c, c.rule)
        if isinstance(value, FitsExactly):
            value = value.model_dump()
        if isinstance(value, (int, float, bool)) and not isinstance(value, str):
            continue
        for ref in _refs(value):
            if _head(ref) not in t.params:
                yield f"constraints.{i}.{c.rule}", f"unknown parameter {ref!r}"


def _check_answer(t: Template) -> Iterator[tuple[str, str]]:
    if t.kind is AnswerKind.CHOICE and t.answer is None:
        if t.options is None:
            yield "options", "a choice question needs options (or an answer with match)"
        if t.mistakes:
            yield "mistakes", "a concept question written by hand has no computed mistakes"
        return
    if t.options is not None:
        yield "options", "options are only for hand-written choice questions (no answer)"
    if t.answer is None:
        yield "answer", f"a {t.kind.value} question needs an answer computation"
        return
    if (t.kind is AnswerKind.CHOICE) != (t.answer.match is not None):
        yield "answer.match", "choice questions computed by the solver need match (and only they)"
    valid_mistakes: set[str] = set()
    parts = t.answer.all_parts()
    for i, part in enumerate(parts):
        where = "answer.computation" if t.answer.parts is None else f"answer.parts.{i}.computation"
        comp = mistakes.COMPUTATIONS.get(part.computation)
        if comp is None:
            known = ", ".join(sorted(mistakes.COMPUTATIONS))
            yield where, f"unknown computation {part.computation!r} (known: {known})"
            continue
        valid_mistakes.update(comp.mistakes)
        args_where = "answer.args" if t.answer.parts is None else f"answer.parts.{i}.args"
        for arg, value in part.args.items():
            for ref in _refs(value):
                if _head(ref) not in t.params:
                    yield f"{args_where}.{arg}", f"unknown parameter {ref!r}"
    for ref in _refs(t.answer.transform.pick or []):
        if _head(ref) not in t.params:
            yield "answer.transform.pick", f"unknown parameter {ref!r}"
    if t.answer.match is not None and any(p.computation != "conv2d" for p in parts):
        yield "answer.match", "match compares filter effects, so the computation must be conv2d"
    if len(parts) == len([p for p in parts if p.computation in mistakes.COMPUTATIONS]):
        for i, key in enumerate(t.mistakes):
            if key not in mistakes.CATALOGUE:
                yield f"mistakes.{i}", f"unknown mistake {key!r} (known: {', '.join(sorted(mistakes.CATALOGUE))})"
            elif key not in valid_mistakes:
                comps = ", ".join(p.computation for p in parts)
                known = ", ".join(sorted(valid_mistakes)) or "none"
                yield f"mistakes.{i}", f"mistake {key!r} is not a known variant of {comps} (known: {known})"


def semantic_problems(t: Template) -> list[tuple[str, str]]:
    """Problems pydantic cannot see, as ``(dotted.field, message)`` pairs, in a stable order."""
    problems: list[tuple[str, str]] = []
    for check in (_check_params, _check_prompt, _check_constraints, _check_answer):
        problems.extend(check(t))
    if t.kind is AnswerKind.SHAPE and not t.shape_order:
        problems.append(("shape_order", "a shape question must say the order asked for, e.g. 'H x W x C'"))
    return problems
