"""An assignment's test inputs, drawn with the one draw language (:mod:`cnnquiz.draws`).

A value in an assignment's ``let:`` or ``args:`` is one of

- a literal: a number, ``true``/``false``, ``null``, a string, or a list of values
  (nested lists of numbers are explicit arrays; any item may itself be drawn);
- ``"$name"`` (or ``{ref: name}``): the value of an earlier ``let:`` variable (a copy);
- a rule of :mod:`cnnquiz.draws`, in the assignments' spelling or the question bank's:

  ============================================  =============================================
  ``{int: [lo, hi]}`` (``{range: [lo, hi]}``)   an integer in ``lo..hi`` (both included)
  ``{float: [lo, hi], round: 2}``               a float in ``[lo, hi)``, rounded when told
  ``{choice: [a, b, c]}`` (``choices``)         one of the listed values
  ``{array: [d0, d1, ...], low: -1, high: 1,    an array of that shape, uniform in
  integers: false, round: 3}``                  ``[low, high)``; with ``integers: true``
                                                whole numbers in ``low..high``
  ``{value: x}``                                ``x``, whatever it holds
  ============================================  =============================================

Bounds, shapes and the options of a choice may themselves be values
(``{array: ["$C", {int: [3, 9]}]}``); the settings ``round``, ``integers`` and ``step`` are
literals. Values inside a rule are drawn first, in the order of the rule's fields (bounds
or shape, then ``low``, ``high``), and every option of a choice is drawn before one is
picked: the same draws as before the two languages became one, so no assignment's tests
change. A mapping that is not a rule is refused rather than passed on (``{ints: [1, 2]}``
is a typo, not a literal). Drawing is deterministic: the caller passes a seeded
``numpy.random.Generator``.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> env = {"H": resolve({"int": [2, 4]}, rng, {})}
>>> resolve({"array": ["$H", 3], "integers": True, "low": 0, "high": 0}, rng, env).shape == (env["H"], 3)
True
>>> sorted(references({"array": ["$C", "$H"], "low": "$lo"}))
['C', 'H', 'lo']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from cnnquiz import draws
from cnnquiz.draws import references

__all__ = ["check", "references", "resolve"]

#: Each rule's model, by the key that names it (cnnquiz.draws.RULE_KEYS).
_MODELS: dict[str, type[BaseModel]] = {
    "value": draws.Fixed, "choices": draws.Choices, "range": draws.IntRange,
    "real": draws.Real, "ref": draws.Ref, "array": draws.Array,
}
#: What a rule's main key holds, for messages.
_EXPECTED = {"range": "[low, high]", "real": "[low, high]", "choices": "a non-empty list",
             "array": "a shape like [C, H, W]", "ref": "a variable name"}
_OLD_NAMES = {new: old for old, new in draws.ALIASES.items()}  # "decimals" -> "round", ...
_RULE_NAMES = "int, float, choice, array, value, ref, range, real, choices"  # the assignments' spellings first


def _fields(tag: str) -> list[str]:
    """The rule's keys in the order they are declared (the main key first)."""
    return [name for name in _MODELS[tag].model_fields if name != "kind"]


def _named(field: str, spec: Mapping[str, Any]) -> str:
    """``field`` as ``spec`` spells it (``decimals`` written as ``round``)."""
    return next((str(key) for key in spec if draws.ALIASES.get(str(key), str(key)) == field), field)


def _spelled(field: str) -> str:
    old = _OLD_NAMES.get(field)
    return f"{field} (or {old})" if old else field


def _rule(spec: Mapping[str, Any]) -> tuple[str, BaseModel]:
    """The rule ``spec`` writes and its tag; ``ValueError`` (one line, the user's keys) if it is none."""
    canonical = [draws.ALIASES.get(str(key), str(key)) for key in spec]
    twice = sorted({key for key in canonical if canonical.count(key) > 1})
    if twice:  # {int: ..., range: ...}: cnnquiz.draws would keep one of them silently
        raise ValueError(f"keys {sorted(map(str, spec))} give {twice[0]!r} twice (two spellings of one key)")
    tag = draws.rule_tag(spec)
    if tag == "ambiguous" or (tag == "value" and set(spec) != {"value"}):  # none, or several
        raise ValueError(f"a mapping must have exactly one rule key ({_RULE_NAMES}); got keys {sorted(map(str, spec))}")
    main = _named(tag, spec)
    unknown = sorted(str(key) for key in spec if draws.ALIASES.get(str(key), str(key)) not in _fields(tag))
    if unknown:
        allowed = ", ".join(_spelled(field) for field in _fields(tag)[1:]) or "none"
        raise ValueError(f"{main}: unknown option(s) {unknown} (allowed: {allowed})")
    try:
        return tag, draws.parse_rule(spec)
    except ValidationError as error:
        problem = error.errors(include_url=False)[0]
        field = str(problem["loc"][1]) if len(problem["loc"]) > 1 else ""  # loc[0] is the tag
        if field == tag and tag in _EXPECTED:
            raise ValueError(f"{main}: expected {_EXPECTED[tag]}; got {spec[main]!r}") from None
        message = problem["msg"].removeprefix("Value error, ")
        raise ValueError(f"{main}: {_named(field, spec)}: {message}" if field else f"{main}: {message}") from None


def _holds_rule(value: Any) -> bool:
    """Whether ``value`` has a rule inside (drawing it takes numbers from the generator)."""
    if isinstance(value, Mapping):
        return True
    return isinstance(value, list) and any(_holds_rule(item) for item in value)


def check(spec: Any) -> None:
    """Raise ``ValueError`` (one line saying what is wrong) unless ``spec`` is a valid value."""
    if spec is None or isinstance(spec, (bool, int, float, str)):
        return
    if isinstance(spec, list):
        for item in spec:
            check(item)
        return
    if not isinstance(spec, Mapping):
        raise ValueError(f"cannot draw a value from {spec!r}")
    tag, _ = _rule(spec)
    if tag != "value":  # a literal holds anything; elsewhere nested values must be valid too
        for value in spec.values():
            check(value)


def resolve(spec: Any, rng: np.random.Generator, env: Mapping[str, Any]) -> Any:
    """Draw the value that ``spec`` describes (``env`` holds the ``let:`` variables drawn so far).

    Raises
    ------
    ValueError
        ``spec`` is not a value, names a variable ``env`` does not have, or its bounds or
        shape are not what the rule needs (one line saying which).
    """
    if isinstance(spec, str) and spec.startswith("$"):
        return draws.parse_rule(spec).draw(rng, env)
    if spec is None or isinstance(spec, (bool, int, float, str)):
        return spec
    if isinstance(spec, list):
        return [resolve(item, rng, env) for item in spec]
    if not isinstance(spec, Mapping):
        raise ValueError(f"cannot draw a value from {spec!r}")
    tag, rule = _rule(spec)
    if tag in ("value", "ref") or not any(_holds_rule(value) for value in spec.values()):
        return rule.draw(rng, env)  # type: ignore[attr-defined]  # literals and "$name"s only
    # Values inside the rule first, in field order: the order the draws have always had.
    keys = [_named(field, spec) for field in _fields(tag) if _named(field, spec) in spec]
    drawn = {key: resolve(spec[key], rng, env) for key in keys}
    return _rule(drawn)[1].draw(rng, env)  # type: ignore[attr-defined]
