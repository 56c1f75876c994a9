"""The families' tables, gathered from every family module, and their merge into the core.

Kept apart from ``__init__`` so that :mod:`cnnquiz.mistakes` can import it while the
package itself is still loading (see the package docstring).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, MutableMapping

from cnnquiz.families import (
    backprop,
    batchnorm,
    cost,
    design,
    equivariance,
    filters,
    network_tables,
    transposed,
)

__all__ = ["COMPUTATIONS", "MISTAKES", "WORKINGS", "merge_into"]

_MODULES = (network_tables, transposed, backprop, cost, design, batchnorm, filters, equivariance)


def _unique(items: list[Any], what: str) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for item in items:
        if item.key in table:
            raise RuntimeError(f"cnnquiz.families: {what} {item.key!r} is defined twice")
        table[item.key] = item
    return table


COMPUTATIONS = _unique([c for m in _MODULES for c in m.COMPUTATIONS], "computation")
MISTAKES = _unique([k for m in _MODULES for k in m.MISTAKES], "mistake")
WORKINGS: dict[str, Callable[[Mapping[str, Any], Any], str]] = {
    key: writer for m in _MODULES for key, writer in m.WORKINGS.items()
}


def merge_into(computations: MutableMapping[str, Any], catalogue: MutableMapping[str, Any],
               workings: MutableMapping[str, Any]) -> None:
    """Add the families' tables to the core ones; a key defined in both is a bug."""
    for table, ours, what in ((computations, COMPUTATIONS, "computation"),
                              (catalogue, MISTAKES, "mistake"), (workings, WORKINGS, "working")):
        clash = sorted(set(table) & set(ours))
        if clash:
            raise RuntimeError(f"cnnquiz.families: {what} {', '.join(clash)} already defined in the core")
        table.update(ours)
