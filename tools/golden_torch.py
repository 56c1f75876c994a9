"""Helpers shared by the golden generators in tools/ (they need torch; cnnquiz does not).

Imported by ``make_goldens.py`` and its per-topic modules, run from the tools/
directory's parent as ``python tools/make_goldens.py``.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import numpy as np
import torch

__all__ = ["data", "tensor", "out_list", "torch_arg", "torch_error", "render_cases"]


def data(rng: np.random.Generator, shape: tuple[int, ...], kind: str, *, low: int = -3, high: int = 3) -> np.ndarray:
    """Small integers in ``[low, high]`` ("int") or standard normals rounded to 3 decimals."""
    if kind == "int":
        return rng.integers(low, high + 1, size=shape).astype(np.int64)
    return np.round(rng.standard_normal(shape), 3)


def tensor(a: Any, *, grad: bool = False) -> torch.Tensor | None:
    """A float64 tensor of ``a`` (None stays None)."""
    if a is None:
        return None
    t = torch.from_numpy(np.array(a, dtype=np.float64))
    return t.requires_grad_(True) if grad else t


def out_list(t: torch.Tensor, kind: str) -> list:
    """Torch's result as JSON lists: exact ints for "int" cases (asserted), floats else."""
    arr = t.detach().numpy()
    if kind == "int":
        rounded = np.rint(arr)
        assert np.array_equal(rounded, arr), "integer case produced a non-integer"
        return rounded.astype(np.int64).tolist()
    return arr.tolist()


def torch_arg(v: Any) -> Any:
    """JSON lists become the tuples torch wants for size-like arguments."""
    return tuple(v) if isinstance(v, list) else v


def torch_error(fn: Callable[[], Any]) -> str | None:
    """The first line of the error torch raises for ``fn()``, or None if it succeeds."""
    try:
        fn()
    except (RuntimeError, ValueError) as exc:
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
    return None


def render_cases(name: str, cases: list[dict], seed: int | None) -> str:
    """A golden file: ``{"meta": {...}, "cases": [...]}`` with one case per line."""
    meta = {"generator": "tools/make_goldens.py", "torch_version": torch.__version__.split("+")[0],
            "seed": seed, "file": name}
    lines = [json.dumps(case, separators=(",", ":"), allow_nan=False) for case in cases]
    return '{"meta":' + json.dumps(meta, sort_keys=True) + ',"cases":[\n' + ",\n".join(lines) + "\n]}\n"
