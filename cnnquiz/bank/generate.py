"""Seeded papers: choose templates, draw parameters, ask the solver for the key.

Determinism: every random stream is ``numpy.random.Generator(PCG64(s))`` where
``s`` comes from SHA-256 of text (the paper seed, the question index, the
template id) -- never Python's ``hash()``, never dict or set order. The same
bank, seed, count, topics and difficulty give the same paper everywhere.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from cnnquiz.bank._draw import Rejected, TemplateBug, case_params, draw_params, param_rejection
from cnnquiz.bank._prompt import fill_prompt
from cnnquiz.bank.answer_key import Evaluated, answer_rejection, evaluate
from cnnquiz.bank.load import Bank
from cnnquiz.bank.question import AnswerKind, Paper, Question, WrongAnswer
from cnnquiz.bank.schema import Template
from cnnquiz.errors import BankError

__all__ = [
    "student_seed",
    "derive_seed",
    "select_templates",
    "generate_question",
    "generate_paper",
    "question_seed",
    "PREFERRED_DRAWS",
    "PaperPlan",
    "plan_paper",
]

#: Valid draws tried (at most) to find one where every listed mistake is distinguishable.
PREFERRED_DRAWS = 12


def derive_seed(*parts: Any) -> int:
    """A 64-bit seed from SHA-256 of the parts (joined as text); stable everywhere."""
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def student_seed(student_id: str) -> int:
    """The paper seed of a student: SHA-256 of the id (surrounding spaces ignored), 48 bits.

    >>> student_seed("alice") == student_seed(" alice ")
    True
    """
    digest = hashlib.sha256(f"student:{student_id.strip()}".encode("utf-8")).digest()
    return int.from_bytes(digest[:6], "big")


def _rng(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(seed))


def select_templates(
    bank: Bank, *, seed: int, count: int, topics: Sequence[str] = (), difficulty: int | None = None
) -> list[Template]:
    """``count`` templates, balanced over topics (round robin), easier ones first.

    Topics are visited in a seeded order; within a topic, templates are dealt from a
    seeded shuffle and reshuffled when used up, so a topic repeats a template only
    after all of its templates were used.
    """
    if count < 1:
        raise BankError(f"count must be >= 1; got count={count}")
    grouped = bank.topics
    wanted = list(dict.fromkeys(topics)) if topics else list(grouped)
    unknown = [t for t in wanted if t not in grouped]
    if unknown:
        raise BankError(f"unknown topic {unknown[0]!r} (known: {', '.join(grouped)})")
    if difficulty is not None and not 1 <= difficulty <= 3:
        raise BankError(f"difficulty must be 1, 2 or 3; got difficulty={difficulty}")
    pools = {
        topic: [t for t in grouped[topic] if difficulty is None or t.difficulty == difficulty]
        for topic in sorted(wanted)
    }
    pools = {topic: pool for topic, pool in pools.items() if pool}
    if not pools:
        raise BankError(f"no template of difficulty {difficulty} in topics {', '.join(sorted(wanted))}")
    rng = _rng(derive_seed(seed, "select"))
    order = [list(pools)[i] for i in rng.permutation(len(pools))]
    decks: dict[str, list[Template]] = {topic: [] for topic in order}
    chosen: list[Template] = []
    for index in range(count):
        topic = order[index % len(order)]
        if not decks[topic]:
            pool = pools[topic]
            decks[topic] = [pool[i] for i in rng.permutation(len(pool))]
        chosen.append(decks[topic].pop(0))
    return sorted(chosen, key=lambda t: t.difficulty)


def _label(template: Template) -> str:
    return f"{template.source or '<template>'}: template {template.id!r}"


def _draw(template: Template, rng: np.random.Generator) -> tuple[dict[str, Any], Evaluated | None]:
    """Draws until one fits; prefers draws where every listed mistake can be told apart.

    The preference never changes the case drawn: after the first valid draw, only the
    parameters outside :func:`case_params` are drawn again.
    """
    best: tuple[int, dict[str, Any], Evaluated | None] | None = None
    reason = "no draw"
    valid = 0
    wanted = len(template.mistakes)
    keep: dict[str, Any] | None = None
    cases = case_params(template)
    for _attempt in range(template.max_attempts):
        values = draw_params(template, rng, keep)
        reason = param_rejection(template, values) or ""
        if reason:
            continue
        ev: Evaluated | None = None
        if template.answer is not None:
            try:
                ev = evaluate(template, values)
            except Rejected as rejected:
                reason = str(rejected)
                continue
            reason = answer_rejection(template, ev) or ""
            if reason:
                continue
        score = len(ev.wrong) if ev is not None else 0
        if best is None or score > best[0]:
            best = (score, values, ev)
        if keep is None:
            keep = {name: values[name] for name in cases}
        valid += 1
        if score >= wanted or valid >= PREFERRED_DRAWS or not template.prefer_distinct:
            break
    if best is None:
        raise BankError(
            f"{_label(template)}: constraints: no valid draw in {template.max_attempts} attempts "
            f"(last rejection: {reason})"
        )
    return best[1], best[2]


def _concept_question(template: Template, values: dict[str, Any], rng: np.random.Generator,
                      common: dict[str, Any]) -> Question:
    """The options of a hand-written choice question, with the drawn numbers put in; the
    explanation is the working, and each wrong option carries why it is wrong."""
    opts = template.options
    assert opts is not None
    try:
        correct = fill_prompt(opts.correct, values)
        wrong = [(fill_prompt(text, values), " ".join(fill_prompt(why, values).split())) for text, why in opts.wrong()]
        explanation = " ".join(fill_prompt(opts.explanation, values).split())
    except TemplateBug as bug:
        raise BankError(f"{_label(template)}: options: {bug}") from None
    texts = [correct, *(text for text, _ in wrong)]
    if len(set(texts)) != len(texts):
        raise BankError(f"{_label(template)}: options: two options read the same for {values}")
    choices = _shuffled(texts, rng, opts.shuffle)
    return Question(**common, answer=correct, choices=choices, explanation=explanation, working=explanation,
                    option_feedback={text: why for text, why in wrong if why})


def _shuffled(options: list[str], rng: np.random.Generator, shuffle: bool) -> list[str]:
    return [options[i] for i in rng.permutation(len(options))] if shuffle else list(options)


def generate_question(template: Template, seed: int, qid: str = "q1") -> Question:
    """One question from ``template`` with its own seed (BankError naming the template on failure)."""
    rng = _rng(seed)
    try:
        values, ev = _draw(template, rng)
        prompt = fill_prompt(template.prompt, values)
    except TemplateBug as bug:
        raise BankError(f"{_label(template)}: {bug}") from None
    common = dict(
        id=qid, template=template.id, topic=template.topic, difficulty=template.difficulty,
        kind=template.kind, prompt=prompt, params=values, tolerance=template.tolerance,
    )
    if ev is None:  # a concept question written by hand
        return _concept_question(template, values, rng, common)
    choices = _shuffled(ev.options, rng, template.shuffle_choices) if ev.options is not None else None
    assert template.answer is not None
    parts = template.answer.all_parts()
    return Question(
        **common,
        answer=ev.answer,
        shape_order=template.shape_order if template.kind is AnswerKind.SHAPE else None,
        choices=choices,
        computation=parts[0].computation if len(parts) == 1 else None,
        wrong_answers=[WrongAnswer(mistake=k, value=v) for k, v in ev.wrong],
        working=ev.working,
    )


def question_seed(paper_seed: int, index: int, template_id: str) -> int:
    """The seed of question ``index`` (1-based) of a paper: SHA-256 of the three."""
    return derive_seed(paper_seed, index, template_id)


@dataclass(frozen=True)
class PaperPlan:
    """A paper before any number is drawn: its seed and which template each question uses.

    Each question depends only on its template and :func:`question_seed`, so question
    ``i`` can be generated when it is asked: the quiz shows question 1 without waiting for
    the other nine.
    """

    seed: int
    student: str | None
    count: int
    topics: tuple[str, ...]
    templates: tuple[Template, ...]

    def question(self, index: int) -> Question:
        """Question ``index`` (1-based), as :func:`generate_paper` makes it."""
        template = self.templates[index - 1]
        return generate_question(template, question_seed(self.seed, index, template.id), f"q{index}")

    def questions(self) -> Iterator[Question]:
        """The questions in order, each generated when the iterator reaches it."""
        return (self.question(index) for index in range(1, len(self.templates) + 1))

    def paper(self, questions: Sequence[Question] | None = None) -> Paper:
        """The :class:`Paper`: of all questions, or of the first ones already generated."""
        chosen = list(self.questions()) if questions is None else list(questions)
        return Paper(seed=self.seed, student=self.student, count=self.count, topics=list(self.topics),
                     questions=chosen)


def plan_paper(
    bank: Bank,
    *,
    seed: int | None = None,
    student: str | None = None,
    count: int = 10,
    topics: Sequence[str] = (),
    difficulty: int | None = None,
) -> PaperPlan:
    """The :class:`PaperPlan` of :func:`generate_paper` (same parameters)."""
    if seed is None:
        seed = student_seed(student) if student is not None else secrets.randbits(32)
    chosen = select_templates(bank, seed=seed, count=count, topics=topics, difficulty=difficulty)
    return PaperPlan(seed=seed, student=student, count=count, topics=tuple(topics), templates=tuple(chosen))


def generate_paper(
    bank: Bank,
    *,
    seed: int | None = None,
    student: str | None = None,
    count: int = 10,
    topics: Sequence[str] = (),
    difficulty: int | None = None,
) -> Paper:
    """A paper of ``count`` questions.

    Parameters
    ----------
    bank : Bank
        From :func:`cnnquiz.bank.load_bank`.
    seed : int, optional
        The paper seed. Without it, ``student_seed(student)``; without both, a random one
        (recorded in the paper).
    student : str, optional
        The student id; sets the seed when ``seed`` is None, and is recorded.
    count : int
        Number of questions (templates repeat, with other numbers, if the bank is small).
    topics : sequence of str
        Topic ids to draw from (all when empty).
    difficulty : int, optional
        Only templates of this difficulty (1-3).
    """
    return plan_paper(bank, seed=seed, student=student, count=count, topics=topics,
                      difficulty=difficulty).paper()
