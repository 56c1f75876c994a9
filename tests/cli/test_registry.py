"""The lazy command registry: every command is listed, loads, and --help stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from cnnquiz.cli import COMMANDS, app
from cnnquiz.cli._lazy import LazyCommand


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_registry_line_loads_its_command(name: str) -> None:
    group = typer.main.get_command(app)
    command = group.get_command(typer.Context(group), name)
    assert command is not None
    real = command.real() if isinstance(command, LazyCommand) else command
    assert real.name == name
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_every_registered_command_is_in_the_registry() -> None:
    # Import every command module: whatever registers on the app must have a line.
    for module in {module for module, _ in COMMANDS.values()}:
        __import__(f"cnnquiz.cli.{module}")
    registered = {info.name for info in app.registered_commands} | {
        info.name for info in app.registered_groups}
    assert registered == set(COMMANDS)


def test_help_imports_no_numpy_pydantic_or_grading() -> None:
    probe = (
        "import sys\n"
        "from cnnquiz.cli import main\n"
        "sys.argv = ['cnnquiz', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('numpy', 'cnnquiz.bank', 'cnnquiz.grading', 'cnnquiz.network', 'yaml')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert "quiz" in done.stdout and "grade" in done.stdout
    assert "HEAVY []" in done.stderr, done.stderr


def test_version_comes_from_the_package() -> None:
    import cnnquiz

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"cnnquiz {cnnquiz.__version__}"
