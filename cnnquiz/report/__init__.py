"""Instructor insight: class statistics, the misconception map, similarity, gradebooks.

- :mod:`~cnnquiz.report.load` reads a ``grade`` or ``grade-answers`` output folder;
- :mod:`~cnnquiz.report.stats` computes Moodle's item statistics and the mistake map;
- :mod:`~cnnquiz.report.terminal`, :mod:`~cnnquiz.report.html_page` and
  :mod:`~cnnquiz.report.plots` (matplotlib, optional) show them;
- :mod:`~cnnquiz.report.similarity` (copydetect) and :mod:`~cnnquiz.report.similarity_view`
  compare students' code with each other and with the reference solver;
- :mod:`~cnnquiz.report.gradebook` writes LMS gradebooks from a
  :mod:`~cnnquiz.report.roster`, with a :mod:`~cnnquiz.report.late` policy.

Nothing here imports matplotlib until a plot is drawn.
"""

from __future__ import annotations

from cnnquiz.report.load import ClassData, ReportError, Source, load_class
from cnnquiz.report.stats import ClassReport, class_report

__all__ = ["ClassData", "ClassReport", "ReportError", "Source", "load_class", "class_report", "write_html"]


def write_html(report: ClassReport, path: str) -> None:
    """Write the self-contained HTML page of ``report`` to ``path`` (atomically).

    Raises
    ------
    ReportError
        When matplotlib is missing or ``path`` cannot be written.
    """
    from cnnquiz import atomic
    from cnnquiz.report.html_page import report_html
    from cnnquiz.report.plots import all_plots

    text = report_html(report, all_plots(report))
    try:
        atomic.write_text(path, text)
    except OSError as error:
        raise ReportError(f"--html {path}: cannot write: {error.strerror or error}") from None
