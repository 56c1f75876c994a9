"""``cnnquiz explain``: a computation step by step, live at a terminal or as plain text.

``cnnquiz explain conv2d --input "1 1 1 0 0; ..." --kernel "1 0 1; 0 1 0; 1 0 1"`` (also
``max_pool2d``, ``avg_pool2d``, ``conv_transpose2d``, ``receptive-field``), or
``cnnquiz explain --template ID --seed S`` for a bank question. ``--frames`` (or a
standard output that is not a terminal) prints one text step per window position,
each ending ``= value``, then the whole result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.text import Text

from cnnquiz.cli._app import app, cli_errors, console

__all__ = ["explain_app"]

explain_app = typer.Typer(
    help="Show a convolution, pooling, transposed convolution, output size or receptive field step by step.",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(explain_app, name="explain")

_FRAMES = typer.Option(False, "--frames", help="Plain text, one step per window position (the default when piped).")
_ALL = typer.Option(False, "--all-steps", help="In plain text, write out every step even for a large input.")
_INPUT = typer.Option(..., "--input", help='The input, rows separated by ";", channels by "|".')
_STRIDE = "Stride: one number, or height x width (\"2x1\")."
_PADDING = "Zero padding on each side, in pixels (one number or height x width)."


def _show(explanation: Any, frames: bool, all_steps: bool = False) -> None:
    from cnnquiz.explain.show import show

    show(explanation, console, frames=frames, all_steps=all_steps)


def _pair(text: str, option: str) -> tuple[int, int]:
    from cnnquiz.explain.inputs import parse_pair

    return parse_pair(text, option)


def _grid(text: str, option: str) -> list:
    from cnnquiz.explain.inputs import parse_channels

    return parse_channels(text, option)


def _biases(text: Optional[str], filters: int) -> Optional[list]:
    if text is None:
        return None
    from cnnquiz.explain.inputs import parse_number_option
    from cnnquiz.explain.model import ExplainError

    values = [parse_number_option(part, "--bias") for part in text.replace(",", " ").split()]
    if len(values) != filters:
        raise ExplainError(f"--bias: give one number per filter ({filters}); got {text!r}")
    return values


@explain_app.callback()
@cli_errors
def explain_question(
    ctx: typer.Context,
    template: Optional[str] = typer.Option(None, "--template", help="A bank template id (see cnnquiz topics)."),
    seed: int = typer.Option(0, "--seed", min=0, help="The question's seed (same seed, same numbers)."),
    bank_dirs: Optional[List[Path]] = typer.Option(None, "--bank", help="Extra template directory (repeatable)."),
    frames: bool = _FRAMES,
) -> None:
    """Show a computation step by step: the window, the products, the output filling in."""
    if ctx.invoked_subcommand is not None:
        return
    if template is None:
        console.print(ctx.get_help())
        raise typer.Exit(0)
    from cnnquiz.bank import generate_question, load_bank
    from cnnquiz.explain.show import show_question

    chosen = load_bank(bank_dirs or None).get(template)
    question = generate_question(chosen, seed)
    console.print(Text(f"{chosen.id} (seed {seed}): {question.prompt.strip()}"), highlight=False, soft_wrap=True)
    console.print()
    show_question(question, chosen, console, frames=frames)


@explain_app.command("conv2d")
@cli_errors
def conv2d_command(
    input_rows: str = _INPUT,
    kernel: List[str] = typer.Option(..., "--kernel",
                                     help='One filter, channels separated by "|" (repeat for more filters).'),
    stride: str = typer.Option("1", "--stride", help=_STRIDE),
    padding: str = typer.Option("0", "--padding", help=_PADDING),
    dilation: str = typer.Option("1", "--dilation", help="Dilation (one number or height x width)."),
    bias: Optional[str] = typer.Option(None, "--bias", help="The bias, one number per filter."),
    frames: bool = _FRAMES,
    all_steps: bool = _ALL,
) -> None:
    """Convolution (cross-correlation, as PyTorch) one output cell at a time."""
    from cnnquiz.explain.sliding import conv2d_explanation

    weight = [_grid(text, "--kernel") for text in kernel]
    _show(conv2d_explanation(_grid(input_rows, "--input"), weight, _biases(bias, len(weight)),
                             _pair(stride, "--stride"), _pair(padding, "--padding"),
                             _pair(dilation, "--dilation")), frames, all_steps)


def _pool(kind: str, input_rows: str, kernel_size: str, stride: Optional[str], padding: str,
          frames: bool, all_steps: bool, dilation: str = "1") -> None:
    from cnnquiz.explain import sliding

    x = _grid(input_rows, "--input")
    st = None if stride is None else _pair(stride, "--stride")
    if kind == "max":
        explained = sliding.max_pool2d_explanation(x, _pair(kernel_size, "--kernel-size"), st,
                                                   _pair(padding, "--padding"), _pair(dilation, "--dilation"))
    else:
        explained = sliding.avg_pool2d_explanation(x, _pair(kernel_size, "--kernel-size"), st,
                                                   _pair(padding, "--padding"))
    _show(explained, frames, all_steps)


_KERNEL_SIZE = typer.Option(..., "--kernel-size", help="Window size (one number or height x width).")
_POOL_STRIDE = typer.Option(None, "--stride", help="Stride (default: the kernel size, as PyTorch).")


@explain_app.command("max_pool2d")
@cli_errors
def max_pool2d_command(
    input_rows: str = _INPUT,
    kernel_size: str = _KERNEL_SIZE,
    stride: Optional[str] = _POOL_STRIDE,
    padding: str = typer.Option("0", "--padding", help=_PADDING),
    dilation: str = typer.Option("1", "--dilation", help="Dilation of the window."),
    frames: bool = _FRAMES,
    all_steps: bool = _ALL,
) -> None:
    """Max pooling one window at a time."""
    _pool("max", input_rows, kernel_size, stride, padding, frames, all_steps, dilation)


@explain_app.command("avg_pool2d")
@cli_errors
def avg_pool2d_command(
    input_rows: str = _INPUT,
    kernel_size: str = _KERNEL_SIZE,
    stride: Optional[str] = _POOL_STRIDE,
    padding: str = typer.Option("0", "--padding", help=_PADDING + " Padding counts as 0 in the mean."),
    frames: bool = _FRAMES,
    all_steps: bool = _ALL,
) -> None:
    """Average pooling one window at a time."""
    _pool("avg", input_rows, kernel_size, stride, padding, frames, all_steps)


@explain_app.command("conv_transpose2d")
@cli_errors
def conv_transpose2d_command(
    input_rows: str = _INPUT,
    kernel: str = typer.Option(..., "--kernel", help='The kernel, one "|"-separated slice per input channel.'),
    stride: str = typer.Option("1", "--stride", help=_STRIDE),
    padding: str = typer.Option("0", "--padding", help="Cropped from every side of the full output."),
    output_padding: str = typer.Option("0", "--output-padding", help="Rows/columns added at the bottom/right."),
    dilation: str = typer.Option("1", "--dilation", help="Dilation of the kernel."),
    bias: Optional[str] = typer.Option(None, "--bias", help="The bias (one output channel)."),
    frames: bool = _FRAMES,
    all_steps: bool = _ALL,
) -> None:
    """Transposed convolution as a scatter: each input cell stamps the scaled kernel."""
    from cnnquiz.explain.scatter import conv_transpose2d_explanation

    weight = [[channel] for channel in _grid(kernel, "--kernel")]  # (C, 1, kh, kw)
    _show(conv_transpose2d_explanation(
        _grid(input_rows, "--input"), weight, _biases(bias, 1), _pair(stride, "--stride"),
        _pair(padding, "--padding"), _pair(output_padding, "--output-padding"),
        dilation=_pair(dilation, "--dilation")), frames, all_steps)


@explain_app.command("output-size")
@cli_errors
def output_size_command(
    size: str = typer.Option(..., "--size", help="Input size (one number or height x width)."),
    kernel_size: str = typer.Option(..., "--kernel-size", help="Kernel size (one number or height x width)."),
    stride: Optional[str] = typer.Option(None, "--stride", help="Stride (default 1; with --pool the kernel size)."),
    padding: str = typer.Option("0", "--padding", help=_PADDING),
    dilation: str = typer.Option("1", "--dilation", help="Dilation (one number or height x width)."),
    pool: bool = typer.Option(False, "--pool", help="A pooling window (the stride defaults to the kernel size)."),
    frames: bool = _FRAMES,
    all_steps: bool = _ALL,
) -> None:
    """Output size by counting the window's positions (the + 1 is the first window)."""
    from cnnquiz.explain.counting import output_size_explanation

    _show(output_size_explanation(
        _pair(size, "--size"), _pair(kernel_size, "--kernel-size"),
        None if stride is None else _pair(stride, "--stride"), _pair(padding, "--padding"),
        _pair(dilation, "--dilation"), pool=pool), frames, all_steps)


@explain_app.command("receptive-field")
@cli_errors
def receptive_field_command(
    layer: List[str] = typer.Option(..., "--layer",
                                    help="kernel[,stride[,dilation]] of one layer (repeat, first layer first)."),
    frames: bool = _FRAMES,
) -> None:
    """Which input cells one output cell sees, layer by layer (with dilation: the holes)."""
    from cnnquiz.explain.inputs import parse_layer
    from cnnquiz.explain.receptive import receptive_field_explanation

    _show(receptive_field_explanation([parse_layer(text, n) for n, text in enumerate(layer)]), frames)
