"""Code assignments as data: the YAML models, their validation and loading.

An assignment file (``question_bank/assignments/cnn.yaml`` is the default) lists the
functions a student writes. For each function it says

- ``signature``: its Python signature, with the kind of each argument as annotation
  (``array``, ``int``, ``float``, ``bool``, ``any``) and the defaults the student must use,
  e.g. ``"max_pool2d(x: array, kernel_size: int, stride: int = None)"``;
- ``returns``: ``integer`` (compared exactly), ``shape`` (a list of integers, exactly),
  ``number`` or ``array`` (within ``tolerance``);
- ``points``: the points of each of its tests (a test group may override them);
- ``reference``: a key of :data:`cnnquiz.mistakes.COMPUTATIONS`, or
  ``{computation, params: {its_param: student_arg}, fixed: {its_param: value}}``;
- ``diagnose``: which of that computation's mistakes to name when a value is wrong;
- ``tests``: groups of tests, each ``public`` (run by ``cnnquiz check`` and ``grade``) or
  hidden (``grade`` only), drawn ``count`` times from ``let:`` variables and ``args:``
  values in the one draw language of :mod:`cnnquiz.draws` (``{int: [lo, hi]}``,
  ``{float: ..., round: 2}``, ``{choice: [...]}``, ``{array: [...]}``, ``"$name"``, or the
  question bank's ``range``, ``real``, ``choices``, ``ref``, ``value``), nested as
  :mod:`cnnquiz.grading.draw` describes.

Top level: ``name``, ``title``, ``module`` (the student file, ``cnn`` for ``cnn.py``),
``seed`` (a string; change it to draw other hidden tests), ``secret_file`` (a file, relative
to the assignment, holding the course secret from which hidden tests are drawn per student;
see :mod:`cnnquiz.grading.secret`), ``tolerance``, ``limits`` (the
sandbox's per-call limits) and ``forbidden_imports``.
"""

from __future__ import annotations

import ast
import enum
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from cnnquiz import __version__, mistakes
from cnnquiz.errors import BankError
from cnnquiz.grading import draw
from cnnquiz.grading.sandbox.scan import parse_python
from cnnquiz.paths import shipped_assignments_dir
from cnnquiz.yamlfile import read_yaml, validation_problems

__all__ = [
    "ArgKind",
    "ReturnKind",
    "Param",
    "Tolerance",
    "Reference",
    "TestGroup",
    "FunctionSpec",
    "LimitsSpec",
    "Assignment",
    "parse_signature",
    "parse_assignment",
    "load_assignment",
    "resolve_assignment",
    "shipped_assignments",
    "DEFAULT_ASSIGNMENT",
]

DEFAULT_ASSIGNMENT = "cnn"


class ArgKind(str, enum.Enum):
    ARRAY = "array"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    ANY = "any"


class ReturnKind(str, enum.Enum):
    INTEGER = "integer"
    SHAPE = "shape"
    NUMBER = "number"
    ARRAY = "array"


@dataclass(frozen=True)
class Param:
    """One argument of a student function."""

    name: str
    kind: ArgKind
    has_default: bool = False
    default: Any = None


