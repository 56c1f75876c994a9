"""Pydantic models of a question-template file, and the checks pydantic cannot do alone.

A template file is YAML::

    templates:
      - id: conv-output-size-basic
        topic: output_size
        difficulty: 1
        kind: integer
        prompt: "A {size}x{size} image, a {k}x{k} kernel, padding {p}: output height?"
        params:
          size: {range: [5, 40]}
          k: {choices: [3, 5]}
          p: {range: [0, 2]}
        constraints:
          - {less_than: [p, k]}
        answer:
          computation: conv2d_output_size
          args: {size: size, kernel_size: k, padding: p}
        mistakes: [forgot_plus_one, padding_once]

Each parameter is drawn by exactly one rule (``value``, ``choices``, ``range``,
``real``, ``matrix``) or derived from earlier ones (``ref``, ``list``, ``record``,
``repeat``, ``product``, ``sum``, ``difference``, ``reshape``). A *reference* is a
string naming an earlier parameter; numbers (and lists, booleans, null) are
literals. Constraints are a small whitelist of named rules, never code.

:func:`semantic_problems` checks what the models cannot: references, placeholders,
computation and mistake keys. It returns ``(field, message)`` pairs.
"""

from __future__ import annotations

import string
from typing import Any, Iterator, List, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from cnnquiz import mistakes
from cnnquiz.bank.question import AnswerKind, Tolerance

__all__ = [
    "ParamSpec",
    "MatrixSpec",
    "NetworkLayerSpec",
    "RepeatSpec",
    "ReshapeSpec",
    "Constraint",
    "FitsExactly",
    "Part",
    "Transform",
    "Effect",
    "MatchOption",
    "AnswerSpec",
    "ChoiceOptions",
    "Template",
    "TemplateFile",
    "DRAW_RULES",
    "DERIVED_RULES",
    "CONSTRAINT_RULES",
    "FORMAT_SPECS",
    "semantic_problems",
]

_STRICT = ConfigDict(extra="forbid", frozen=True)

#: Rules that draw a value at random (or fix it).
DRAW_RULES = ("value", "choices", "range", "real", "matrix", "network_layer")
#: Rules that compute a value from parameters drawn earlier.
DERIVED_RULES = ("ref", "list", "record", "repeat", "product", "sum", "difference", "reshape")
#: The named constraints a template may use.
CONSTRAINT_RULES = (
    "less_than", "at_most", "not_equal", "distinct", "divides", "fits_exactly",
    "answer_at_least", "answer_at_most", "answer_multiple_of", "mistakes_distinct",
)
#: Format specs allowed after a placeholder name: ``{size:hxw}``.
FORMAT_SPECS = ("", "matrix", "hxw", "list", "int", "yesno")


def _exactly_one(model: BaseModel, names: tuple[str, ...], what: str) -> None:
    given = [name for name in names if getattr(model, name) is not None]
    if len(given) != 1:
        listed = ", ".join(names)
        found = ", ".join(given) if given else "none"
        raise ValueError(f"a {what} needs exactly one of: {listed} (found: {found})")


class MatrixSpec(BaseModel):
    """A small integer array: ``{shape: [1, 5, 5], range: [0, 3]}`` or ``choices: [-1, 0, 1]``."""

    model_config = _STRICT
    shape: list[Any] = Field(min_length=1, max_length=4)
    range: tuple[int, int] | None = None
    choices: list[float] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _one_source(self) -> "MatrixSpec":
        _exactly_one(self, ("range", "choices"), "matrix")
        if self.range is not None and self.range[0] > self.range[1]:
            raise ValueError(f"range must be [low, high] with low <= high; got {list(self.range)}")
        return self


class RepeatSpec(BaseModel):
    model_config = _STRICT
    item: Any
    times: Any


class ReshapeSpec(BaseModel):
    model_config = _STRICT
    of: str
    shape: list[Any] = Field(min_length=1, max_length=4)


