"""A paper as GIFT, checked against Moodle's importer (``question/format/gift/format.php``).

What that importer does, and what follows for the export:

- ``escapedchar_pre`` turns ``\\:`` ``\\#`` ``\\=`` ``\\{`` ``\\}`` ``\\~`` ``\\n`` and ``\\\\``
  into placeholders before parsing: :func:`gift_escape` escapes exactly those.
- an answer that starts with ``%N%`` (regex ``^%\\-*([0-9]{1,2})\\.?([0-9]*)%``) gets N %
  credit, and ``%`` has no escape: a ``%`` in an option's text is written ``&#37;``
  (the text is HTML, ``[html]``, so it shows as ``%``); a leading ``[`` would be read as
  a format marker (``[plain]``) and becomes ``&#91;``.
- ``{#...}`` is a numerical question: ``=value:margin`` keeps the quiz's absolute
  tolerance; known mistakes are ``=%0%value:margin#feedback``.
- short answers are compared as text (Moodle trims, ignores case, ``*`` is a wildcard).
  That is the quiz's own rule only when every number of the key is whole and the
  tolerance below 0.5: shapes, and matrices of whole numbers, are exported with several
  spellings (``32x32x10``, ``32 x 32 x 10``, ``(32, 32, 10)``, ...). A matrix of decimals
  cannot keep the quiz's tolerance in GIFT (no numerical blanks): it is refused with a
  message that points to ``moodle-xml`` (cloze, one numerical blank per cell) or ``qti``.
"""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np

from cnnquiz.bank.answer_format import answer_rows, format_answer, mistake_text, number_text
from cnnquiz.bank.lms_common import (
    ExportError,
    choice_feedback,
    finite,
    integral,
    paper_label,
    prompt_html,
    refuse_control_characters,
    tolerance_for,
)
from cnnquiz.bank.question import AnswerKind, Paper, Question

__all__ = ["gift_escape", "gift_option", "shape_spellings", "to_gift"]


def gift_escape(text: str) -> str:
    """Backslash-escape GIFT's special characters ``~ = # { } :`` (and ``\\``); newlines -> ``\\n``.

    >>> gift_escape("a=b {c}")
    'a\\\\=b \\\\{c\\\\}'
    """
    text = re.sub(r"([\\~=#{}:])", r"\\\1", text)
    return text.replace("\r", "").replace("\n", "\\n")


def gift_option(text: str) -> str:
    """An option's (or feedback's) text as HTML for GIFT: escaped, ``%`` and a leading ``[``
    as entities (Moodle reads ``%50%`` as a weight and ``[plain]`` as a format).

    >>> gift_option("%50% of the pixels")
    '&\\\\#37;50&\\\\#37; of the pixels'
    """
    escaped = html.escape(text).replace("%", "&#37;")
    if escaped.startswith("["):
        escaped = "&#91;" + escaped[1:]
    return gift_escape(escaped)


def _gift_numeric(q: Question) -> str:
    parts = [f"={number_text(q.answer)}:{number_text(tolerance_for(q, q.answer))}#Correct."]
    for w in q.wrong_answers:
        if finite(w.value):
            parts.append(f"=%0%{number_text(w.value)}:{number_text(tolerance_for(q, w.value))}"
                         f"#{gift_option(mistake_text(w.mistake))}")
    return "{#" + " ".join(parts) + "}"


def _gift_choice(q: Question) -> str:
    named = choice_feedback(q)
    parts = []
    for option in q.choices or [q.answer]:
        if option == q.answer:
            parts.append(f"={gift_option(option)}#{gift_option(q.explanation or 'Correct.')}")
        else:
            feedback = named.get(option)
            parts.append(f"~{gift_option(option)}" + (f"#{gift_option(feedback)}" if feedback else ""))
    return "{" + " ".join(parts) + "}"


def shape_spellings(value: Any) -> list[str]:
    """Ways of typing a shape that the quiz reads (Moodle ignores case and trims).

    >>> shape_spellings([4, 4, 6])[:4]
    ['4x4x6', '4 x 4 x 6', '4×4×6', '4 × 4 × 6']
    """
    items = [number_text(v) for v in value]
    joined = [sep.join(items) for sep in ("x", " x ", "×", " × ", ", ", ",", " ")]
    return list(dict.fromkeys(joined + [f"({', '.join(items)})", f"({','.join(items)})",
                                        f"[{', '.join(items)}]", f"[{','.join(items)}]"]))


def _matrix_spellings(value: Any) -> list[str]:
    rows = [" ".join(row) for row in answer_rows(value)]
    return list(dict.fromkeys(["; ".join(rows), ";".join(rows), " ; ".join(rows)]))


def _refuse_decimals(q: Question) -> None:
    if not integral(q):
        tol = tolerance_for(q, 0.0) or tolerance_for(q, 1.0)
        raise ExportError(
            f"--format gift: {q.id} (template {q.template}) is a {q.kind.value} of decimals; GIFT has no numerical "
            f"blanks, so it cannot accept every answer within the quiz's tolerance (±{number_text(tol)}). "
            "Use --format moodle-xml (one numerical blank per cell) or --format qti, "
            f"or leave out its topic ({q.topic})")


def _gift_short(q: Question) -> tuple[str, str]:
    _refuse_decimals(q)
    spell = shape_spellings if q.kind is AnswerKind.SHAPE else _matrix_spellings
    if q.kind is AnswerKind.SHAPE:
        how = f"Type the shape as {q.shape_order or 'numbers separated by x'}, e.g. {format_answer(q)}."
    else:
        how = "Type the rows separated by ; and the numbers of a row separated by spaces, e.g. 1 2; 3 4."
    parts = [f"={gift_escape(s)}" for s in spell(q.answer)]
    for w in q.wrong_answers:
        if isinstance(w.value, list) and np.isfinite(np.asarray(w.value, dtype=np.float64)).all():
            parts.append(f"=%0%{gift_escape(spell(w.value)[0])}#{gift_option(mistake_text(w.mistake))}")
    return how, "{" + " ".join(parts) + "}"


def to_gift(paper: Paper) -> str:
    """GIFT, one question per paper question (HTML question text, escaped).

    Raises
    ------
    ExportError
        For a matrix of decimals (see the module docstring) or a control character.
    """
    refuse_control_characters(paper, "gift")
    out = [f"// cnnquiz paper: seed {paper.seed}" + (f", student {paper.student}" if paper.student else ""),
           f"$CATEGORY: $course$/cnnquiz/{paper_label(paper)}", ""]
    for q in paper.questions:
        text = prompt_html(q.prompt)
        if q.kind in (AnswerKind.INTEGER, AnswerKind.NUMBER):
            answer = _gift_numeric(q)
        elif q.kind is AnswerKind.CHOICE:
            answer = _gift_choice(q)
        else:
            how, answer = _gift_short(q)
            text += "<p>" + html.escape(how) + "</p>"
        out.append(f"::{gift_escape(q.id + ' ' + q.template)}::[html]{gift_escape(text)}{answer}")
        out.append("")
    return "\n".join(out)
