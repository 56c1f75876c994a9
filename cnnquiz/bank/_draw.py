"""Drawing a template's parameters with a seeded generator, and checking constraints.

Values are plain JSON-able Python (ints, floats, lists, dicts): they go into the
question's ``params`` unchanged.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Mapping

import numpy as np

from cnnquiz.bank._networks import network_layer
from cnnquiz.bank.schema import Constraint, ParamSpec, Template
from cnnquiz.computations import int_pair

__all__ = [
    "TemplateBug", "Rejected", "lookup", "resolve", "draw_params", "param_rejection", "plain",
    "case_params", "SMALL_DRAW_SPACE",
]

#: A ``range`` with at most this many values picks a *case* (like ``choices``), not a number.
SMALL_DRAW_SPACE = 13


class TemplateBug(Exception):
    """The template itself is wrong (not bad luck): ``field`` names where."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class Rejected(Exception):
    """This draw does not satisfy the template; draw again."""


def plain(value: Any) -> Any:
    """numpy scalars and arrays -> Python ints, floats and lists (recursively)."""
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def lookup(ref: str, values: Mapping[str, Any]) -> Any:
    """The value of ``name`` or of a field ``name.field`` (a copy)."""
    head, *fields = ref.split(".")
    value = values[head]
    for key in fields:
        if not isinstance(value, Mapping) or key not in value:
            raise TemplateBug(ref, f"parameter {head!r} has no field {key!r}")
        value = value[key]
    return copy.deepcopy(value)


def resolve(value: Any, values: Mapping[str, Any]) -> Any:
    """Strings are references to drawn parameters; ``{value: X}`` is the literal X."""
    if isinstance(value, str):
        return lookup(value, values)
    if isinstance(value, list):
        return [resolve(v, values) for v in value]
    if isinstance(value, tuple):
        return [resolve(v, values) for v in value]
    if isinstance(value, dict):
        if set(value) == {"value"}:
            return copy.deepcopy(value["value"])
        return {k: resolve(v, values) for k, v in value.items()}
    return value