class NetworkLayerSpec(BaseModel):
    """A layer of a network spec (shipped name like ``lenet5``, or a path), drawn among ``types``."""

    model_config = _STRICT
    network: str = Field(min_length=1)
    types: list[Literal["conv2d", "max_pool2d", "avg_pool2d", "linear"]] = Field(min_length=1)
    number: int | None = Field(None, ge=1)  # a fixed layer (1-based, counting every layer)


class ParamSpec(BaseModel):
    """How one parameter is drawn or derived (exactly one rule)."""

    model_config = _STRICT
    value: Any = None
    choices: list[Any] | None = Field(None, min_length=1)
    range: tuple[int, int] | None = None
    step: int = Field(1, ge=1)
    real: tuple[float, float] | None = None
    decimals: int = Field(1, ge=0, le=6)
    matrix: MatrixSpec | None = None
    network_layer: NetworkLayerSpec | None = None
    ref: str | None = None
    list_: List[Any] | None = Field(None, alias="list")
    record: dict[str, Any] | None = None
    repeat: RepeatSpec | None = None
    product: list[Any] | None = Field(None, min_length=1)
    sum: list[Any] | None = Field(None, min_length=1)
    difference: tuple[Any, Any] | None = None
    reshape: ReshapeSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _literal(cls, data: Any) -> Any:
        # A bare scalar is a fixed value: ``bias: true`` means ``bias: {value: true}``.
        if not isinstance(data, dict):
            return {"value": data}
        return data

    @model_validator(mode="after")
    def _one_rule(self) -> "ParamSpec":
        names = DRAW_RULES + DERIVED_RULES
        given = [n for n in names if self.get(n) is not None]
        if "value" in self.model_fields_set and "value" not in given:
            given.append("value")  # ``value: null`` is a fixed None
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            raise ValueError(f"a parameter needs exactly one of: {', '.join(names)} (found: {found})")
        if self.range is not None and self.range[0] > self.range[1]:
            raise ValueError(f"range must be [low, high] with low <= high; got {list(self.range)}")
        if self.real is not None and self.real[0] > self.real[1]:
            raise ValueError(f"real must be [low, high] with low <= high; got {list(self.real)}")
        return self

    def get(self, rule: str) -> Any:
        """The value of rule ``rule`` (``list`` is stored as ``list_``)."""
        return getattr(self, "list_" if rule == "list" else rule)

    @property
    def rule(self) -> str:
        for name in DRAW_RULES + DERIVED_RULES:
            if self.get(name) is not None:
                return name
        return "value"


class FitsExactly(BaseModel):
    """The kernel's last window ends exactly on the (padded) border: the stride divides evenly."""

    model_config = _STRICT
    size: Any
    kernel_size: Any
    stride: Any = 1
    padding: Any = 0
    dilation: Any = 1


class Constraint(BaseModel):
    """One named rule a draw must satisfy (exactly one field set)."""

    model_config = _STRICT
    less_than: tuple[Any, Any] | None = None
    at_most: tuple[Any, Any] | None = None
    not_equal: tuple[Any, Any] | None = None
    distinct: list[Any] | None = Field(None, min_length=2)
    divides: tuple[Any, Any] | None = None  # [a, b]: a divides b
    fits_exactly: FitsExactly | None = None
    answer_at_least: float | None = None
    answer_at_most: float | None = None
    answer_multiple_of: float | None = Field(None, gt=0)
    mistakes_distinct: bool | None = None  # every listed mistake applies and differs

    @model_validator(mode="after")
    def _one_rule(self) -> "Constraint":
        _exactly_one(self, CONSTRAINT_RULES, "constraint")
        return self

    @property
    def rule(self) -> str:
        return next(name for name in CONSTRAINT_RULES if getattr(self, name) is not None)


class Part(BaseModel):
    """One solver computation: a key of ``mistakes.COMPUTATIONS`` and its arguments."""

    model_config = _STRICT
    computation: str
    args: dict[str, Any] = {}


