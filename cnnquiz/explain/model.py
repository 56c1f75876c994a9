"""What an explanation is: static grids, and frames that mark cells and write the arithmetic.

A builder (:mod:`cnnquiz.explain.sliding`, :mod:`~cnnquiz.explain.scatter`,
:mod:`~cnnquiz.explain.receptive`) turns a computation's parameters into an
:class:`Explanation`; renderers (:mod:`~cnnquiz.explain.plain`,
:mod:`~cnnquiz.explain.live`) draw it. Frames are built on demand (``frame(i)``), so
a 224 x 224 input does not hold 50,000 copies of its grid in memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from cnnquiz.errors import CnnquizError

__all__ = [
    "ExplainError",
    "Grid",
    "Frame",
    "Explanation",
    "format_value",
    "text_cells",
    "LARGE_SIDE",
]

#: A grid taller or wider than this is "large": plain mode shows the first few steps only
#: and the live view shows a window of this size around the marked cells.
LARGE_SIDE = 12

Cell = tuple[int, int]


class ExplainError(CnnquizError):
    """An explanation that cannot be built (names the option and the value)."""


def format_value(value: Any) -> str:
    """A number as the lecture writes it: ``4``, ``-25``, ``0.5``, ``1.333``; NaN is blank."""
    number = float(value)
    if math.isnan(number):
        return ""
    if math.isinf(number):
        return "-inf" if number < 0 else "inf"
    if number.is_integer() and abs(number) < 2**53:
        return str(int(number))
    return f"{number:.4g}"


def text_cells(values: Any) -> np.ndarray:
    """A 2-D array of numbers as a 2-D array of their texts (NaN -> blank)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    out = np.empty(arr.shape, dtype=object)
    for index, value in np.ndenumerate(arr):
        out[index] = format_value(value)
    return out


@dataclass(frozen=True)
class Grid:
    """A labelled 2-D grid of cell texts; ``faint`` cells (zero padding) are drawn dim.

    ``role`` is ``"input"`` or ``"kernel"`` (given data, printed once before the steps)
    or ``"output"`` (filled in by the steps).
    """

    label: str
    cells: np.ndarray  # 2-D, dtype object (str)
    faint: frozenset[Cell] = frozenset()
    role: str = "input"

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.cells.shape[0]), int(self.cells.shape[1])


@dataclass(frozen=True)
class Frame:
    """One step: a title, the arithmetic (the last line ends ``= value``), the marked cells.

    ``marks`` maps a grid's index in :attr:`Explanation.grids` to the cells to highlight;
    ``shown`` replaces a grid's cells for this frame (the output filling in);
    ``current`` is the one cell being written (a grid index and a cell).
    ``beside`` splits ``lines`` for the live view: the lines drawn next to a grid (a
    kernel channel and its products), keyed by grid index; the lines that are not in
    any of them come after, as they do in ``lines``.
    """

    title: str
    lines: tuple[str, ...]
    marks: Mapping[int, frozenset[Cell]] = field(default_factory=dict)
    shown: Mapping[int, np.ndarray] = field(default_factory=dict)
    current: tuple[int, Cell] | None = None
    beside: Mapping[int, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Explanation:
    """A computation shown step by step.

    Attributes
    ----------
    operation : str
        The command's name (``conv2d``, ``max_pool2d``, ...).
    heading : tuple of str
        The set-up: shapes, options, the formula.
    grids : tuple of Grid
        Everything drawn: inputs (padded), kernels, outputs (blank until filled).
    count : int
        Number of steps.
    result : ndarray
        The solver's output (what the last step has filled in).
    result_label : str
        How the result is introduced ("Feature map (1 x 3 x 3)").
    notes : tuple of str
        Said after the result (the size without dilation, ...).
    """

    operation: str
    heading: tuple[str, ...]
    grids: tuple[Grid, ...]
    count: int
    result: np.ndarray
    result_label: str
    build: Callable[[int], Frame] = field(repr=False, compare=False)
    notes: tuple[str, ...] = ()

    def frame(self, index: int) -> Frame:
        """Step ``index`` (0-based)."""
        if not 0 <= index < self.count:
            raise IndexError(f"step {index} of {self.count}")
        return self.build(index)

    @property
    def large(self) -> bool:
        """True when a grid is larger than :data:`LARGE_SIDE` on a side (summarised)."""
        return any(max(g.shape) > LARGE_SIDE for g in self.grids)
