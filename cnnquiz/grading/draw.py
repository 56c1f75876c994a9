"""The little language that says how an assignment's test inputs are drawn.

A value in an assignment's ``let:`` or ``args:`` is one of

- a literal: a number, ``true``/``false``, ``null``, a string, or a list of values
  (nested lists of numbers are explicit arrays);
- ``"$name"``: the value of an earlier ``let:`` variable;
- a mapping with one generator key, and that generator's options:

  ============================================  =============================================
  ``{int: [lo, hi]}``                           an integer in ``lo..hi`` (both included)
  ``{float: [lo, hi], round: 2}``               a float in ``[lo, hi)``, optionally rounded
  ``{choice: [a, b, c]}``                       one of the listed values
  ``{array: [d0, d1, ...], low: -1, high: 1,    an array of that shape, uniform in
  integers: false, round: 3}``                  ``[low, high)``; with ``integers: true``
                                                whole numbers in ``low..high``
  ============================================  =============================================

Bounds, shapes and options may themselves be values (``{array: [$C, $H, $W]}``).
Drawing is deterministic: the caller passes a seeded ``numpy.random.Generator``.

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

from typing import Any, Mapping

import numpy as np

__all__ = ["GENERATORS", "MAX_ARRAY_SIZE", "check", "references", "resolve"]

#: generator key -> the option keys it accepts
GENERATORS: dict[str, tuple[str, ...]] = {
    "int": (),
    "float": ("round",),
    "choice": (),
    "array": ("low", "high", "integers", "round"),
}
MAX_ARRAY_SIZE = 100_000


def _generator(spec: Mapping[str, Any]) -> str:
    keys = [key for key in spec if key in GENERATORS]
    if len(keys) != 1:
        known = ", ".join(GENERATORS)
        raise ValueError(f"a mapping must have exactly one generator key ({known}); got keys {sorted(map(str, spec))}")
    name = keys[0]
    extra = sorted(str(k) for k in spec if k != name and k not in GENERATORS[name])
    if extra:
        allowed = ", ".join(GENERATORS[name]) or "none"
        raise ValueError(f"{name}: unknown option(s) {extra} (allowed: {allowed})")
    return name


def check(spec: Any) -> None:
    """Raise ``ValueError`` (saying what is wrong) unless ``spec`` is a valid value."""
    if spec is None or isinstance(spec, (bool, int, float, str)):
        return
    if isinstance(spec, list):
        for item in spec:
            check(item)
        return
    if not isinstance(spec, Mapping):
        raise ValueError(f"cannot draw a value from {spec!r}")
    name = _generator(spec)
    body = spec[name]
    if name in ("int", "float") and not (isinstance(body, list) and len(body) == 2):
        raise ValueError(f"{name}: expected [low, high]; got {body!r}")
    if name == "choice" and not (isinstance(body, list) and body):
        raise ValueError(f"choice: expected a non-empty list; got {body!r}")
    if name == "array" and not (isinstance(body, list) and body):
        raise ValueError(f"array: expected a shape like [C, H, W]; got {body!r}")
    for value in spec.values():
        check(value)


def references(spec: Any) -> set[str]:
    """The ``$name`` variables that ``spec`` uses."""
    if isinstance(spec, str):
        return {spec[1:]} if spec.startswith("$") else set()
    if isinstance(spec, list):
        return set().union(*(references(item) for item in spec)) if spec else set()
    if isinstance(spec, Mapping):
        return set().union(*(references(value) for value in spec.values())) if spec else set()
    return set()


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not float(value).is_integer():
        raise ValueError(f"{what} must be an integer; got {value!r}")
    return int(value)


def resolve(spec: Any, rng: np.random.Generator, env: Mapping[str, Any]) -> Any:
    """Draw the value that ``spec`` describes (``env`` holds the ``let:`` variables)."""
    if isinstance(spec, str) and spec.startswith("$"):
        try:
            return env[spec[1:]]
        except KeyError:
            raise ValueError(f"{spec}: no such variable (define it earlier under let:)") from None
    if spec is None or isinstance(spec, (bool, int, float, str)):
        return spec
    if isinstance(spec, list):
        return [resolve(item, rng, env) for item in spec]
    name = _generator(spec)
    body = resolve(spec[name], rng, env)
    options = {key: resolve(spec[key], rng, env) for key in GENERATORS[name] if key in spec}
    if name == "int":
        low, high = _int(body[0], "int low"), _int(body[1], "int high")
        if high < low:
            raise ValueError(f"int: high {high} is below low {low}")
        return int(rng.integers(low, high + 1))
    if name == "float":
        value = float(rng.uniform(float(body[0]), float(body[1])))
        return round(value, _int(options["round"], "round")) if "round" in options else value
    if name == "choice":
        return body[int(rng.integers(len(body)))]
    return _array(body, rng, options)


def _array(shape_spec: Any, rng: np.random.Generator, options: Mapping[str, Any]) -> np.ndarray:
    shape = tuple(_int(d, "array dimension") for d in shape_spec)
    if any(d < 1 for d in shape) or int(np.prod(shape)) > MAX_ARRAY_SIZE:
        raise ValueError(f"array: shape {shape} must have dimensions >= 1 and at most {MAX_ARRAY_SIZE} values")
    low, high = float(options.get("low", -1.0)), float(options.get("high", 1.0))
    if high < low:
        raise ValueError(f"array: high {high} is below low {low}")
    if options.get("integers", False):
        values = rng.integers(_int(low, "array low"), _int(high, "array high") + 1, size=shape)
        return values.astype(np.float64)
    values = rng.uniform(low, high, size=shape)
    if "round" in options:
        values = np.round(values, _int(options["round"], "round"))
    return values.astype(np.float64) + 0.0  # + 0.0 turns -0.0 into 0.0
