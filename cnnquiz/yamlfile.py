"""Reading YAML files that users write: one-line errors naming the file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cnnquiz.errors import CnnquizError

__all__ = ["describe_yaml_error", "read_yaml"]


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