class Transform(BaseModel):
    """How the solver's value becomes the answer: squeeze -> layout -> pick, in that order."""

    model_config = _STRICT
    squeeze: bool = False  # drop leading axes of size 1 down to a matrix ((1, H, W) -> (H, W))
    layout: Literal["CHW", "HWC"] | None = None  # a (C, H, W) shape answered as H x W x C
    pick: list[Any] | None = Field(None, min_length=1)  # 1-based indices of one element


class Effect(BaseModel):
    """What a filter does to an image, for "what does this filter do?" questions."""

    model_config = _STRICT
    zero: bool | None = None
    identity: bool | None = None
    shift: tuple[int, int] | None = None  # content moves (down, right) by this many pixels
    scale: float | None = None

    @model_validator(mode="after")
    def _one_effect(self) -> "Effect":
        _exactly_one(self, ("zero", "identity", "shift", "scale"), "effect")
        return self


class MatchOption(BaseModel):
    model_config = _STRICT
    text: str = Field(min_length=1)
    effect: Effect


class AnswerSpec(BaseModel):
    """Where the answer comes from: one computation, or several parts combined."""

    model_config = _STRICT
    computation: str | None = None
    args: dict[str, Any] = {}
    parts: list[Part] | None = Field(None, min_length=2)
    combine: Literal["sum", "difference"] = "sum"
    transform: Transform = Transform()
    match: list[MatchOption] | None = Field(None, min_length=2)  # choice answers found by effect

    @model_validator(mode="after")
    def _one_source(self) -> "AnswerSpec":
        if (self.computation is None) == (self.parts is None):
            raise ValueError("an answer needs exactly one of: computation, parts")
        if self.parts is not None and self.args:
            raise ValueError("args belong inside each part when parts are given")
        return self

    def all_parts(self) -> list[Part]:
        if self.parts is not None:
            return list(self.parts)
        return [Part(computation=self.computation or "", args=self.args)]


class ChoiceOptions(BaseModel):
    """A concept question written by hand: the right option, distractors, explanation."""

    model_config = _STRICT
    correct: str = Field(min_length=1)
    distractors: list[str] = Field(min_length=1)
    explanation: str = Field(min_length=1)
    shuffle: bool = True
    feedback: dict[str, str] = {}  # distractor text -> why it is wrong


class Template(BaseModel):
    """One question template. ``source`` (the file) is set by the loader."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)
    topic: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)
    difficulty: int = Field(ge=1, le=3)
    kind: AnswerKind
    prompt: str = Field(min_length=1)
    params: dict[str, ParamSpec] = {}
    constraints: list[Constraint] = []
    answer: AnswerSpec | None = None
    options: ChoiceOptions | None = None
    mistakes: list[str] = []
    tolerance: Tolerance = Tolerance()
    shape_order: str | None = None  # e.g. "H x W x C"
    shuffle_choices: bool = True  # for computed choices (answer.match)
    prefer_distinct: bool = True  # redraw (a little) to make every listed mistake visible
    max_attempts: int = Field(200, ge=1, le=10_000)
    _source: str = PrivateAttr("")

    @property
    def source(self) -> str:
        return self._source

    def with_source(self, source: str) -> "Template":
        self._source = source
        return self


class TemplateFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    templates: list[Any] = Field(min_length=1)


# --- checks across fields ------------------------------------------------------------------

def _is_ref(value: Any) -> bool:
    return isinstance(value, str)


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


def _check_prompt(t: Template) -> Iterator[tuple[str, str]]:
    try:
        found = placeholders(t.prompt)
    except ValueError as error:
        yield "prompt", f"malformed placeholder: {error}"
        return
    for name, spec in found:
        if _head(name) not in t.params:
            yield "prompt", f"placeholder {{{name}}} is not a parameter (known: {', '.join(t.params) or 'none'})"
        if spec not in FORMAT_SPECS:
            yield "prompt", f"placeholder {{{name}:{spec}}}: unknown format (known: {', '.join(FORMAT_SPECS[1:])})"


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
