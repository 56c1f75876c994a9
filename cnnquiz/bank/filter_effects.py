"""Computed choice answers ("what does this filter do?"): the solver's result on a probe
image picks the option whose effect it equals, and the working explains the filter from
its weights alone (the probe image is never shown to the student)."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from cnnquiz.bank.schema import Effect, MatchOption
from cnnquiz.computations import int_pair

__all__ = ["apply_effect", "matching_option", "effect_working"]


def apply_effect(effect: Effect, x: np.ndarray) -> np.ndarray:
    """What ``effect`` does to the 2-D image ``x`` (zeros come in at the border of a shift)."""
    if effect.zero:
        return np.zeros_like(x)
    if effect.identity:
        return x.copy()
    if effect.scale is not None:
        return effect.scale * x
    dy, dx = effect.shift or (0, 0)
    out = np.zeros_like(x)
    h, w = x.shape
    out[max(dy, 0): h + min(dy, 0), max(dx, 0): w + min(dx, 0)] = x[
        max(-dy, 0): h - max(dy, 0), max(-dx, 0): w - max(dx, 0)
    ]
    return out


def matching_option(result: Any, x: Any, options: list[MatchOption]) -> str | None:
    """The text of the first option whose effect on the probe ``x`` equals ``result``."""
    out = np.asarray(result, dtype=np.float64)
    image = np.asarray(x, dtype=np.float64)[0]
    while out.ndim > 2:
        out = out[0]
    if out.shape != image.shape:
        return None
    for option in options:
        if np.allclose(out, apply_effect(option.effect, image)):
            return option.text
    return None


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _neighbour(dy: int, dx: int) -> str:
    vertical = {-1: "above", 1: "below"}.get(dy, "")
    horizontal = {-1: "left", 1: "right"}.get(dx, "")
    if vertical and horizontal:
        return f"{vertical} and to the {horizontal} of it"
    return f"{vertical} it" if vertical else f"to the {horizontal} of it"


def effect_working(args: Mapping[str, Any], answer: str) -> str:
    """Why a single-tap (or all-zero) kernel does what the answer says, from its weights."""
    kernel = np.asarray(args["weight"], dtype=np.float64).reshape(np.shape(args["weight"])[-2:])
    kh, kw = kernel.shape
    cy, cx = kh // 2, kw // 2
    taps = np.argwhere(kernel != 0)
    rule = ("cross-correlation, as PyTorch computes it (no flipping): out[i, j] = sum of w[u, v] x "
            "in[i + u, j + v] with u, v counted from the filter's centre (-1, 0, 1 for 3x3), "
            f"zero padding {int_pair(args.get('padding', 0))[0]}")
    if len(taps) == 0:
        return f"{rule}; every weight is 0, so every output pixel is 0; so the filter: {answer}"
    if len(taps) > 1:
        return f"{rule}; so the filter: {answer}"
    u, v = (int(t) for t in taps[0])
    weight = _num(float(kernel[u, v]))
    dy, dx = u - cy, v - cx
    where = f"the only non-zero weight is {weight}, at row {u + 1}, column {v + 1} of the filter (u = {dy}, v = {dx})"
    if (dy, dx) == (0, 0):
        effect = f"out[i, j] = {weight} x in[i, j]: every pixel is multiplied by {weight}"
    else:
        effect = (f"out[i, j] = {weight} x in[i {'+-'[dy < 0]} {abs(dy)}, j {'+-'[dx < 0]} {abs(dx)}]: "
                  f"each output pixel takes the input pixel {_neighbour(dy, dx)}")
    return f"{rule}; {where}; {effect}; so the filter: {answer}"
