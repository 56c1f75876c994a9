"""Commands that import their module only when they run.

``cnnquiz --help`` lists every command from the registry in ``cnnquiz.cli`` (name,
module, one-line help) without importing a single command module, so start-up pays
for typer and rich only: no numpy, pydantic, bank or grading.
"""

from __future__ import annotations

import importlib
from typing import Any, Optional

import typer
from typer.core import TyperCommand, TyperGroup

__all__ = ["LazyGroup", "LazyCommand", "CommandEntry"]

CommandEntry = tuple[str, str]  # (module under cnnquiz.cli, one-line help)


# typer (0.2x) carries its own copy of click: the classes here are typer's, so no
# second click is needed.
def _load(name: str, module: str) -> TyperCommand:
    """Import the command's module (it registers on the shared app) and build it."""
    from cnnquiz.cli._app import app

    importlib.import_module(f"cnnquiz.cli.{module}")
    command = typer.main.get_group(app).commands.get(name)
    if command is None:  # a registry line that names the wrong module
        raise RuntimeError(f"cnnquiz.cli.{module} does not register the command {name!r}")
    return command


class LazyCommand(TyperCommand):
    """Stands in for a command in listings; parsing and running load the real one."""

    rich_help_panel: Optional[str] = None

    def __init__(self, name: str, module: str, help_text: str) -> None:
        super().__init__(name, help=help_text, short_help=help_text)
        self._module = module
        self._real: Optional[TyperCommand] = None

    def real(self) -> TyperCommand:
        if self._real is None:
            self._real = _load(self.name or "", self._module)
        return self._real

    def make_context(self, info_name: Optional[str], args: list[str], parent: Optional[typer.Context] = None,
                     **extra: Any) -> typer.Context:
        # The group runs ``sub_ctx.command.invoke``: the real command's.
        return self.real().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: typer.Context) -> Any:  # pragma: no cover - make_context hands over
        return self.real().invoke(ctx)

    def get_params(self, ctx: typer.Context) -> list[Any]:
        return self.real().get_params(ctx)


class LazyGroup(TyperGroup):
    """The root group: commands come from ``cnnquiz.cli.COMMANDS``, loaded on use."""

    def list_commands(self, ctx: typer.Context) -> list[str]:
        from cnnquiz.cli import COMMANDS

        return list(COMMANDS)

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Optional[TyperCommand]:
        from cnnquiz.cli import COMMANDS

        if cmd_name in self.commands:  # already built (the module was imported)
            return self.commands[cmd_name]
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module, help_text = entry
        return LazyCommand(cmd_name, module, help_text)