def parse_signature(text: str) -> tuple[str, tuple[Param, ...]]:
    """``"f(x: array, k: int = 2)"`` -> ``("f", (Param(x, ARRAY), Param(k, INT, True, 2)))``.

    >>> name, params = parse_signature("pool(x: array, kernel_size: int, stride: int = None)")
    >>> name, [(p.name, p.kind.value, p.has_default, p.default) for p in params]
    ('pool', [('x', 'array', False, None), ('kernel_size', 'int', False, None), ('stride', 'int', True, None)])
    """
    try:
        tree = parse_python(f"def {text.strip()}: pass")
        func = tree.body[0]
        assert isinstance(func, ast.FunctionDef) and len(tree.body) == 1
    except (SyntaxError, AssertionError):
        raise ValueError(f"signature {text!r} is not of the form name(arg: kind, arg: kind = default)") from None
    args = func.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
        raise ValueError(f"signature {text!r}: only plain arguments are supported (no *, **, /)")
    first_default = len(args.args) - len(args.defaults)
    params = []
    for index, arg in enumerate(args.args):
        kind = ArgKind.ANY
        if arg.annotation is not None:
            label = ast.unparse(arg.annotation)
            try:
                kind = ArgKind(label)
            except ValueError:
                known = ", ".join(k.value for k in ArgKind)
                raise ValueError(f"signature {text!r}: argument {arg.arg!r} has unknown kind {label!r} (known: {known})") from None
        if index >= first_default:
            node = args.defaults[index - first_default]
            try:
                default = ast.literal_eval(node)
            except ValueError:
                raise ValueError(f"signature {text!r}: the default of {arg.arg!r} must be a literal") from None
            params.append(Param(arg.arg, kind, True, default))
        else:
            params.append(Param(arg.arg, kind))
    return func.name, tuple(params)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Tolerance(_Model):
    """``|got - expected| <= atol + rtol * |expected|``, elementwise."""

    rtol: float = Field(1e-6, ge=0)
    atol: float = Field(1e-8, ge=0)


class Reference(_Model):
    computation: str
    params: dict[str, str] = {}  # computation parameter -> student argument (when names differ)
    fixed: dict[str, Any] = {}  # computation parameter -> constant


class TestGroup(_Model):
    __test__ = False  # not a pytest class

    name: str = Field(min_length=1)
    public: bool = False
    count: int = Field(1, ge=1, le=1000)
    points: float | None = Field(None, ge=0)
    let: dict[str, Any] = {}
    args: dict[str, Any] = {}

    @field_validator("let", "args")
    @classmethod
    def _values_drawable(cls, values: dict[str, Any]) -> dict[str, Any]:
        for key, spec in values.items():
            try:
                draw.check(spec)
            except ValueError as error:
                raise ValueError(f"{key}: {error}") from None
        return values


class FunctionSpec(_Model):
    signature: str
    returns: ReturnKind
    points: float = Field(1.0, ge=0)
    reference: Reference
    tolerance: Tolerance | None = None
    diagnose: list[str] = []
    tests: list[TestGroup] = Field(min_length=1)

    _name: str = PrivateAttr("")
    _params: tuple[Param, ...] = PrivateAttr(())

    @field_validator("reference", mode="before")
    @classmethod
    def _reference_by_name(cls, value: Any) -> Any:
        return {"computation": value} if isinstance(value, str) else value

    @property
    def name(self) -> str:
        return self._name

    @property
    def params(self) -> tuple[Param, ...]:
        return self._params

    @model_validator(mode="after")
    def _consistent(self) -> "FunctionSpec":
        self._name, self._params = parse_signature(self.signature)
        names = [p.name for p in self._params]
        computation = self.reference.computation
        if computation not in mistakes.COMPUTATIONS:
            known = ", ".join(sorted(mistakes.COMPUTATIONS))
            raise ValueError(f"reference: unknown computation {computation!r} (known: {known})")
        known_mistakes = mistakes.COMPUTATIONS[computation].mistakes
        for key in self.diagnose:
            if key not in known_mistakes:
                raise ValueError(
                    f"diagnose: {key!r} is not a mistake of {computation} (known: {', '.join(known_mistakes) or 'none'})"
                )
        for target, source in self.reference.params.items():
            if source not in names:
                raise ValueError(f"reference.params.{target}: {source!r} is not an argument of {self._name}")
        seen: set[str] = set()
        for group in self.tests:
            if group.name in seen:
                raise ValueError(f"tests: two groups are named {group.name!r}")
            seen.add(group.name)
            _check_group(group, self._params)
        return self


def _check_group(group: TestGroup, params: tuple[Param, ...]) -> None:
    where = f"tests[{group.name!r}]"
    names = {p.name for p in params}
    unknown = sorted(set(group.args) - names)
    if unknown:
        raise ValueError(f"{where}: unknown argument(s) {unknown} (the signature has {sorted(names)})")
    missing = [p.name for p in params if not p.has_default and p.name not in group.args]
    if missing:
        raise ValueError(f"{where}: missing required argument(s) {missing}")
    defined: set[str] = set()
    for key, spec in group.let.items():
        undefined = sorted(draw.references(spec) - defined)
        if undefined:
            raise ValueError(f"{where}: let.{key} uses undefined variable(s) {undefined}")
        defined.add(key)
    for key, spec in group.args.items():
        undefined = sorted(draw.references(spec) - defined)
        if undefined:
            raise ValueError(f"{where}: args.{key} uses undefined variable(s) {undefined}")


