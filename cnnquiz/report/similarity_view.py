"""The similarity report on a terminal (rich) and as one self-contained HTML page.

Matching regions are shown side by side: on the terminal the largest regions of each
top pair (line ranges and code), in HTML both documents whole with every matching
region marked. Code is student text: escaped for HTML, literal (no markup) on screen.
"""

from __future__ import annotations

import html

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cnnquiz.report.html_page import page, table
from cnnquiz.report.similarity import Match, Region, SimilarityReport
from cnnquiz.report.terminal import plain

__all__ = ["similarity_renderables", "similarity_html", "regions_text"]

_SHOWN_PAIRS = 3
_SHOWN_LINES = 12


def regions_text(regions: tuple[Region, ...]) -> str:
    """``cnn.py lines 5-19, 30-41`` (line ranges per file; notebooks: ``cell 2, line 3 to cell 4, line 1``)."""
    by_file: dict[str, list[str]] = {}
    for r in regions:
        if r.first_where.startswith("cell"):
            span = r.first_where if r.first_where == r.last_where else f"{r.first_where} to {r.last_where}"
        else:
            span = str(r.first_line) if r.first_line == r.last_line else f"{r.first_line}-{r.last_line}"
        by_file.setdefault(r.file, []).append(span)
    return "; ".join(f"{file} {'' if spans[0].startswith('cell') else 'lines '}{', '.join(spans)}"
                     for file, spans in by_file.items())


def _share(value: float) -> str:
    return f"{value:.0%}"


def _reference_table(report: SimilarityReport) -> Table:
    name = report.reference[0].b if report.reference else "reference (cnnquiz.solver)"
    table_ = Table(title=f"Each student against the {name}", title_justify="left")
    for name in ("student", "share of their code in it", "where", "flag"):
        table_.add_column(name, justify="right" if name.startswith("share") else "left")
    for m in report.reference:
        flag = Text("copy of the reference?", style="bold red") if m.share_a >= report.threshold else Text("")
        table_.add_row(plain(m.a), _share(m.share_a), plain(regions_text(m.regions_a)), flag)
    return table_


def _pairs_table(report: SimilarityReport) -> Table:
    table_ = Table(title=f"Most similar pairs of students (top {len(report.pairs)})", title_justify="left")
    for name in ("student a", "student b", "a in b", "b in a", "flag"):
        table_.add_column(name, justify="right" if " in " in name else "left")
    for m in report.pairs:
        flag = Text("similar", style="bold yellow") if m.similarity >= report.threshold else Text("")
        table_.add_row(plain(m.a), plain(m.b), _share(m.share_a), _share(m.share_b), flag)
    return table_


def _clip(text: str) -> str:
    lines = text.strip("\n").split("\n")
    return "\n".join(lines[:_SHOWN_LINES] + ([f"... ({len(lines) - _SHOWN_LINES} more lines)"]
                                             if len(lines) > _SHOWN_LINES else []))


def _side_by_side(m: Match) -> Table:
    """The largest region of each side, next to each other."""
    table_ = Table(title=f"{m.a} <-> {m.b}", title_justify="left", show_lines=True, expand=True)
    left = max(m.regions_a, key=lambda r: r.end - r.start)
    right = max(m.regions_b, key=lambda r: r.end - r.start)
    table_.add_column(plain(f"{m.a}: {left.file}, from {left.first_where}"), ratio=1)
    table_.add_column(plain(f"{m.b}: {right.file}, from {right.first_where}"), ratio=1)
    table_.add_row(plain(_clip(left.text)), plain(_clip(right.text)))
    return table_


def similarity_renderables(report: SimilarityReport) -> Group:
    """The terminal report: the reference table, the pairs, and the top matches' code."""
    head = Text(f"{len(report.students)} students · flagged at {report.threshold:.0%} · starter: "
                f"{report.starter or 'none (shared starter code is not discounted)'}\n"
                "Similarity only points at code worth reading; it changes no grade.")
    parts: list[RenderableType] = [head, _reference_table(report), _pairs_table(report)]
    if report.skipped:
        parts.append(plain("no code: " + ", ".join(f"{who} ({why})" for who, why in report.skipped)))
    shown = [m for m in report.copies_of_reference + report.flagged_pairs if m.regions_a and m.regions_b]
    parts += [_side_by_side(m) for m in shown[:_SHOWN_PAIRS]]
    return Group(*parts)


def _marked(text: str, regions: tuple[Region, ...]) -> str:
    out, at = [], 0
    for r in regions:
        if r.start < at:
            continue
        out += [html.escape(text[at:r.start]), "<mark>", html.escape(text[r.start:r.end]), "</mark>"]
        at = r.end
    out.append(html.escape(text[at:]))
    return "".join(out)


def _regions_only(regions: tuple[Region, ...]) -> str:
    """Only the matching regions (for the reference: the whole solver would drown them)."""
    return "\n".join(f"# {html.escape(r.file)}, from {r.first_where}\n<mark>{html.escape(r.text)}</mark>"
                     for r in regions)


def _pair_section(m: Match, reference: bool = False) -> str:
    e = html.escape
    right = _regions_only(m.regions_b) if reference else _marked(m.text_b, m.regions_b)
    return (f"<h3>{e(m.a)} ({m.share_a:.0%} found in the other) and {e(m.b)} ({m.share_b:.0%})</h3>"
            f'<div class="pair"><div><p class="meta">{e(regions_text(m.regions_a))}</p>'
            f"<pre>{_marked(m.text_a, m.regions_a)}</pre></div>"
            f'<div><p class="meta">{e(regions_text(m.regions_b))}</p>'
            f"<pre>{right}</pre></div></div>")


_CSS = ("<style>.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }"
        " .pair pre { background: #f8fafc; padding: 0.5rem; overflow-x: auto; } mark { background: #fde68a; }</style>")


def similarity_html(report: SimilarityReport) -> str:
    """One self-contained page: the two tables, then each flagged pair side by side."""
    e = html.escape
    ref_rows = [[e(m.a), _share(m.share_a), e(regions_text(m.regions_a)),
                 '<span class="flag">copy of the reference?</span>' if m.share_a >= report.threshold else ""]
                for m in report.reference]
    pair_rows = [[e(m.a), e(m.b), _share(m.share_a), _share(m.share_b),
                  '<span class="flag">similar</span>' if m.similarity >= report.threshold else ""]
                 for m in report.pairs]
    sections = [_pair_section(m, reference=True) for m in report.copies_of_reference if m.regions_a]
    sections += [_pair_section(m) for m in report.flagged_pairs if m.regions_a]
    body = (f"{_CSS}<h1>Code similarity</h1><p>{len(report.students)} students · flagged at "
            f"{report.threshold:.0%} · starter: {e(report.starter or 'none')} · fingerprints by copydetect "
            f"(winnowing). It changes no grade.</p>"
            f"<h2>Against the {e(report.reference[0].b if report.reference else 'reference')}</h2>"
            + table(["student", "share of their code in it", "where", ""], ref_rows, (1,))
            + "<h2>Most similar pairs</h2>"
            + table(["student a", "student b", "a in b", "b in a", ""], pair_rows, (2, 3))
            + "<h2>Matching regions</h2>"
            + ("".join(sections) or "<p>Nothing above the threshold.</p>"))
    return page("cnnquiz code similarity", body)
