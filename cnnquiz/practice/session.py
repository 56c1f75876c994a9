"""One practice session: pick the next question from the history, record each answer.

The history is read again before every choice, so two sessions running at once (two
terminals) each see the other's answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from cnnquiz.bank import Bank, Paper, Question, Template, generate_question
from cnnquiz.bank.answer_check import Graded, Verdict
from cnnquiz.bank.generate import question_seed
from cnnquiz.errors import BankError
from cnnquiz.practice.hints import hint_lines
from cnnquiz.practice.history import Attempt, History
from cnnquiz.practice.scheduler import Choice, choose, replay

__all__ = ["PracticeSession", "Asked", "question_hint", "record_quiz"]


@dataclass(frozen=True)
class Asked:
    """A question put to the student and why it was chosen."""

    question: Question
    choice: Choice


def question_hint(question: Question, template: Template) -> list[str]:
    """The formula lines for ``question`` (no numbers)."""
    parts = template.answer.all_parts() if template.answer is not None else []
    return hint_lines([p.computation for p in parts], question.working)


@dataclass
class PracticeSession:
    """Choose, ask, record.

    Parameters
    ----------
    history : History
    bank : Bank
    topics : sequence of str
        Only these topics (all when empty).
    seed : int
        With the same history, the same questions.
    session : str
        Recorded with every answer.
    """

    history: History
    bank: Bank
    topics: Sequence[str] = ()
    seed: int = 0
    session: str = ""
    step: int = 0
    _templates: list[Template] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        grouped = self.bank.topics
        unknown = [t for t in self.topics if t not in grouped]
        if unknown:
            raise BankError(f"unknown topic {unknown[0]!r} (known: {', '.join(grouped)})")
        wanted = list(dict.fromkeys(self.topics)) or list(grouped)
        self._templates = [t for topic in wanted for t in grouped[topic]]
        if not self._templates:
            raise BankError("no templates to practise")

    def next(self) -> Asked:
        """The next question (reads the history again: other sessions count too)."""
        model = replay(self.history.attempts())
        choice = choose(model, self._templates, seed=self.seed, step=self.step)
        self.step += 1
        template = self.bank.get(choice.template)
        return Asked(generate_question(template, choice.seed, f"p{self.step}"), choice)

    def record(self, asked: Asked, verdict: Verdict) -> Attempt:
        """Keep one answer in the history."""
        q = asked.question
        status = verdict.status if verdict.status != "format_error" else "skipped"
        return self.history.record(Attempt(
            template=q.template, topic=q.topic, difficulty=q.difficulty, seed=asked.choice.seed, status=status,
            credit=float(verdict.credit), mistake=verdict.mistake, session=self.session,
        ))

    def hint(self, asked: Asked) -> list[str]:
        return question_hint(asked.question, self.bank.get(asked.question.template))


def record_quiz(history: History, paper: Paper, graded: Sequence[Graded], session: str = "quiz") -> int:
    """Keep a quiz's answers in the practice history (``cnnquiz quiz --record``); returns how many."""
    by_id = {q.id: (index, q) for index, q in enumerate(paper.questions, 1)}
    attempts = []
    for g in graded:
        index, q = by_id[g.id]
        status = g.verdict.status if g.verdict.status != "format_error" else "skipped"
        attempts.append(Attempt(template=q.template, topic=q.topic, difficulty=q.difficulty,
                                seed=question_seed(paper.seed, index, q.template) % (2**48), status=status,
                                credit=float(g.verdict.credit), mistake=g.verdict.mistake, session=session))
    history.record_all(attempts)
    return len(attempts)
