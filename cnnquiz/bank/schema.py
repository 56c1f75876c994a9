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
``real``, ``ref`` -- the draw language of :mod:`cnnquiz.draws`, shared with assignments --
or ``matrix``, ``network_layer``) or derived from earlier ones (``list``, ``record``,
``repeat``, ``product``, ``sum``, ``difference``, ``reshape``). A *reference* is a
string naming an earlier parameter; numbers (and lists, booleans, null) are
literals. Constraints are a small whitelist of named rules, never code.

:func:`cnnquiz.bank._checks.semantic_problems` checks what the models cannot:
references, placeholders, computation and mistake keys.
"""

from __future__ import annotations

from typing import Any, List, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from cnnquiz.bank.question import AnswerKind, Tolerance
from cnnquiz.draws import ALIASES, RULE_KEYS, parse_rule

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
    "Distractor",
    "Template",
    "TemplateFile",
    "DRAW_RULES",
    "DERIVED_RULES",
    "CONSTRAINT_RULES",
    "FORMAT_SPECS",
]

# defer_build: a bank served from the cache (cnnquiz.bank.cache) is unpickled, never
# validated, so a quiz need not build these validators at all (~5 ms).
_STRICT = ConfigDict(extra="forbid", frozen=True, defer_build=True)

#: Rules that draw a value at random (or fix it); the first four are cnnquiz.draws rules.
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
            raise ValueError(f"range must be low, high with low <= high; got {list(self.range)}")
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


_DRAW_KEYS = frozenset(RULE_KEYS) | {"step", "decimals", "low", "high", "integers"}


def _draw_part(data: dict[str, Any]) -> dict[str, Any] | None:
    """The keys of ``data`` that belong to a :mod:`cnnquiz.draws` rule (aliases included)."""
    keys = [k for k in data if ALIASES.get(str(k), str(k)) in _DRAW_KEYS]
    return {k: data[k] for k in keys} if keys else None


class ParamSpec(BaseModel):
    """How one parameter is drawn or derived (exactly one rule).

    The random rules (``value``, ``choices``, ``range``, ``real``, ``ref``, ``array``, and
    the assignments' ``int``, ``choice``, ``float``/``round``, ``"$name"``) are the one
    draw language of :mod:`cnnquiz.draws`, held in ``draw``; ``matrix`` and
    ``network_layer`` draw what only questions need; the others derive a value.
    """

    model_config = _STRICT
    draw: Any = None  # a cnnquiz.draws rule
    matrix: MatrixSpec | None = None
    network_layer: NetworkLayerSpec | None = None
    list_: List[Any] | None = Field(None, alias="list")
    record: dict[str, Any] | None = None
    repeat: RepeatSpec | None = None
    product: list[Any] | None = Field(None, min_length=1)
    sum: list[Any] | None = Field(None, min_length=1)
    difference: tuple[Any, Any] | None = None
    reshape: ReshapeSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _split(cls, data: Any) -> Any:
        # A bare scalar is a fixed value: ``bias: true`` means ``bias: {value: true}``.
        if not isinstance(data, dict):
            return {"draw": parse_rule(data)}
        if "draw" in data:
            return data
        part = _draw_part(data)
        if part is None:
            return data
        others = sorted(str(k) for k in data if k not in part)
        rule_keys = [ALIASES.get(str(k), str(k)) for k in part if ALIASES.get(str(k), str(k)) in RULE_KEYS]
        if len(rule_keys) != 1 or others:
            found = ", ".join(rule_keys + others) or "none"
            names = ", ".join(RULE_KEYS[:-1] + DRAW_RULES[4:] + DERIVED_RULES[1:])
            raise ValueError(f"a parameter needs exactly one of: {names} (found: {found})")
        try:
            return {"draw": parse_rule(part)}
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            loc = ".".join(str(key) for key in first["loc"][1:])  # loc[0] is the rule's tag
            message = first["msg"].removeprefix("Value error, ")
            raise ValueError(f"{loc}: {message}" if loc else message) from None

    @model_validator(mode="after")
    def _one_rule(self) -> "ParamSpec":
        given = [n for n in ("draw",) + DRAW_RULES[4:] + DERIVED_RULES[1:] if self.get(n) is not None]
        if len(given) != 1:
            names = ", ".join(RULE_KEYS[:-1] + DRAW_RULES[4:] + DERIVED_RULES[1:])
            raise ValueError(f"a parameter needs exactly one of: {names} (found: {', '.join(given) or 'none'})")
        return self

    def get(self, rule: str) -> Any:
        """The value of rule ``rule`` (``list`` is stored as ``list_``; a draw rule's main field)."""
        if rule in RULE_KEYS:
            return getattr(self.draw, rule, None) if self.rule == rule else None
        return getattr(self, "list_" if rule == "list" else rule)

    @property
    def rule(self) -> str:
        """``value``, ``choices``, ``range``, ``real``, ``ref``, ``array``, ``matrix``, ... (the key used)."""
        if self.draw is not None:
            return str(self.draw.kind)
        for name in DRAW_RULES[4:] + DERIVED_RULES[1:]:
            if self.get(name) is not None:
                return name
        return "value"  # pragma: no cover - _one_rule forbids it

    # The draw rule's fields, read as they were before the rules moved to cnnquiz.draws.
    value = property(lambda self: self.get("value"))
    choices = property(lambda self: self.get("choices"))
    range = property(lambda self: self.get("range"))
    real = property(lambda self: self.get("real"))
    ref = property(lambda self: self.get("ref"))
    step = property(lambda self: getattr(self.draw, "step", 1))
    decimals = property(lambda self: getattr(self.draw, "decimals", None))


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


class Distractor(BaseModel):
    """A wrong option of a concept question and why it is wrong (shown when it is picked)."""

    model_config = _STRICT
    text: str = Field(min_length=1)
    why: str = Field(min_length=1)


class ChoiceOptions(BaseModel):
    """A concept question written by hand: the right option, distractors, explanation.

    Each distractor is ``{text, why}`` (a bare string has no explanation of its own; ``bank
    validate`` warns about it). Every text may hold ``{placeholders}`` of the parameters.
    """

    model_config = _STRICT
    correct: str = Field(min_length=1)
    distractors: list[str | Distractor] = Field(min_length=1)
    explanation: str = Field(min_length=1)
    shuffle: bool = True

    def wrong(self) -> list[tuple[str, str]]:
        """``(text, why)`` of each distractor (``why`` is ``""`` for a bare string)."""
        return [(d, "") if isinstance(d, str) else (d.text, d.why) for d in self.distractors]


class Template(BaseModel):
    """One question template. ``source`` (the file) is set by the loader."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
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
    model_config = ConfigDict(extra="forbid", defer_build=True)
    templates: list[Any] = Field(min_length=1)
