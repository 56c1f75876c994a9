"""Which question next: Leitner boxes for missed questions, Elo ratings per topic, mistake weights.

The model is replayed from the answer history (a pure function of it; nothing else is
stored), then one template is chosen:

1. **Revisit.** A mastered topic not asked for :data:`REVISIT_AFTER` questions comes back
   once, so mastery fades from the mix but is checked. **Explore.** A topic never asked
   yet comes up once :data:`EXPLORE_EVERY` answers have passed without a new one, so
   reviews and mistake weights cannot keep it away for good.
2. **Review (Leitner, 1972).** A template answered wrongly goes to box 1 and comes back
   :data:`INTERVALS` ``[1]`` questions later, with new numbers (same template, new
   seed); each right answer moves it up a box (longer interval); out of the last box it
   has graduated. The most overdue card in the lowest box is asked first, but never more
   than :data:`MAX_REVIEWS_IN_A_ROW` reviews in a row: a student who keeps missing must
   still meet the topics they have not seen (the next step then draws).
3. **Otherwise, weighted draw.** Each topic has an Elo rating (Elo 1978; for learners,
   Pelánek 2016): after an answer with credit ``c`` on a question of difficulty ``d``,
   ``R += K * (c - P)`` with ``P = 1 / (1 + 10 ** ((D[d] - R) / 400))``. Mastery is ``P``
   against a medium question. A template's weight is
   ``max(1 - mastery, FLOOR) * (1 + BOOST * mistakes) * fit * repeat``: topics not yet
   mastered weigh more; ``mistakes`` adds up the decayed counts of the named mistakes
   the template diagnoses (each answer multiplies them by :data:`DECAY`); ``fit`` prefers
   the difficulty the rating calls for (it rises with mastery); ``repeat`` damps asking
   the same template twice in a row.

Given the same history, allowed templates and seed, the choice is the same (tests).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from cnnquiz.bank.generate import derive_seed
from cnnquiz.bank.schema import Template
from cnnquiz.mistakes import CATALOGUE
from cnnquiz.practice.history import Attempt

__all__ = [
    "Choice", "LearnerModel", "TopicState", "replay", "choose", "mastery", "target_difficulty",
    "INTERVALS", "ITEM_RATING", "START_RATING", "K_FACTOR", "DECAY", "BOOST", "FLOOR", "MASTERED", "REVISIT_AFTER",
    "MAX_REVIEWS_IN_A_ROW", "EXPLORE_EVERY",
]

#: Questions until a card in box b comes back (box 5 and beyond: graduated).
INTERVALS = {1: 3, 2: 6, 3: 12, 4: 24}
ITEM_RATING = {1: 900.0, 2: 1000.0, 3: 1100.0}
START_RATING = 1000.0
K_FACTOR = 48.0
DECAY = 0.9
BOOST = 1.5
FLOOR = 0.05
MASTERED = 0.8
REVISIT_AFTER = 20
MAX_REVIEWS_IN_A_ROW = 2
EXPLORE_EVERY = 4
_FIT = (1.0, 0.35, 0.1)
_REPEAT = 0.25


def mastery(rating: float) -> float:
    """P(right) against a medium question: 0.5 at the start rating."""
    return 1.0 / (1.0 + 10.0 ** ((ITEM_RATING[2] - rating) / 400.0))


def target_difficulty(rating: float) -> int:
    """The difficulty a rating calls for: 1 below 1050, 2 below 1200, else 3."""
    return 1 if rating < 1050 else 2 if rating < 1200 else 3


@dataclass
class TopicState:
    rating: float = START_RATING
    answered: int = 0
    correct: int = 0
    last_asked: int = -1  # index of the topic's last answer in the history

    @property
    def mastery(self) -> float:
        return mastery(self.rating)


@dataclass
class LearnerModel:
    """What the history says: topic ratings, Leitner cards, recent mistakes."""

    topics: dict[str, TopicState] = field(default_factory=lambda: defaultdict(TopicState))
    cards: dict[str, tuple[int, int]] = field(default_factory=dict)  # template -> (box, due at answer index)
    mistakes: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    now: int = 0  # answers so far
    last_template: str | None = None
    reviews_in_a_row: int = 0  # answers at the end of the history that were due Leitner cards
    since_new_topic: int = 0  # answers since the last one on a topic asked for the first time


def replay(attempts: Sequence[Attempt]) -> LearnerModel:
    """The learner model after ``attempts`` (oldest first)."""
    model = LearnerModel()
    for index, attempt in enumerate(attempts):
        card = model.cards.get(attempt.template)
        model.reviews_in_a_row = model.reviews_in_a_row + 1 if card is not None and card[1] <= index else 0
        topic = model.topics[attempt.topic]
        model.since_new_topic = 0 if topic.answered == 0 else model.since_new_topic + 1
        expected = 1.0 / (1.0 + 10.0 ** ((ITEM_RATING.get(attempt.difficulty, 1000.0) - topic.rating) / 400.0))
        credit = 0.0 if attempt.status == "skipped" else float(attempt.credit)
        topic.rating += K_FACTOR * (credit - expected)
        topic.answered += 1
        topic.correct += attempt.status == "correct"
        topic.last_asked = index
        for key in model.mistakes:
            model.mistakes[key] *= DECAY
        for key in (attempt.mistake or "").split("+"):
            if key in CATALOGUE:
                model.mistakes[key] += 1.0
        now = index + 1
        if attempt.status == "correct":
            if attempt.template in model.cards:
                box = model.cards[attempt.template][0] + 1
                if box in INTERVALS:
                    model.cards[attempt.template] = (box, now + INTERVALS[box])
                else:
                    del model.cards[attempt.template]  # graduated
        else:
            model.cards[attempt.template] = (1, now + INTERVALS[1])
        model.last_template = attempt.template
    model.now = len(attempts)
    return model


@dataclass(frozen=True)
class Choice:
    """The next question: a template, the seed of its numbers, and why (shown to the student)."""

    template: str
    seed: int
    reason: str


def _weight(template: Template, model: LearnerModel) -> float:
    state = model.topics.get(template.topic, TopicState())
    need = max(1.0 - state.mastery, FLOOR)
    boost = 1.0 + BOOST * sum(model.mistakes.get(key, 0.0) for key in template.mistakes)
    fit = _FIT[min(abs(template.difficulty - target_difficulty(state.rating)), 2)]
    repeat = _REPEAT if template.id == model.last_template else 1.0
    return need * boost * fit * repeat


def _draw(templates: Sequence[Template], model: LearnerModel, rng: np.random.Generator) -> Template:
    weights = np.array([_weight(t, model) for t in templates])
    return templates[int(rng.choice(len(templates), p=weights / weights.sum()))]


def _why(template: Template, model: LearnerModel) -> str:
    found = sorted(((model.mistakes.get(k, 0.0), k) for k in template.mistakes), reverse=True)
    if found and found[0][0] >= 1.0:
        return f"practise: {CATALOGUE[found[0][1]].name} (a mistake you made recently)"
    state = model.topics.get(template.topic)
    if state is None or state.answered == 0:
        return f"new topic: {template.topic}"
    return f"{template.topic}: mastery {state.mastery:.0%}, difficulty {template.difficulty}"


def choose(model: LearnerModel, templates: Sequence[Template], *, seed: int, step: int) -> Choice:
    """The next question among ``templates`` (the allowed ones), deterministic in ``seed`` and ``step``."""
    if not templates:
        raise ValueError("no template to choose from")
    templates = sorted(templates, key=lambda t: t.id)  # the same choice whatever order they came in
    by_id = {t.id: t for t in templates}
    question_seed = derive_seed(seed, "practice-question", step) % (2**48)
    rng = np.random.Generator(np.random.PCG64(derive_seed(seed, "practice-choice", step)))
    stale = sorted(
        (state.last_asked, topic) for topic, state in model.topics.items()
        if state.answered and state.mastery >= MASTERED and model.now - state.last_asked >= REVISIT_AFTER
        and any(t.topic == topic for t in templates)
    )
    if stale:  # before reviews: a stream of missed cards must not keep a mastered topic away for good
        topic = stale[0][1]
        chosen = _draw([t for t in templates if t.topic == topic], model, rng)
        return Choice(chosen.id, question_seed, f"revisit: {topic} is mastered; a check that it stays so")
    unseen = sorted({t.topic for t in templates} - {topic for topic, state in model.topics.items() if state.answered})
    if unseen and model.since_new_topic >= EXPLORE_EVERY:
        chosen = _draw([t for t in templates if t.topic in unseen], model, rng)
        return Choice(chosen.id, question_seed, f"new topic: {chosen.topic}")
    due = sorted((box, at, tid) for tid, (box, at) in model.cards.items() if at <= model.now and tid in by_id)
    if due and model.reviews_in_a_row < MAX_REVIEWS_IN_A_ROW:
        box, at, tid = due[0]
        late = model.now - at + INTERVALS[box]
        ago = f"{late} question{'s' if late != 1 else ''} ago"
        why = (f"you missed this {ago}" if box == 1 else f"right {ago}, after a miss; checking it stays right")
        return Choice(tid, question_seed, f"review (box {box}): {why}; new numbers")
    chosen = _draw(templates, model, rng)
    return Choice(chosen.id, question_seed, _why(chosen, model))
