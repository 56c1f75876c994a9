"""The typer app and the one place where CnnquizError becomes an exit code."""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from cnnquiz import __version__
from cnnquiz.cli._lazy import LazyGroup
from cnnquiz.errors import CnnquizError

__all__ = ["app", "console", "err_console", "cli_errors"]

app = typer.Typer(
    name="cnnquiz",
    cls=LazyGroup,
    help="Teach and check the core arithmetic of convolutional neural networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# emoji=False: a student's ":smile:" (a test name, an output, a folder name) is printed as
# typed, not turned into an emoji; nothing of ours uses emoji codes.
console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)

F = TypeVar("F", bound=Callable[..., Any])


def cli_errors(func: F) -> F:
    """Turn a CnnquizError into one line on stderr and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CnnquizError as error:
            # The message is plain text: "[low, high]" in it must not be read as markup.
            err_console.print(Text.assemble(("error: ", "bold red"), str(error)), highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"cnnquiz {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                 help="Print the version and exit."),
) -> None:
    """Teach and check the core arithmetic of convolutional neural networks."""
