"""Moved to :mod:`cnnquiz.bank.answer_format` (answers written as a student types them);
this name stays for the exports that import it (``export.py``, ``lms.py``)."""

from cnnquiz.bank.answer_format import answer_rows, format_answer, mistake_text, number_text

__all__ = ["answer_rows", "number_text", "format_answer", "mistake_text"]
