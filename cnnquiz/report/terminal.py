"""The class report on a terminal: rich tables of items, mastery and the misconception map.

Every text from a student or a bank (names, item ids, prompts) goes in as
:class:`rich.text.Text` with control characters replaced, never as markup.
"""

from __future__ import annotations

import re

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cnnquiz.report.stats import DISCRIMINATION_LOW, FACILITY_HIGH, FACILITY_LOW, ClassReport

__all__ = ["report_renderables", "plain", "number"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text: str) -> Text:
    """``text`` as literal terminal text: no markup, no control sequences."""
    return Text(_CONTROL.sub("\ufffd", str(text)))


def number(value: float | None, places: int = 2) -> str:
    """``0.75``; ``-`` for an undefined statistic; integers without decimals."""
    if value is None:
        return "-"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{places}f}"


def _summary(report: ClassReport) -> Text:
    d = report.distribution
    text = Text()
    text.append(f"{report.students} students", style="bold")
    text.append(f" ({report.graded} graded) · {len(report.items)} items "
                f"({'tests' if report.source.value == 'code' else 'question templates'})\n")
    text.append(f"score: mean {number(d.mean)}, median {number(d.median)}, sd {number(d.sd)} "
                f"· mean {d.mean_share:.0%} of the marks")
    if report.not_graded:
        text.append("\nnot graded (no statistics): ", style="yellow")
        text.append_text(plain(", ".join(report.not_graded)))
    return text


def _items_table(report: ClassReport) -> Table:
    label = report.source.group_label
    table = Table(title="Items (Moodle's facility and discrimination indices)", title_justify="left")
    for name, justify in (("item", "left"), (label, "left"), ("students", "right"),
                          ("facility", "right"), ("discrimination", "right"), ("flags", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for item in report.items:
        flags = plain("; ".join(item.flags))
        if item.flags:
            flags.stylize("yellow")
        table.add_row(plain(item.id), plain(item.group), str(item.students), number(item.facility),
                      number(item.discrimination), flags)
    table.caption = (f"flags: facility < {FACILITY_LOW} or > {FACILITY_HIGH}; "
                     f"discrimination < {DISCRIMINATION_LOW} (low) or < 0 (negative); - = undefined")
    return table


def _variants_table(report: ClassReport) -> Table | None:
    rows = [(item, v) for item in report.items if len(item.variants) > 1 for v in item.variants]
    if not rows:
        return None
    table = Table(title="Variants of each template", title_justify="left")
    for name in ("template", "variant (prompt)", "students", "facility"):
        table.add_column(name, justify="right" if name in ("students", "facility") else "left")
    for item, variant in rows:
        prompt = " ".join(variant.prompt.split())
        table.add_row(plain(item.id), plain(prompt[:70] + ("..." if len(prompt) > 70 else "")),
                      str(variant.students), number(variant.facility))
    return table


def _groups_table(report: ClassReport) -> Table:
    table = Table(title=f"Mastery per {report.source.group_label}", title_justify="left")
    table.add_column(report.source.group_label)
    table.add_column("items", justify="right")
    table.add_column("share of marks", justify="right")
    for group in report.groups:
        table.add_row(plain(group.group), str(group.items), f"{group.mastery:.0%}")
    return table


def _mistakes_table(report: ClassReport) -> Table | RenderableType:
    if not report.mistakes:
        return Text("No named mistake was found in any answer.")
    table = Table(title="Misconception map: named mistakes, most frequent first", title_justify="left")
    table.add_column("mistake")
    table.add_column("students", justify="right")
    table.add_column("in items (students)")
    table.add_column("who")
    for m in report.mistakes:
        where = ", ".join(f"{item} ({n})" for item, n in m.items)
        table.add_row(plain(m.name), str(len(m.students)), plain(where), plain(", ".join(m.students)))
    return table


def report_renderables(report: ClassReport) -> Group:
    """The whole terminal report, top to bottom."""
    parts: list[RenderableType] = [_summary(report), _items_table(report)]
    variants = _variants_table(report)
    if variants is not None:
        parts.append(variants)
    parts += [_groups_table(report), _mistakes_table(report)]
    return Group(*parts)
