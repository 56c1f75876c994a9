"""The class report on a terminal: rich tables of items, mastery and the misconception map.

Every text from a student or a bank (names, item ids, prompts) goes in as
:class:`rich.text.Text` with control characters and bidi overrides shown escaped, never as markup.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cnnquiz.report.stats import DISCRIMINATION_LOW, FACILITY_HIGH, FACILITY_LOW, ClassReport, ItemStats
from cnnquiz.sanitize import for_terminal

__all__ = ["report_renderables", "plain", "number"]


def plain(text: str) -> Text:
    """``text`` as literal terminal text: no markup, no control sequences, no bidi
    overrides (the one terminal sanitiser, :func:`cnnquiz.sanitize.for_terminal`)."""
    return Text(for_terminal(text, markup=False))


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


def _short_flags(item: ItemStats) -> str:
    """The flags in a word each: ``hard``, ``easy``, ``low r``, ``negative r``."""
    words = {"very hard": "hard", "very easy": "easy", "low discrimination": "low r",
             "negative discrimination": "negative r"}
    return ", ".join(next(w for k, w in words.items() if flag.startswith(k)) for flag in item.flags)


def _items_table(report: ClassReport) -> Table:
    table = Table(title="Items (Moodle's facility and discrimination indices)", title_justify="left")
    for name, justify in (("#", "right"), ("item", "left"), ("n", "right"), ("facility", "right"),
                          ("r (rest)", "right"), ("flags", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for index, item in enumerate(report.items, 1):
        flags = plain(_short_flags(item))
        if item.flags:
            flags.stylize("yellow")
        table.add_row(str(index), plain(item.id), str(item.students), number(item.facility),
                      number(item.discrimination), flags)
    table.caption = (f"n: students with the item; r: discrimination, the correlation with the rest of the total; "
                     f"flags: hard/easy = facility < {FACILITY_LOW} / > {FACILITY_HIGH}, "
                     f"low r < {DISCRIMINATION_LOW}, negative r < 0; - = undefined")
    table.caption_justify = "left"
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


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _mistakes_table(report: ClassReport) -> Table | RenderableType:
    if not report.mistakes:
        return Text("No named mistake was found in any answer.")
    table = Table(title="Misconception map: named mistakes, most frequent first", title_justify="left")
    label = report.source.group_label
    table.add_column("mistake")
    table.add_column("students", justify="right")
    table.add_column(f"where (by {label})" if len(report.groups) < len(report.items) else "where (students)")
    table.add_column("who")
    for m in report.mistakes:
        if len(report.groups) < len(report.items):  # many items per group: say where by group
            where = ", ".join(f"{group} ({_count(items, 'item')}, {_count(n, 'student')})"
                              for group, items, n in m.groups)
        else:
            where = ", ".join(f"{item} ({n})" for item, n in m.items)
        table.add_row(plain(m.name), str(len(m.students)), plain(where), plain(", ".join(m.students)))
    table.caption = "the HTML report (--html) lists every item"
    table.caption_justify = "left"
    return table


def report_renderables(report: ClassReport) -> Group:
    """The whole terminal report, top to bottom."""
    if not report.items:
        return Group(_summary(report), Text("No graded item: nothing to compute."))
    parts: list[RenderableType] = [_summary(report), _items_table(report)]
    variants = _variants_table(report)
    if variants is not None:
        parts.append(variants)
    parts += [_groups_table(report), _mistakes_table(report)]
    return Group(*parts)
