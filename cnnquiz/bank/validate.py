"""``cnnquiz bank validate``: every template of a directory loads and generates its variants.

Problems (the bank is unusable as it is) and warnings (it works, but students would be
served worse than they could be) are one line each, naming the file and the template:

- problem: a file or template that does not load, a template with no valid draw, a
  listed mistake that never shows a value of its own;
- warning: listed mistakes that give the same value in a large share of the variants
  (feedback then has to name several), draw rules whose values are not all reached
  (a choice, a small range, a network layer never drawn), so a case the template
  promises never comes up, and concept distractors with no explanation of their own.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from cnnquiz.bank._networks import layer_numbers
from cnnquiz.bank.generate import derive_seed, generate_question
from cnnquiz.bank.load import collect
from cnnquiz.bank.question import Question
from cnnquiz.bank.schema import Template
from cnnquiz.errors import BankError
from cnnquiz.paths import shipped_templates_dir

__all__ = [
    "BankCheck",
    "validate_dir",
    "variants_of",
    "collision_shares",
    "draw_space",
    "coverage_gaps",
    "COLLISION_WARNING_SHARE",
    "SMALL_DRAW_SPACE",
]

#: Warn when listed mistakes coincide in at least this share of a template's variants.
COLLISION_WARNING_SHARE = 0.2
#: Draw rules with at most this many values must reach every one of them.
SMALL_DRAW_SPACE = 13


@dataclass(frozen=True)
class BankCheck:
    """The outcome of :func:`validate_dir`."""

    templates: int
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _label(template: Template) -> str:
    return f"{template.source or '<template>'}: template {template.id!r}"


def variants_of(template: Template, variants: int) -> list[Question]:
    """The ``variants`` questions validation looks at (seeds ``validate/<id>/<i>``)."""
    return [generate_question(template, derive_seed("validate", template.id, i), "q1") for i in range(variants)]


def collision_shares(questions: Sequence[Question]) -> dict[str, float]:
    """``"a+b"`` -> the share of ``questions`` in which mistakes a and b give one value."""
    counts: Counter[str] = Counter()
    for q in questions:
        counts.update({w.mistake for w in q.wrong_answers if "+" in w.mistake})
    return {key: n / len(questions) for key, n in counts.most_common()} if questions else {}


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def draw_space(template: Template) -> dict[str, list[Any]]:
    """Parameter name -> every value its rule can draw, for the small rules only
    (``choices``, ``range`` with at most :data:`SMALL_DRAW_SPACE` values, a network layer's
    number); duplicates in ``choices`` (used as weights) count once."""
    space: dict[str, list[Any]] = {}
    for name, spec in template.params.items():
        values: list[Any] | None = None
        if spec.rule == "choices" and spec.choices is not None:
            values = list({_key(v): v for v in spec.choices}.values())
        elif spec.rule == "range":
            values = spec.draw.values()
        elif spec.rule == "network_layer" and spec.network_layer is not None:
            values = layer_numbers(spec.network_layer)
        if values is not None and 1 < len(values) <= SMALL_DRAW_SPACE:
            space[name] = values
    return space


def _drawn(template: Template, name: str, q: Question) -> Any:
    value = q.params[name]
    spec = template.params[name]
    return value["number"] if spec.rule == "network_layer" else value


def coverage_gaps(template: Template, questions: Sequence[Question]) -> dict[str, list[Any]]:
    """Parameter name -> the values of its small draw space never drawn in ``questions``."""
    gaps: dict[str, list[Any]] = {}
    for name, values in draw_space(template).items():
        seen = {_key(_drawn(template, name, q)) for q in questions}
        missing = [v for v in values if _key(v) not in seen]
        if missing:
            gaps[name] = missing
    return gaps


def _template_report(t: Template, variants: int) -> tuple[list[str], list[str]]:
    try:
        questions = variants_of(t, variants)
    except BankError as error:
        return [str(error)], []
    problems, warnings = [], []
    seen = {key for q in questions for w in q.wrong_answers for key in w.mistake.split("+")}
    for i, key in enumerate(t.mistakes):
        if key not in seen:
            problems.append(f"{_label(t)}: mistakes.{i}: {key!r} never gives a value of its own in {variants} variants")
    for keys, share in collision_shares(questions).items():
        if share >= COLLISION_WARNING_SHARE:
            names = " and ".join(repr(k) for k in keys.split("+"))
            warnings.append(f"{_label(t)}: mistakes: {names} give the same value in {share:.0%} of {variants} variants")
    if t.options is not None:
        bare = [str(i) for i, (_text, why) in enumerate(t.options.wrong()) if not why]
        if bare:
            warnings.append(f"{_label(t)}: options.distractors.{','.join(bare)}: no 'why' (a student who "
                            "picks one is only shown the right answer's explanation)")
    for name, missing in coverage_gaps(t, questions).items():
        shown = ", ".join(json.dumps(v) for v in missing[:3]) + (", ..." if len(missing) > 3 else "")
        warnings.append(f"{_label(t)}: params.{name}: {len(missing)} of {len(draw_space(t)[name])} values "
                        f"never drawn in {variants} variants ({shown})")
    return problems, warnings


def validate_dir(directory: Path, *, variants: int = 100) -> BankCheck:
    """Check a bank directory: every file loads and every template gives ``variants`` questions.

    Returns
    -------
    BankCheck
        The number of valid templates, one line per problem, one line per warning.
    """
    directory = Path(directory)
    shipped = directory.resolve() == shipped_templates_dir().resolve()
    try:
        templates, problems = collect([], shipped=directory) if shipped else collect([directory], shipped=None)
    except BankError as error:
        return BankCheck(0, [str(error)])
    if not templates and not problems:
        problems.append(f"{directory}: no templates found (*.yaml files with a 'templates' list)")
    warnings: list[str] = []
    for t in templates:
        bad, weak = _template_report(t, variants)
        problems.extend(bad)
        warnings.extend(weak)
    return BankCheck(len(templates), problems, warnings)
