"""The report's plots as inline SVG, drawn with matplotlib (the optional ``report`` extra).

matplotlib is imported only here and only when a plot is drawn, so that ``cnnquiz
report`` without ``--html`` works without it. Figures are made with
:class:`matplotlib.figure.Figure` (no pyplot: no global state, no GUI backend), and the
SVG is written without a date and with a fixed id salt, so one class gives one file.
"""

from __future__ import annotations

import io
from typing import Any

from cnnquiz.report.load import ReportError
from cnnquiz.report.stats import DISCRIMINATION_LOW, FACILITY_HIGH, FACILITY_LOW, ClassReport

__all__ = ["score_histogram", "facility_scatter", "mistake_bars", "all_plots"]

_BLUE, _ORANGE, _GREY = "#3b6ea8", "#d9822b", "#9aa5b1"


def _figure(width: float, height: float) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ReportError("--html needs matplotlib: pip install 'cnnquiz[report]'") from None
    return Figure(figsize=(width, height), layout="constrained")


def _svg(figure: Any) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "cnnquiz", "svg.fonttype": "path"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]  # drop the XML declaration and doctype: inline in HTML


def _ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``"1-3, 5"``."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def score_histogram(report: ClassReport) -> str:
    """Histogram of the graded students' totals, as a percentage of their marks."""
    figure = _figure(5.5, 3.2)
    axes = figure.add_subplot()
    shares = [100 * s for s in report.distribution.shares]
    axes.hist(shares, bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], color=_BLUE, edgecolor="white")
    if shares:
        axes.axvline(100 * report.distribution.mean_share, color=_ORANGE, linestyle="--", label="mean")
        axes.legend(frameon=False)
    axes.set(xlim=(0, 100), xlabel="score (% of the marks)", ylabel="students", title="Score distribution")
    axes.yaxis.get_major_locator().set_params(integer=True)
    return _svg(figure)


def facility_scatter(report: ClassReport) -> str:
    """Facility against discrimination, one dot per item, flagged regions shaded."""
    figure = _figure(5.5, 4.0)
    axes = figure.add_subplot()
    axes.axvspan(0, FACILITY_LOW, color=_GREY, alpha=0.2, linewidth=0)
    axes.axvspan(FACILITY_HIGH, 1, color=_GREY, alpha=0.2, linewidth=0)
    axes.axhspan(-1, DISCRIMINATION_LOW, color=_ORANGE, alpha=0.08, linewidth=0)
    axes.axhline(0, color=_GREY, linewidth=0.8)
    # Items that land on one spot (tests of one function that every student passes or fails
    # together) share one dot, sized by their number, labelled with their numbers: "1-10".
    spots: dict[tuple[float, float], list[int]] = {}
    for number, item in enumerate(report.items, 1):
        if item.discrimination is not None:
            spots.setdefault((round(item.facility, 3), round(item.discrimination, 3)), []).append(number)
    axes.scatter([x for x, _ in spots], [y for _, y in spots], s=[20 + 12 * len(n) for n in spots.values()],
                 color=_BLUE, zorder=3)
    for (x, y), numbers in spots.items():
        axes.annotate(_ranges(numbers), (x, y), textcoords="offset points", xytext=(5, 4), fontsize=8)
    axes.set(xlim=(0, 1), ylim=(-1, 1), xlabel="facility (share of marks earned)",
             ylabel="discrimination (r with the rest)", title="Items: facility vs discrimination")
    return _svg(figure)


def mistake_bars(report: ClassReport) -> str | None:
    """Horizontal bars: students per named mistake (None when no mistake was named)."""
    if not report.mistakes:
        return None
    shown = report.mistakes[:15]
    figure = _figure(6.5, 0.9 + 0.35 * len(shown))
    axes = figure.add_subplot()
    labels = [m.name if len(m.name) <= 45 else m.name[:44] + "…" for m in shown][::-1]
    axes.barh(labels, [len(m.students) for m in shown][::-1], color=_ORANGE)
    axes.set(xlabel="students", title="Named mistakes")
    axes.xaxis.get_major_locator().set_params(integer=True)
    return _svg(figure)


def all_plots(report: ClassReport) -> dict[str, str]:
    """The page's plots by name; a plot with nothing to show is left out."""
    plots = {"histogram": score_histogram(report), "scatter": facility_scatter(report)}
    bars = mistake_bars(report)
    if bars is not None:
        plots["mistakes"] = bars
    return plots
