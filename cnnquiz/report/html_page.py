"""The class report as one self-contained HTML page (inline CSS and SVG, no network).

Every text is escaped with :func:`html.escape`; the plots come from
:mod:`cnnquiz.report.plots` (matplotlib) and are passed in, so that the page itself can
be built and golden-tested without them.
"""

from __future__ import annotations

import html
from typing import Iterable, Mapping, Sequence

from cnnquiz.report.stats import DISCRIMINATION_LOW, FACILITY_HIGH, FACILITY_LOW, ClassReport
from cnnquiz.report.terminal import number

__all__ = ["report_html", "page", "table"]

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 70rem;
       color: #1f2933; line-height: 1.4; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
.meta { color: #52606d; } .flag { color: #b44d12; } .none { color: #9aa5b1; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.92rem; }
th, td { border-bottom: 1px solid #d9e2ec; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f0f4f8; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.plots { display: flex; flex-wrap: wrap; gap: 1rem; } figure { margin: 0; }
.plots svg { max-width: 100%; height: auto; }
pre { white-space: pre-wrap; margin: 0; font-size: 0.85rem; }
.bar { background: #3b6ea8; height: 0.7rem; display: inline-block; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Iterable[int] = ()) -> str:
    """An HTML table; cells are already HTML (escape them first); ``numeric`` columns align right."""
    right = set(numeric)
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="n">{c}</td>' if i in right else f"<td>{c}</td>"
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(title: str, body: str) -> str:
    """A whole HTML document around ``body`` (already HTML)."""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n</body></html>\n")


def _stat(value: float | None) -> str:
    return '<span class="none">-</span>' if value is None else _e(number(value))


def _items(report: ClassReport) -> str:
    rows = []
    for n, item in enumerate(report.items, 1):
        flags = "; ".join(item.flags)
        rows.append([str(n), _e(item.id), _e(item.group), str(item.students), _stat(item.facility),
                     _stat(item.discrimination), f'<span class="flag">{_e(flags)}</span>' if flags else ""])
    note = (f"<p class=\"meta\">Facility: mean share of the item's marks earned. Discrimination: Pearson "
            f"correlation of the item's score with the rest of the total (Moodle's definitions). Flagged: "
            f"facility &lt; {FACILITY_LOW} or &gt; {FACILITY_HIGH}, discrimination &lt; {DISCRIMINATION_LOW} "
            f"(low) or &lt; 0 (negative); - means undefined (everybody scored the same, or under 3 students).</p>")
    return table(["#", "item", report.source.group_label, "students", "facility", "discrimination", "flags"],
                 rows, numeric=(0, 3, 4, 5)) + note


def _variants(report: ClassReport) -> str:
    rows = [[_e(item.id), f"<pre>{_e(v.prompt)}</pre>", str(v.students), _stat(v.facility)]
            for item in report.items if len(item.variants) > 1 for v in item.variants]
    if not rows:
        return ""
    return "<h2>Variants of each template</h2>" + table(["template", "variant", "students", "facility"], rows, (2, 3))


def _groups(report: ClassReport) -> str:
    rows = [[_e(g.group), str(g.items), f"{g.mastery:.0%}",
             f'<span class="bar" style="width:{round(g.mastery * 10, 2)}rem"></span>'] for g in report.groups]
    return (f"<h2>Mastery per {_e(report.source.group_label)}</h2>"
            + table([report.source.group_label, "items", "share of marks", ""], rows, (1, 2)))


def _mistakes(report: ClassReport) -> str:
    if not report.mistakes:
        return "<h2>Misconception map</h2><p>No named mistake was found in any answer.</p>"
    rows = [[_e(m.name) + f'<br><span class="meta">{_e(m.mistake)}</span>', str(len(m.students)),
             _e(", ".join(f"{item} ({n})" for item, n in m.items)), _e(", ".join(m.students))]
            for m in report.mistakes]
    return ("<h2>Misconception map</h2><p class=\"meta\">Each named mistake, the students who show it and the "
            "items where it appears (with how many students).</p>"
            + table(["mistake", "students", "in items (students)", "who"], rows, (1,)))


def report_html(report: ClassReport, plots: Mapping[str, str]) -> str:
    """The whole page; ``plots`` maps a name to inline SVG (see :func:`cnnquiz.report.plots.all_plots`)."""
    d = report.distribution
    kind = "tests" if report.source.value == "code" else "question templates"
    summary = (f"<p>{report.students} students ({report.graded} graded) · {len(report.items)} items ({kind}) · "
               f"score mean {_e(number(d.mean))}, median {_e(number(d.median))}, "
               f"sd {_e(number(d.sd))} (sample) · mean {d.mean_share:.0%} of the marks</p>")
    if report.not_graded:
        summary += f"<p class=\"flag\">Not graded (no statistics): {_e(', '.join(report.not_graded))}</p>"
    figures = "".join(f'<figure id="plot-{_e(name)}">{svg}</figure>' for name, svg in plots.items())
    body = (f"<h1>Class report</h1><p class=\"meta\">{_e(report.folder)}</p>{summary}"
            f'<div class="plots">{figures}</div><h2>Items</h2>{_items(report)}{_variants(report)}'
            f"{_groups(report)}{_mistakes(report)}")
    return page("cnnquiz class report", body)