class LimitsSpec(_Model):
    """Per-call sandbox limits; unset ones keep the sandbox's defaults."""

    call_timeout_s: float | None = Field(None, gt=0)
    cpu_s: float | None = Field(None, gt=0)
    memory_mb: int | None = Field(None, ge=256)
    file_size_mb: int | None = Field(None, ge=0)
    nproc: int | None = Field(None, ge=1)
    output_bytes: int | None = Field(None, ge=0)
    result_bytes: int | None = Field(None, ge=1024)

    def to_limits(self, **override: Any) -> Any:
        """The sandbox's ``Limits`` with these values (and ``override``) set."""
        from cnnquiz.grading.sandbox import Limits

        values = {key: value for key, value in self.model_dump().items() if value is not None}
        values.update({key: value for key, value in override.items() if value is not None})
        return Limits(**values)


class Assignment(_Model):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title: str = ""
    module: str = Field(DEFAULT_ASSIGNMENT, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    seed: str = ""
    secret_file: str | None = Field(None, min_length=1)  # the course secret, relative to this file
    tolerance: Tolerance = Tolerance()
    limits: LimitsSpec = LimitsSpec()
    forbidden_imports: list[str] = ["cnnquiz", "torch", "tensorflow", "jax"]
    functions: list[FunctionSpec] = Field(min_length=1)

    _source: str = PrivateAttr("<memory>")

    @model_validator(mode="after")
    def _unique_functions(self) -> "Assignment":
        seen: set[str] = set()
        for function in self.functions:
            if function.name in seen:
                raise ValueError(f"functions: {function.name!r} is listed twice")
            seen.add(function.name)
        return self

    @property
    def source(self) -> str:
        """The file this assignment was read from (for error messages)."""
        return self._source

    @property
    def filename(self) -> str:
        """The student's file, e.g. ``cnn.py``."""
        return f"{self.module}.py"

    def function(self, name: str) -> FunctionSpec:
        for function in self.functions:
            if function.name == name:
                return function
        raise KeyError(name)

    def digest(self) -> str:
        """sha256 of everything that decides a grade (content and cnnquiz version)."""
        text = f"cnnquiz {__version__}\n{self.model_dump_json()}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_assignment(data: Any, *, source: str = "<memory>") -> Assignment:
    """Validate already-loaded YAML data; errors become one-line :class:`BankError`."""
    try:
        assignment = Assignment.model_validate(data)
    except ValidationError as error:
        lines = [f"{source}: {loc or '(top level)'}: {msg}" for loc, msg in validation_problems(error)]
        raise BankError("; ".join(lines)) from None
    assignment._source = source
    return assignment


def load_assignment(path: str | Path) -> Assignment:
    """Read and validate an assignment YAML file."""
    source = Path(path)
    return parse_assignment(read_yaml(source, BankError), source=str(source))


def shipped_assignments() -> dict[str, Path]:
    """The assignments shipped with cnnquiz, by file stem."""
    folder = shipped_assignments_dir()
    return {path.stem: path for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])}


def resolve_assignment(name_or_path: str | Path | None = None) -> Assignment:
    """Load a shipped assignment by name (default ``cnn``) or an assignment file by path."""
    if name_or_path is None:
        name_or_path = DEFAULT_ASSIGNMENT
    path = Path(name_or_path)
    if path.is_file():
        return load_assignment(path)
    shipped = shipped_assignments()
    if str(name_or_path) in shipped:
        return load_assignment(shipped[str(name_or_path)])
    names = ", ".join(shipped) or "none"
    raise BankError(f"{name_or_path}: no such file, and not a shipped assignment (shipped: {names})")
