"""Where the shipped data lives (question bank, networks, assignments)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["shipped_data_dir", "shipped_templates_dir", "shipped_networks_dir", "shipped_assignments_dir"]


def shipped_data_dir() -> Path:
    """The ``question_bank/`` directory, installed as ``cnnquiz.question_bank``."""
    try:
        located = Path(str(resources.files("cnnquiz.question_bank")))
        if located.is_dir():
            return located
    except (ModuleNotFoundError, TypeError):
        pass
    # Running from a source checkout without installing.
    return Path(__file__).resolve().parent.parent / "question_bank"


def shipped_templates_dir() -> Path:
    return shipped_data_dir() / "templates"


def shipped_networks_dir() -> Path:
    return shipped_data_dir() / "networks"


def shipped_assignments_dir() -> Path:
    return shipped_data_dir() / "assignments"
