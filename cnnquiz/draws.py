"""One language for random values: how question templates and assignments say "draw this".

Each rule is a pydantic model with a ``draw(rng, env)`` method, and :data:`DrawRule` is
their tagged union (the tag is the rule's key in YAML). The keys of both old languages
are accepted, so question templates and assignment files keep working unchanged:

=====================================  ======================================  ==========
rule (question templates)              alias (assignments)                     gives
=====================================  ======================================  ==========
``{value: x}`` or a bare literal       a bare literal                          ``x``
``{choices: [a, b, c]}``               ``{choice: [a, b, c]}``                 one of them
``{range: [lo, hi], step: 1}``         ``{int: [lo, hi]}``                     an integer, both ends included
``{real: [lo, hi], decimals: 1}``      ``{float: [lo, hi], round: 2}``         a float in [lo, hi), rounded
``{ref: name}``                        ``"$name"``                             an earlier value (a copy)
``{array: [d0, d1], low, high, ...}``  (the same)                              a float array
=====================================  ======================================  ==========

``real`` rounds to 1 decimal unless told; ``float`` does not round unless told (each
language's old default). Bounds, shapes and options may be references (``"$H"`` or
``{ref: H}``) when the caller passes ``env``; ``name.field`` reads a field of a record.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> rule = parse_rule({"int": [2, 4]})
>>> type(rule).__name__, rule.low, rule.high
('IntRange', 2, 4)
>>> 2 <= rule.draw(rng) <= 4
True
>>> parse_rule("$H").draw(rng, {"H": 7})
7
>>> parse_rule({"real": [-1, 1]}).decimals, parse_rule({"float": [-1, 1]}).decimals
(1, None)
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter, model_validator

__all__ = [
    "Fixed",
    "Choices",
    "IntRange",
    "Real",
    "Ref",
    "Array",
    "DrawRule",
    "RULE_KEYS",
    "ALIASES",
    "MAX_ARRAY_SIZE",
    "parse_rule",
    "references",
    "rule_tag",
    "lookup",
    "value_of",
]

MAX_ARRAY_SIZE = 100_000
#: The key that names each rule, and the older keys read as it.
RULE_KEYS = ("value", "choices", "range", "real", "ref", "array")
ALIASES = {"choice": "choices", "int": "range", "float": "real", "round": "decimals"}

_STRICT = ConfigDict(extra="forbid", frozen=True)


def lookup(name: str, env: Mapping[str, Any]) -> Any:
    """A copy of ``env[name]``, or of a field (``layer.in_channels``); KeyError if absent."""
    head, *fields = name.split(".")
    if head not in env:
        raise KeyError(f"{name}: no such value (only earlier ones can be used)")
    value = env[head]
    for key in fields:
        if not isinstance(value, Mapping) or key not in value:
            raise KeyError(f"{name}: {head!r} has no field {key!r}")
        value = value[key]
    return copy.deepcopy(value)


def references(spec: Any) -> set[str]:
    """The names a rule (or any value) reads: ``"$H"``, ``{ref: H}``, ``layer.in_channels``
    -> ``layer`` (for checking that only earlier values are used)."""
    if isinstance(spec, BaseModel):
        return references(spec.model_dump(exclude={"kind"}))
    if isinstance(spec, str):
        return {spec[1:].split(".")[0]} if spec.startswith("$") else set()
    if isinstance(spec, Mapping):
        if set(spec) == {"ref"}:
            return {str(spec["ref"]).split(".")[0]}
        if set(spec) == {"value"}:
            return set()  # a literal, whatever it holds
        return set().union(*(references(v) for v in spec.values())) if spec else set()
    if isinstance(spec, (list, tuple)):
        return set().union(*(references(v) for v in spec)) if spec else set()
    return set()


def value_of(spec: Any, env: Mapping[str, Any]) -> Any:
    """A bound or option: a literal, ``"$name"`` or ``{ref: name}`` looked up in ``env``."""
    if isinstance(spec, str) and spec.startswith("$"):
        return lookup(spec[1:], env)
    if isinstance(spec, Mapping) and set(spec) == {"ref"}:
        return lookup(str(spec["ref"]), env)
    if isinstance(spec, list):
        return [value_of(item, env) for item in spec]
    return spec


def _integer(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer)) or not float(value).is_integer():
        raise ValueError(f"{what} must be an integer; got {value!r}")
    return int(value)


class Fixed(BaseModel):
    """``{value: x}``: always ``x`` (a copy)."""

    model_config = _STRICT
    kind: Literal["value"] = Field("value", exclude=True)
    value: Any = None

    def draw(self, rng: np.random.Generator, env: Mapping[str, Any] | None = None) -> Any:
        return copy.deepcopy(self.value)


class Choices(BaseModel):
    """``{choices: [...]}`` (alias ``choice``): one of the listed values, each equally likely
    (list a value twice to make it twice as likely)."""

    model_config = _STRICT
    kind: Literal["choices"] = Field("choices", exclude=True)
    choices: list[Any] = Field(min_length=1)

    def draw(self, rng: np.random.Generator, env: Mapping[str, Any] | None = None) -> Any:
        return copy.deepcopy(value_of(self.choices[int(rng.integers(0, len(self.choices)))], env or {}))


class IntRange(BaseModel):
    """``{range: [lo, hi], step: s}`` (alias ``int``): ``lo, lo + s, ...`` up to ``hi``."""

    model_config = _STRICT
    kind: Literal["range"] = Field("range", exclude=True)
    range: tuple[Any, Any]
    step: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> "IntRange":
        if all(isinstance(b, (int, float)) for b in self.range) and self.range[0] > self.range[1]:
            raise ValueError(f"range must be low, high with low <= high; got {list(self.range)}")
        return self

    @property
    def low(self) -> Any:
        return self.range[0]

    @property
    def high(self) -> Any:
        return self.range[1]

    def values(self) -> list[int] | None:
        """Every value it can draw, when the bounds are literals."""
        if not all(isinstance(b, int) for b in self.range):
            return None
        return list(range(self.range[0], self.range[1] + 1, self.step))

    def draw(self, rng: np.random.Generator, env: Mapping[str, Any] | None = None) -> int:
        low = _integer(value_of(self.range[0], env or {}), "range low")
        high = _integer(value_of(self.range[1], env or {}), "range high")
        if high < low:
            raise ValueError(f"range: high {high} is below low {low}")
        return low + self.step * int(rng.integers(0, (high - low) // self.step + 1))


class Real(BaseModel):
    """``{real: [lo, hi], decimals: d}`` (alias ``{float: [lo, hi], round: d}``): uniform
    in ``[lo, hi)``, rounded to ``d`` decimals (``None``: not rounded); never ``-0.0``."""

    model_config = _STRICT
    kind: Literal["real"] = Field("real", exclude=True)
    real: tuple[Any, Any]
    decimals: int | None = Field(1, ge=0, le=12)

    @model_validator(mode="after")
    def _ordered(self) -> "Real":
        if all(isinstance(b, (int, float)) for b in self.real) and self.real[0] > self.real[1]:
            raise ValueError(f"real must be low, high with low <= high; got {list(self.real)}")
        return self

    def draw(self, rng: np.random.Generator, env: Mapping[str, Any] | None = None) -> float:
        low, high = (float(value_of(b, env or {})) for b in self.real)
        value = float(rng.uniform(low, high))
        if self.decimals is not None:
            value = round(value, self.decimals)
        return 0.0 if value == 0 else value


class Ref(BaseModel):
    """``{ref: name}`` (alias ``"$name"``): a copy of an earlier value (or of its field)."""

    model_config = _STRICT
    kind: Literal["ref"] = Field("ref", exclude=True)
    ref: str = Field(min_length=1)

    def draw(self, rng: np.random.Generator, env: Mapping[str, Any] | None = None) -> Any:
        try:
            return lookup(self.ref, env or {})
        except KeyError as error:
            raise ValueError(str(error).strip("'\"")) from None


class Array(BaseModel):
    """``{array: [d0, d1, ...], low: -1, high: 1, integers: false, round: null}``: a float64
    array of that shape, uniform in ``[low, high)`` (whole numbers in ``low..high`` with
    ``integers``), at most :data:`MAX_ARRAY_SIZE` values."""

    model_config = _STRICT
    kind: Literal["array"] = Field("array", exclude=True)
    array: list[Any] = Field(min_length=1)
    low: Any = -1.0
    high: Any = 1.0
    integers: bool = False
    decimals: int | None = Field(None, ge=0, le=12)

    def draw(self, rng: np.random.Generator, env: Mapping[str, Any] | None = None) -> np.ndarray:
        env = env or {}
        shape = tuple(_integer(value_of(d, env), "array dimension") for d in self.array)
        if any(d < 1 for d in shape) or math.prod(shape) > MAX_ARRAY_SIZE:
            raise ValueError(f"array: shape {shape} must have dimensions >= 1 and at most {MAX_ARRAY_SIZE} values")
        low, high = float(value_of(self.low, env)), float(value_of(self.high, env))
        if high < low:
            raise ValueError(f"array: high {high} is below low {low}")
        if self.integers:
            values = rng.integers(_integer(low, "array low"), _integer(high, "array high") + 1, size=shape)
            return values.astype(np.float64)
        drawn = rng.uniform(low, high, size=shape)
        if self.decimals is not None:
            drawn = np.round(drawn, self.decimals)
        return drawn.astype(np.float64) + 0.0  # + 0.0 turns -0.0 into 0.0


def rule_tag(data: Any) -> str:
    """Which rule ``data`` is written in: its key (aliases resolved), ``ref`` for
    ``"$name"``, ``value`` for any other literal."""
    if isinstance(data, BaseModel):
        return str(getattr(data, "kind", "value"))
    if isinstance(data, str) and data.startswith("$"):
        return "ref"
    if not isinstance(data, Mapping):
        return "value"
    keys = [ALIASES.get(str(k), str(k)) for k in data]
    found = [k for k in RULE_KEYS if k in keys]
    return found[0] if len(found) == 1 else "value" if not found else "ambiguous"


def _canonical(data: Any) -> Any:
    """Old keys -> the rule's own keys (``int`` -> ``range``, ``round`` -> ``decimals``, ...)."""
    if isinstance(data, str) and data.startswith("$"):
        return {"ref": data[1:]}
    if not isinstance(data, Mapping):
        return {"value": data}
    out = {ALIASES.get(str(k), str(k)): v for k, v in data.items()}
    if "float" in data and "round" not in data:
        out["decimals"] = None  # an assignment's float is not rounded unless told
    if rule_tag(data) == "value" and set(out) - {"value"}:
        return {"value": dict(data)}  # a plain mapping is a literal
    return out


def _tagged(data: Any) -> str:
    return rule_tag(data)


DrawRule = Annotated[
    Union[
        Annotated[Fixed, Tag("value")],
        Annotated[Choices, Tag("choices")],
        Annotated[IntRange, Tag("range")],
        Annotated[Real, Tag("real")],
        Annotated[Ref, Tag("ref")],
        Annotated[Array, Tag("array")],
    ],
    Discriminator(_tagged),
]
"""Any one rule, chosen by its key (see the module docstring)."""


@functools.cache
def _adapter() -> TypeAdapter[Any]:
    """Built at first use: a bank served from its cache never parses a rule (~5 ms)."""
    return TypeAdapter(DrawRule)


def parse_rule(data: Any) -> Fixed | Choices | IntRange | Real | Ref | Array:
    """The rule ``data`` describes, in either language (pydantic ``ValidationError`` if malformed)."""
    if isinstance(data, BaseModel):
        return data  # type: ignore[return-value]
    if rule_tag(data) == "ambiguous":
        keys = ", ".join(sorted(str(k) for k in data))
        raise ValueError(f"a value needs exactly one rule of: {', '.join(RULE_KEYS)} (found: {keys})")
    return _adapter().validate_python(_canonical(data))
