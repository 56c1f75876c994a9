"""Reading YAML files that users write: one-line errors naming the file and line
(bad YAML) or the field (a pydantic ``ValidationError``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml
from pydantic import ValidationError

from cnnquiz.errors import CnnquizError

__all__ = ["describe_yaml_error", "read_yaml", "validation_problems"]

# What pydantic puts before the message of a ValueError / assert raised in a validator.
_VALIDATOR_PREFIXES = ("Value error, ", "Assertion failed, ")


def describe_yaml_error(error: yaml.YAMLError) -> str:
    """``line 3: invalid YAML: mapping values are not allowed here`` (one line)."""
    mark = getattr(error, "problem_mark", None)
    line = f"line {mark.line + 1}: " if mark is not None else ""
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return f"{line}invalid YAML: {problem}"


def read_yaml(path: str | Path, error: type[CnnquizError]) -> Any:
    """``yaml.safe_load`` of a file; unreadable files and bad YAML raise ``error``."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        reason = getattr(problem, "strerror", None) or problem
        raise error(f"{source}: cannot read: {reason}") from None
    try:
        return yaml.safe_load(text)
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
