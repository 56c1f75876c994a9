"""Workings and prompts never contradict the question: a property of every template of the
shipped bank, checked on 30 draws each.

- the working's last clause ends with the key (the numbers the student must type);
- a shape working names the order the question asks for (C x H x W vs H x W x C);
- "pooling's default" stride only when the prompt states no stride; a stated stride is used;
- a question about one cell shows that cell, not the top-left one;
- a filter-effect question explains the filter, never the hidden probe image;
- ReLU is only mentioned where the prompt has one; grouped convolutions say in_channels / groups;
- prompts say "on each side" wherever counting padding once is diagnosed, and state the
  rounding rule whenever a size does not divide exactly.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from cnnquiz.bank import generate_question, load_bank
from cnnquiz.bank.answer_check import effective_tolerance
from cnnquiz.bank.question import AnswerKind, Question
from cnnquiz.bank.schema import Template
from cnnquiz.mistakes import CATALOGUE

from .bank_helpers import drawn

BANK = load_bank()
DRAWS = 30
_NUMBER = re.compile(r"(?<![\d.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?")
_ORDER = re.compile(r"\b([CHW]) x ([CHW])(?: x ([CHW]))?\b")
_SIZE_STEP = re.compile(r"(floor|ceil)\(\((\d+) \+ 2x(\d+) - (\d+|\((\d+)x\((\d+)-1\)\+1\))\) / (\d+)\)")
_SIZE_COMPUTATIONS = {"conv2d_output_size", "pool2d_output_size", "conv2d_output_shape"}


def _questions(template: Template) -> list[Question]:
    return drawn(template.id, DRAWS)


def _clauses(text: str) -> list[str]:
    """``"; "``-separated clauses, not splitting inside brackets (``[1 2; 3 4]``, ``(= 6; ...)``)."""
    clauses, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char in "([") - (char in ")]")
        if depth == 0 and text.startswith("; ", i):
            clauses.append(text[start:i])
            start = i + 2
    return clauses + [text[start:]]


def _last_clause(q: Question, *, remarks: bool = False) -> str:
    """The working's last clause; without a trailing remark in parentheses (words inside,
    e.g. ``= 13 (before the shift: 16)``) unless ``remarks``."""
    last = _clauses(q.working)[-1].rstrip()
    if remarks:
        return last
    match = re.search(r" \(([^()]*)\)$", last)
    if match and re.search(r"[A-Za-z]", match.group(1)):
        last = last[:match.start()].rstrip()
    return last


def _numbers(text: str) -> list[float]:
    return [float(n) for n in _NUMBER.findall(text)]


def _close(got: list[float], key: list[float], q: Question) -> bool:
    tol = effective_tolerance(q)
    # workings print 4 significant digits: allow that rounding on top of the question's tolerance
    return len(got) == len(key) and all(
        abs(g - k) <= max(tol.atol, 5e-4) + max(tol.rtol, 5e-4) * abs(k) for g, k in zip(got, key))


def _check_ends_with_key(q: Question) -> None:
    last = _last_clause(q, remarks=q.kind is AnswerKind.CHOICE)
    if q.kind is AnswerKind.CHOICE:
        assert last.endswith(f"so the filter: {q.answer}"), q.working
        return
    key = np.asarray(q.answer, dtype=float).ravel().tolist()
    got = _numbers(last)[-len(key):]
    if q.kind in (AnswerKind.INTEGER, AnswerKind.SHAPE):
        assert got == key, (q.prompt, q.working, q.answer)
    else:
        assert _close(got, key, q), (q.prompt, q.working, q.answer)


def _check_shape_order(q: Question) -> None:
    for match in _ORDER.finditer(_last_clause(q)):
        named = " x ".join(letter for letter in match.groups() if letter)
        assert named == q.shape_order, (q.shape_order, q.working)


def _check_stride_claims(q: Question) -> None:
    stated = re.search(r"\bstride\s*[=:]?\s*(\d+)", q.prompt)
    if "pooling's default" in q.working:
        assert stated is None, (q.prompt, q.working)
    if stated and q.computation in ("max_pool2d", "avg_pool2d", "pool2d_output_size"):
        s = stated.group(1)
        assert f"stride {s}" in q.working or f"/ {s})" in q.working, (q.prompt, q.working)


def _check_cell(template: Template, q: Question) -> None:
    assert template.answer is not None
    pick = template.answer.transform.pick
    if pick is None:
        return
    index = [q.params[name] if isinstance(name, str) else name for name in pick]
    if len(index) == 2:
        assert f"row {index[0]}, column {index[1]}" in q.working, (index, q.working)
    else:
        assert f"class {index[0]}" in q.working or f"({index[0]})" in q.working, (index, q.working)


def _check_words(template: Template, q: Question) -> None:
    assert "top-left" not in q.working
    if template.answer is not None and template.answer.match is not None:
        assert "row 1, column 1:" not in q.working and "result:" not in q.working  # the probe is hidden
    if "relu" not in q.prompt.lower():
        assert "relu" not in q.working.lower(), q.working
        for wrong in q.wrong_answers:
            for key in wrong.mistake.split("+"):
                assert "relu" not in CATALOGUE[key].name.lower(), (q.prompt, key)
    if q.computation == "conv2d_params" and int(q.params.get("groups", 1) or 1) != 1:
        assert "in_channels / groups" in q.working, q.working


def _check_size_wording(template: Template, q: Question) -> None:
    if "padding_once" in template.mistakes:
        assert "on each side" in q.prompt, q.prompt
    if q.computation not in _SIZE_COMPUTATIONS:
        return
    for how, n, p, kernel, d, k, s in _SIZE_STEP.findall(q.working):
        effective = int(d) * (int(k) - 1) + 1 if d else int(kernel)
        if (int(n) + 2 * int(p) - effective) % int(s):
            rule = ("round" in q.prompt.lower() or "ceil_mode" in q.prompt or "floor" in q.prompt)
            assert rule, (q.prompt, q.working)


COMPUTED = [pytest.param(t, id=t.id) for t in BANK.templates if t.answer is not None]


@pytest.mark.parametrize("template", COMPUTED)
def test_working_agrees_with_prompt_and_key(template: Template) -> None:
    for q in _questions(template):
        assert q.working, q.prompt
        _check_ends_with_key(q)
        if q.kind is AnswerKind.SHAPE:
            _check_shape_order(q)
        _check_stride_claims(q)
        _check_cell(template, q)
        _check_words(template, q)
        _check_size_wording(template, q)


def test_the_checks_can_fail() -> None:
    """A contradicting working is caught (the property is not vacuous)."""
    q = generate_question(BANK.get("output-volume-lecture"), 0)
    with pytest.raises(AssertionError):
        _check_shape_order(q.model_copy(update={"working": q.working + "; output C x H x W = 1x2x3"}))
    with pytest.raises(AssertionError):
        _check_ends_with_key(q.model_copy(update={"working": q.working + "; as H x W x C: 1x2x3"}))
    pool = generate_question(BANK.get("max-pool-result"), 0)
    with pytest.raises(AssertionError):
        _check_stride_claims(pool.model_copy(update={"working": "stride = kernel size = 2 (pooling's default)"}))