def _number(value: Any, field: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TemplateBug(field, f"expected a number; got {value!r}")
    return value


def _dims(shape: list[Any], values: Mapping[str, Any], field: str) -> list[int]:
    dims = []
    for dim in resolve(shape, values):
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
            raise TemplateBug(field, f"dimensions must be integers >= 1; got {dim!r}")
        dims.append(dim)
    return dims


def _draw_one(name: str, spec: ParamSpec, rng: np.random.Generator, values: Mapping[str, Any]) -> Any:
    rule = spec.rule
    field = f"params.{name}.{rule}"
    if spec.draw is not None:  # the shared draw language (cnnquiz.draws)
        try:
            return plain(spec.draw.draw(rng, values))
        except ValueError as error:
            raise TemplateBug(field, str(error)) from None
    if rule == "matrix":
        m = spec.matrix
        assert m is not None
        dims = _dims(m.shape, values, f"params.{name}.matrix.shape")
        if m.range is not None:
            arr = rng.integers(m.range[0], m.range[1] + 1, size=dims)
        else:
            choices = np.asarray(m.choices, dtype=float)
            arr = choices[rng.integers(0, len(choices), size=dims)]
            if np.all(choices == np.round(choices)):
                arr = arr.astype(np.int64)
        return plain(arr)
    if rule == "network_layer":
        assert spec.network_layer is not None
        try:
            return network_layer(spec.network_layer, rng)
        except ValueError as error:
            raise TemplateBug(field, str(error)) from None
    return _derive(name, spec, values, field)


def _derive(name: str, spec: ParamSpec, values: Mapping[str, Any], field: str) -> Any:
    rule = spec.rule
    if rule in ("list", "record"):
        return resolve(spec.get(rule), values)
    if rule == "repeat":
        assert spec.repeat is not None
        times = resolve(spec.repeat.times, values)
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise TemplateBug(f"params.{name}.repeat.times", f"must be an integer >= 1; got {times!r}")
        return [resolve(spec.repeat.item, values) for _ in range(times)]
    if rule in ("product", "sum", "difference"):
        numbers = [_number(v, field) for v in resolve(list(spec.get(rule)), values)]
        if rule == "product":
            return math.prod(numbers)
        if rule == "sum":
            return sum(numbers)
        return numbers[0] - numbers[1]
    if rule == "reshape":
        assert spec.reshape is not None
        dims = _dims(spec.reshape.shape, values, f"params.{name}.reshape.shape")
        arr = np.asarray(values[spec.reshape.of])
        if arr.size != math.prod(dims):
            raise TemplateBug(f"params.{name}.reshape", f"cannot reshape {arr.shape} into {tuple(dims)}")
        return plain(arr.reshape(dims))
    raise TemplateBug(field, f"unknown rule {rule!r}")  # pragma: no cover - schema forbids it


def case_params(template: Template) -> list[str]:
    """The parameters that pick a case of the question: ``choices``, ``network_layer`` and
    small ``range`` rules (at most :data:`SMALL_DRAW_SPACE` values).

    Generation keeps these at their first valid draw while it looks for numbers that make
    every listed mistake visible, so each case comes up as often as its rule says (a
    symmetric kernel, a layer whose mistakes coincide, padding 0 ...), not only the cases
    where every mistake shows.
    """
    names = []
    for name, spec in template.params.items():
        if spec.rule in ("choices", "network_layer"):
            names.append(name)
        elif spec.rule == "range":
            values = spec.draw.values()
            if values is not None and len(values) <= SMALL_DRAW_SPACE:
                names.append(name)
    return names


def draw_params(
    template: Template, rng: np.random.Generator, keep: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Draw every parameter in declaration order (later ones may use earlier ones);
    the parameters in ``keep`` take the value given there instead."""
    values: dict[str, Any] = {}
    for name, spec in template.params.items():
        if keep is not None and name in keep:
            values[name] = copy.deepcopy(keep[name])
        else:
            values[name] = _draw_one(name, spec, rng, values)
    return values


# --- constraints on the parameters ------------------------------------------------------

def _fits(spec: Mapping[str, Any]) -> bool:
    if isinstance(spec["padding"], str):
        return True
    for axis in range(2):
        n, k = int_pair(spec["size"])[axis], int_pair(spec["kernel_size"])[axis]
        s, p, d = (int_pair(spec[key])[axis] for key in ("stride", "padding", "dilation"))
        span = n + 2 * p - d * (k - 1) - 1
        if span < 0 or span % s != 0:
            return False
    return True


def _check(c: Constraint, values: Mapping[str, Any]) -> bool:
    rule = c.rule
    raw = getattr(c, rule)
    if rule == "fits_exactly":
        return _fits(resolve(raw.model_dump(), values))
    args = resolve(list(raw), values)
    if rule == "less_than":
        return bool(args[0] < args[1])
    if rule == "at_most":
        return bool(args[0] <= args[1])
    if rule == "not_equal":
        return args[0] != args[1]
    if rule == "distinct":
        return all(a != b for i, a in enumerate(args) for b in args[i + 1:])
    if rule == "divides":
        return args[0] != 0 and args[1] % args[0] == 0
    raise AssertionError(rule)  # pragma: no cover


_PARAM_RULES = ("less_than", "at_most", "not_equal", "distinct", "divides", "fits_exactly")


def param_rejection(template: Template, values: Mapping[str, Any]) -> str | None:
    """Why the drawn parameters break a constraint (``constraints.i.rule``), or None."""
    for i, c in enumerate(template.constraints):
        if c.rule not in _PARAM_RULES:
            continue
        try:
            ok = _check(c, values)
        except (TypeError, ValueError, IndexError) as error:
            raise TemplateBug(f"constraints.{i}.{c.rule}", f"cannot be evaluated: {error}") from None
        if not ok:
            return f"constraints.{i}.{c.rule} not satisfied"
    return None
