"""What ``cnnquiz explain`` reads: grids as typed in the quiz, pairs, layers, bank questions.

Grids are read by the quiz's matrix reader (:func:`cnnquiz.bank.parse.parse_matrix`),
one channel at a time, channels separated by ``|``:
``"156 155; 153 154 | 167 166; 164 165"`` is two 2 x 2 channels.

Examples
--------
>>> parse_channels("1 0 1; 0 1 0 | 2 2 2; 0 0 0", "--input")
[[[1, 0, 1], [0, 1, 0]], [[2, 2, 2], [0, 0, 0]]]
>>> parse_pair("2x3", "--stride"), parse_layer("3,2", 0)
((2, 3), (3, 2, 1))
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable, Mapping

from cnnquiz.bank.parse import AnswerFormatError, parse_matrix, parse_number
from cnnquiz.explain.counting import output_size_explanation
from cnnquiz.explain.model import Explanation, ExplainError
from cnnquiz.explain.receptive import receptive_field_explanation
from cnnquiz.explain.scatter import conv_transpose2d_explanation
from cnnquiz.explain.sliding import avg_pool2d_explanation, conv2d_explanation, max_pool2d_explanation

__all__ = ["parse_channels", "parse_pair", "parse_number_option", "parse_layer", "EXPLAINERS",
           "explain_computation"]

_GRID_HINT = "rows separated by ';' and channels by '|', e.g. \"1 0 1; 0 1 0; 1 0 1\""


def parse_channels(text: str, option: str) -> list[list[list[Any]]]:
    """A ``(C, H, W)`` nested list: each ``|``-separated part is one channel's rows."""
    channels = []
    for number, part in enumerate(text.split("|"), 1):
        try:
            rows = parse_matrix(part, hint=_GRID_HINT)
        except AnswerFormatError as error:
            where = f" channel {number}" if "|" in text else ""
            raise ExplainError(f"{option}{where}: {error}") from None
        if isinstance(rows[0][0], list):
            raise ExplainError(f"{option}: give each channel as rows ('1 0; 0 1'), channels separated by '|'")
        if not all(math.isfinite(value) for row in rows for value in row):
            where = f" channel {number}" if "|" in text else ""
            raise ExplainError(f"{option}{where}: every value must be a finite number (no nan or inf)")
        channels.append(rows)
    shapes = {(len(c), len(c[0])) for c in channels}
    if len(shapes) > 1:
        sizes = ", ".join(f"{len(c)}x{len(c[0])}" for c in channels)
        raise ExplainError(f"{option}: every channel must have the same size; got {sizes}")
    return channels


def parse_pair(text: str, option: str) -> tuple[int, int]:
    """``"2"``, ``"2 3"``, ``"2,3"`` or ``"2x3"`` as ``(h, w)`` whole numbers >= 0."""
    parts = [p for p in re.split(r"[\s,x×]+", text.strip()) if p]
    if not 1 <= len(parts) <= 2 or not all(p.isdigit() for p in parts):
        raise ExplainError(f"{option}: give one whole number or two (height x width); got {text!r}")
    values = [int(p) for p in parts]
    return (values[0], values[-1])


def parse_number_option(text: str, option: str) -> float | int:
    """One number as the quiz reads it (``-1``, ``0.5``, ``1/2``)."""
    try:
        value = parse_number(text)
    except AnswerFormatError as error:
        raise ExplainError(f"{option}: {error}") from None
    if not math.isfinite(value):
        raise ExplainError(f"{option}: must be a finite number; got {text!r}")
    return value


def parse_layer(text: str, index: int) -> tuple[int, int, int]:
    """``"K"``, ``"K,S"`` or ``"K,S,D"`` (kernel, stride, dilation) as a triple."""
    parts = [p for p in re.split(r"[\s,/]+", text.strip()) if p]
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() and int(p) >= 1 for p in parts):
        raise ExplainError(f"--layer {index + 1}: give kernel[,stride[,dilation]] as whole numbers >= 1; "
                           f"got {text!r}")
    values = [int(p) for p in parts] + [1, 1]
    return values[0], values[1], values[2]


def _receptive(params: Mapping[str, Any]) -> Explanation:
    return receptive_field_explanation(params["layers"])


def _keyword(builder: Callable[..., Explanation], names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], Explanation]:
    def call(params: Mapping[str, Any]) -> Explanation:
        return builder(**{k: v for k, v in params.items() if k in names})

    return call


#: Computation keys (as in :data:`cnnquiz.mistakes.COMPUTATIONS`) that have a step-by-step view.
EXPLAINERS: dict[str, Callable[[Mapping[str, Any]], Explanation]] = {
    "conv2d": _keyword(conv2d_explanation, ("x", "weight", "bias", "stride", "padding", "dilation", "groups")),
    "max_pool2d": _keyword(max_pool2d_explanation, ("x", "kernel_size", "stride", "padding", "dilation")),
    "avg_pool2d": _keyword(avg_pool2d_explanation, ("x", "kernel_size", "stride", "padding")),
    "conv_transpose2d": _keyword(conv_transpose2d_explanation, (
        "x", "weight", "bias", "stride", "padding", "output_padding", "groups", "dilation")),
    "receptive_field": _receptive,
    "conv2d_output_size": _keyword(output_size_explanation, ("size", "kernel_size", "stride", "padding", "dilation")),
    "pool2d_output_size": lambda params: output_size_explanation(
        **{k: v for k, v in params.items() if k in ("size", "kernel_size", "stride", "padding", "dilation")},
        pool=True),
}


def explain_computation(computation: str | None, params: Mapping[str, Any]) -> Explanation | None:
    """The step-by-step view of a solver computation, or None when it has none.

    ``params`` are the computation's arguments by name (a bank template's resolved
    ``answer.args``). Pooling with ``ceil_mode`` or ``count_include_pad=False`` has no
    view (its windows are not all full), so it gives None rather than a wrong picture.
    """
    if computation not in EXPLAINERS:
        return None
    if params.get("ceil_mode") or params.get("count_include_pad") is False:
        return None
    return EXPLAINERS[computation](params)
