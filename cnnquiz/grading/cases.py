"""Test cases of an assignment: drawn inputs, the reference answer, the mistakes' values.

Drawing is deterministic: each draw gets its own ``numpy.random.Generator`` seeded from
``sha256(seed, function, group name, draw number)``, so adding a group or making one
public never changes the others, and every machine draws the same tests. With a course
secret (:mod:`cnnquiz.grading.secret`) the hidden draws are seeded from
``sha256("hidden", secret, student id, seed, function, group name, draw number)``:
different for every student, unknowable without the secret; public draws never change.
The expected values (and the values of the mistakes to diagnose) are computed here, in
the grader's process: they never reach the student's process.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cnnquiz import mistakes
from cnnquiz.errors import BankError
from cnnquiz.grading import draw
from cnnquiz.grading.assignment import ArgKind, Assignment, FunctionSpec, Param, ReturnKind, TestGroup, Tolerance

__all__ = ["TestCase", "build_cases", "draw_seed"]


@dataclass(frozen=True)
class TestCase:
    """One call of a student function and what it must return."""

    __test__ = False  # not a pytest class

    name: str
    function: str
    public: bool
    points: float
    arg_names: tuple[str, ...]  # the names of the positional arguments
    args: tuple[Any, ...]  # passed positionally (arrays as float64 ndarrays)
    kwargs: dict[str, Any]  # passed by keyword (arguments after a left-out default)
    computation: str
    params: dict[str, Any]  # the reference computation's parameters
    expected: Any  # int, list[int], float or float64 ndarray (see ``returns``)
    returns: ReturnKind
    tolerance: Tolerance
    mistaken: dict[str, Any] = field(default_factory=dict)  # mistake key -> its value here

    @property
    def arguments(self) -> list[tuple[str, bool, Any]]:
        """``(name, passed by keyword, value)`` in call order, for display."""
        positional = [(name, False, value) for name, value in zip(self.arg_names, self.args)]
        return positional + [(name, True, value) for name, value in self.kwargs.items()]

    def call(self) -> Any:
        """The sandbox :class:`Call` for this test."""
        from cnnquiz.grading.sandbox import ArrayArg, Call

        def wrap(value: Any) -> Any:
            return ArrayArg(value) if isinstance(value, np.ndarray) else value

        return Call(self.function, tuple(wrap(v) for v in self.args), {k: wrap(v) for k, v in self.kwargs.items()})


def draw_seed(*parts: str) -> int:
    """A 64-bit seed from strings, the same on every machine and Python version."""
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def _convert(param: Param, value: Any) -> Any:
    """The drawn value as the student receives it (arrays become float64 ndarrays)."""
    if value is None:
        return None
    kind = param.kind
    if kind is ArgKind.ARRAY:
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{param.name} must be an array of numbers; got {value!r}") from None
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{param.name} must be finite")
        return array
    if kind is ArgKind.INT:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer():
            raise ValueError(f"{param.name} must be an integer; got {value!r}")
        return int(value)
    if kind is ArgKind.FLOAT:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{param.name} must be a number; got {value!r}")
        return float(value)
    if kind is ArgKind.BOOL:
        if not isinstance(value, bool):
            raise ValueError(f"{param.name} must be true or false; got {value!r}")
        return value
    return np.asarray(value, dtype=np.float64) if isinstance(value, np.ndarray) else value


def _normalize(kind: ReturnKind, value: Any) -> Any:
    if kind is ReturnKind.INTEGER:
        if isinstance(value, (bool, np.bool_)) or not float(value).is_integer():
            raise ValueError(f"the reference gave {value!r}, not an integer")
        return int(value)
    if kind is ReturnKind.SHAPE:
        return [int(v) for v in value]
    if kind is ReturnKind.NUMBER:
        return float(value)
    return np.asarray(value, dtype=np.float64)


def _one_case(assignment: Assignment, function: FunctionSpec, group: TestGroup, draw_index: int,
              hidden_key: tuple[str, ...]) -> TestCase:
    parts = (assignment.seed or assignment.name, function.name, group.name, str(draw_index))
    rng = np.random.default_rng(draw_seed(*(parts if group.public else (*hidden_key, *parts))))
    env: dict[str, Any] = {}
    for key, spec in group.let.items():
        env[key] = draw.resolve(spec, rng, env)
    given = {p.name: _convert(p, draw.resolve(group.args[p.name], rng, env)) for p in function.params if p.name in group.args}
    arg_names: list[str] = []
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for param in function.params:
        if param.name not in given:
            continue
        if kwargs or len(args) < [p.name for p in function.params].index(param.name):
            kwargs[param.name] = given[param.name]
        else:
            arg_names.append(param.name)
            args.append(given[param.name])
    renamed = {student: target for target, student in function.reference.params.items()}
    params: dict[str, Any] = {}
    for param in function.params:
        if param.name in given or param.has_default:
            params[renamed.get(param.name, param.name)] = given.get(param.name, param.default)
    params.update(function.reference.fixed)
    computation = function.reference.computation
    with np.errstate(all="ignore"):
        expected = _normalize(function.returns, mistakes.compute(computation, params))
        mistaken = mistakes.mistaken_values(computation, params, function.diagnose) if function.diagnose else {}
    suffix = f" #{draw_index + 1}" if group.count > 1 else ""
    return TestCase(
        name=f"{function.name}: {group.name}{suffix}",
        function=function.name,
        public=group.public,
        points=float(function.points if group.points is None else group.points),
        arg_names=tuple(arg_names),
        args=tuple(args),
        kwargs=kwargs,
        computation=computation,
        params=params,
        expected=expected,
        returns=function.returns,
        tolerance=function.tolerance or assignment.tolerance,
        mistaken=mistaken,
    )


def build_cases(assignment: Assignment, *, public_only: bool = False, secret: str | None = None,
                student: str = "") -> list[TestCase]:
    """Every test of ``assignment`` (only the public ones with ``public_only``), in file order.

    With a course ``secret``, the hidden tests are drawn for ``student`` from it; without
    one, from the assignment's seed alone (the same for everyone).

    Raises
    ------
    BankError
        When a drawn input is invalid or the reference rejects it (names the file,
        the function and the test group).
    """
    hidden_key = ("hidden", secret, student) if secret is not None else ()
    cases = []
    for index, function in enumerate(assignment.functions):
        for group in function.tests:
            if public_only and not group.public:
                continue
            for draw_index in range(group.count):
                try:
                    cases.append(_one_case(assignment, function, group, draw_index, hidden_key))
                except (ValueError, TypeError, KeyError, IndexError) as error:
                    where = f"functions.{index} ({function.name}): tests[{group.name!r}] draw {draw_index + 1}"
                    raise BankError(f"{assignment.source}: {where}: {error}") from None
    return cases
