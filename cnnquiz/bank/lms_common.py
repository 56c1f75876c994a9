"""What the LMS writers (Moodle XML, GIFT, Canvas QTI) share: the question text as HTML,
the tolerance the quiz applies, and the checks that refuse what an LMS would misread.

- :func:`prompt_html`: paragraphs become ``<p>``, indented blocks (matrices) ``<pre>``;
  everything is escaped. For Moodle XML ``{`` becomes ``&#123;``, so that a custom
  prompt holding cloze syntax (``{1:SHORTANSWER:=x}``) is shown, not turned into a blank
  (Moodle's ``qtype_multianswer_extract_question`` matches ``\\{([0-9]*):(TYPE):`` on the
  question text's HTML; the entity displays as ``{`` and matches nothing); for Canvas
  ``[`` becomes ``&#91;`` (fill-in-the-blanks names its blanks ``[b1]``).
- :func:`refuse_control_characters`: a form feed or any other C0/C1 control character
  is not allowed in XML 1.0; one of them makes Moodle reject the whole file. The
  exports refuse such a question with one line naming it (``bank validate`` does too).
"""

from __future__ import annotations

import html
import math
import re
from typing import Any

import numpy as np

from cnnquiz.bank.answer_check import effective_tolerance
from cnnquiz.bank.question import Paper, Question
from cnnquiz.errors import BankError

__all__ = ["ExportError", "prompt_html", "tolerance_for", "finite", "numbers", "integral", "choice_feedback",
           "refuse_control_characters", "CONTROL_CHARACTERS", "paper_label"]

# C0 controls but tab, newline and carriage return; DEL and the C1 controls.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class ExportError(BankError):
    """A paper that a format cannot carry faithfully (names the question and the format)."""


def prompt_html(prompt: str, entities: str = "") -> str:
    """Paragraphs -> ``<p>``, indented blocks (matrices) -> ``<pre>``; escaped; each
    character of ``entities`` written as a numeric entity (``{`` -> ``&#123;``) so that an
    LMS that scans the text for its own syntax (Moodle cloze ``{1:...}``, Canvas blanks
    ``[b1]``) finds none in a custom prompt.

    >>> prompt_html("Size {1:SA:=3}?\\n\\n    1  0\\n    0  1", entities="{")
    '<p>Size &#123;1:SA:=3}?</p><pre>1  0\\n0  1</pre>'
    """
    parts = []
    for block in re.split(r"\n\s*\n", prompt.strip()):
        lines = block.split("\n")
        if all(line.startswith("    ") for line in lines):
            parts.append("<pre>" + html.escape("\n".join(line[4:] for line in lines)) + "</pre>")
        else:
            parts.append("<p>" + html.escape(" ".join(line.strip() for line in lines)) + "</p>")
    text = "".join(parts)
    for char in entities:
        text = text.replace(char, f"&#{ord(char)};")
    return text


def tolerance_for(q: Question, value: Any) -> float:
    """The absolute tolerance the quiz applies around ``value`` (``atol + rtol * |value|``)."""
    tol = effective_tolerance(q)
    return tol.atol + tol.rtol * abs(float(value))


def finite(value: Any) -> bool:
    """A real, finite number (not a bool, not NaN or inf)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def numbers(value: Any) -> list[float]:
    """The numbers of a shape or matrix, row by row."""
    return [float(v) for v in np.asarray(value, dtype=np.float64).ravel()]


def integral(q: Question) -> bool:
    """Every number of the key is whole and the quiz accepts nothing else near it
    (tolerance below 0.5): an exact text match is then the quiz's own rule."""
    return all(v.is_integer() and tolerance_for(q, v) < 0.5 for v in numbers(q.answer))


def choice_feedback(q: Question) -> dict[str, str]:
    """Feedback per wrong option of a choice question: the named mistake it shows, else
    why the bank says it is wrong (``option_feedback``)."""
    from cnnquiz.bank.answer_format import mistake_text

    feedback = {option: why for option, why in q.option_feedback.items() if why}
    feedback.update({w.value: mistake_text(w.mistake) for w in q.wrong_answers if isinstance(w.value, str)})
    return feedback


def _texts(q: Question) -> list[tuple[str, str]]:
    found = [("prompt", q.prompt), ("template", q.template), ("explanation", q.explanation), ("working", q.working)]
    found += [(f"choices[{i}]", c) for i, c in enumerate(q.choices or [])]
    found += [(f"option_feedback[{i}]", why) for i, why in enumerate(q.option_feedback.values())]
    if isinstance(q.answer, str):
        found.append(("answer", q.answer))
    return found


def refuse_control_characters(paper: Paper, fmt: str) -> None:
    """Raise :class:`ExportError` for the first control character in a question's texts.

    Raises
    ------
    ExportError
        ``--format moodle-xml: q3 (template my-template) prompt: control character U+000C at
        position 12; XML cannot carry it (fix the template; `cnnquiz bank validate` finds these)``
    """
    for q in paper.questions:
        for field, text in _texts(q):
            found = CONTROL_CHARACTERS.search(text or "")
            if found:
                raise ExportError(
                    f"--format {fmt}: {q.id} (template {q.template}) {field}: control character "
                    f"U+{ord(found.group()):04X} at position {found.start()}; XML cannot carry it "
                    "(fix the template; `cnnquiz bank validate` finds these)")


def paper_label(paper: Paper) -> str:
    """``student-ann`` or ``seed-42``: the category / quiz name of a paper."""
    return f"student-{paper.student}" if paper.student else f"seed-{paper.seed}"
