"""Reading YAML files that users write: one-line errors naming the file and line
(bad YAML) or the field (a pydantic ``ValidationError``).

Parsing uses libyaml's C loaders (``yaml.CSafeLoader``, ``yaml.CBaseLoader``) when
PyYAML was built with them -- about ten times faster on the shipped bank -- and the
pure-Python loaders otherwise; both build the same values and both report the line
of a syntax error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml
from pydantic import ValidationError

from cnnquiz.errors import CnnquizError

__all__ = [
    "describe_yaml_error",
    "read_yaml",
    "safe_load",
    "strings_load",
    "validation_problems",
    "SAFE_LOADER",
    "STRINGS_LOADER",
]

#: The loader of :func:`safe_load`: libyaml's when present, else PyYAML's pure one.
SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: The loader of :func:`strings_load` (every scalar a string, as typed).
STRINGS_LOADER: type = getattr(yaml, "CBaseLoader", yaml.BaseLoader)

# What pydantic puts before the message of a ValueError / assert raised in a validator.
_VALIDATOR_PREFIXES = ("Value error, ", "Assertion failed, ")


def describe_yaml_error(error: yaml.YAMLError) -> str:
    """``line 3: invalid YAML: mapping values are not allowed here`` (one line)."""
    mark = getattr(error, "problem_mark", None)
    line = f"line {mark.line + 1}: " if mark is not None else ""
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return f"{line}invalid YAML: {problem}"


def safe_load(text: str, *, loader: type | None = None) -> Any:
    """``yaml.safe_load`` through :data:`SAFE_LOADER` (or ``loader``, e.g. for tests)."""
    return yaml.load(text, Loader=loader or SAFE_LOADER)  # noqa: S506 - a safe loader


def strings_load(text: str, *, loader: type | None = None) -> Any:
    """YAML with every scalar kept as the string typed (answer sheets: ``0.50`` stays ``"0.50"``)."""
    return yaml.load(text, Loader=loader or STRINGS_LOADER)  # noqa: S506 - no tags are built


def read_yaml(path: str | Path, error: type[CnnquizError]) -> Any:
    """:func:`safe_load` of a file; unreadable files and bad YAML raise ``error``."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        reason = getattr(problem, "strerror", None) or problem
        raise error(f"{source}: cannot read: {reason}") from None
    try:
        return safe_load(text)
    except yaml.YAMLError as problem:
        raise error(f"{source}: {describe_yaml_error(problem)}") from None


def validation_problems(error: ValidationError, messages: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """``(dotted.loc, message)`` for each error of ``error``, in pydantic's order.

    The location is ``""`` for the top level; a validator's message loses pydantic's
    ``Value error, `` prefix. ``messages`` replaces the message of an error type
    (e.g. ``{"extra_forbidden": "unknown field"}``).
    """
    problems = []
    for item in error.errors(include_url=False):
        loc = ".".join(str(part) for part in item["loc"])
        msg = (messages or {}).get(item["type"], item["msg"])
        for prefix in _VALIDATOR_PREFIXES:
            if msg.startswith(prefix):
                msg = msg[len(prefix):]
                break
        problems.append((loc, msg))
    return problems
