"""The drawn inputs of assignments as exact JSON, for the golden that pins them.

Students see the public tests (``cnnquiz check``, CI) and courses rely on hidden draws
staying the same between cnnquiz versions, so every drawn value is kept exactly: floats
by their shortest round-trip repr (``-0.0`` stays ``-0.0``), integers as integers,
arrays as their shape and flat values. The expected values are left out: they come from
the solver, which the solver's own tests pin.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from cnnquiz.grading.assignment import parse_assignment, resolve_assignment
from cnnquiz.grading.cases import build_cases
from cnnquiz.yamlfile import safe_load

GOLDEN = Path(__file__).parent / "golden" / "drawn_cases.json"
SECRET = "golden-secret"

#: Every generator of the assignments' language, nested in bounds, shapes and choices.
LANGUAGE_YAML = textwrap.dedent("""
    name: draw-language
    seed: "golden"
    functions:
      - signature: "sigmoid(x: array)"
        returns: array
        reference: sigmoid
        tests:
          - name: floats, rounded and not, as bounds and shapes
            count: 6
            let:
              m: {int: [1, 3]}
              lo: {float: [-3, 0], round: 1}
              hi: {float: [0.5, 3]}
              n: {choice: [1, {int: [2, 4]}, "$m"]}
            args:
              x: {array: [{int: [1, 3]}, "$n"], low: "$lo", high: "$hi", round: 2}
          - name: a list of drawn values
            count: 4
            let: {a: {float: [-1, 1], round: 0}}
            args:
              x: ["$a", {float: [-1, 1]}, {int: [-3, 3]}, {choice: [-0.5, 0.5]}, "$a"]
          - name: integer arrays
            count: 2
            args:
              x: {array: [2, {choice: [2, 3]}], low: -3, high: 3, integers: true}
      - signature: "conv2d_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0)"
        returns: integer
        reference: conv2d_output_size
        tests:
          - name: nested bounds
            count: 8
            let: {k: {int: [1, {int: [2, 5]}]}}
            args:
              size: {int: [{int: [8, 10]}, 64]}
              kernel_size: "$k"
              stride: {choice: [1, {choice: [2, 3]}]}
              padding: {int: [0, "$k"]}
""")


def _exact(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return {"dtype": str(value.dtype), "shape": list(value.shape), "values": value.ravel().tolist()}
    if isinstance(value, (list, tuple)):
        return [_exact(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _exact(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return {"numpy": type(value).__name__, "value": value.item()}
    return value


def drawn(assignment: Any, **options: Any) -> list[dict[str, Any]]:
    """Each case's name and drawn arguments (positional, then by keyword), exactly."""
    return [{"name": c.name, "public": c.public, "args": dict(zip(c.arg_names, _exact(list(c.args)))),
             "kwargs": _exact(c.kwargs)} for c in build_cases(assignment, **options)]


def all_drawn() -> dict[str, list[dict[str, Any]]]:
    """The shipped assignment without and with a course secret, and the language sampler."""
    cnn = resolve_assignment("cnn")
    language = parse_assignment(safe_load(LANGUAGE_YAML), source="draw-language.yaml")
    return {
        "cnn": drawn(cnn),
        "cnn, secret for alice": drawn(cnn, secret=SECRET, student="alice"),
        "draw-language": drawn(language),
    }

