"""``cnnquiz progress``: mastery per topic, the mistakes made most often, streaks and totals.

Computed from the history with the scheduler's own model (:func:`~cnnquiz.practice.scheduler.replay`),
so the bars say what the next questions will be chosen from.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any, Sequence

from cnnquiz.mistakes import CATALOGUE
from cnnquiz.practice.history import Attempt
from cnnquiz.practice.scheduler import MASTERED, replay

__all__ = ["TopicProgress", "MistakeCount", "Progress", "progress", "TOP_MISTAKES"]

TOP_MISTAKES = 5


@dataclass(frozen=True)
class TopicProgress:
    topic: str
    answered: int
    correct: int
    mastery: float  # 0..1: P(right) on a medium question, from the Elo rating
    rating: float
    mastered: bool
    in_review: int  # templates of the topic in a Leitner box (missed, not yet graduated)


@dataclass(frozen=True)
class MistakeCount:
    mistake: str
    count: int
    name: str
    reminder: str


@dataclass(frozen=True)
class Progress:
    answers: int
    correct: int
    sessions: int
    streak: int  # right answers in a row, up to the last one
    best_streak: int
    days: int  # days with answers
    day_streak: int  # consecutive days with answers, up to the last one
    topics: tuple[TopicProgress, ...]
    mistakes: tuple[MistakeCount, ...]

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` object (plain types, rounded)."""
        data = asdict(self)
        for topic in data["topics"]:
            topic["mastery"] = round(topic["mastery"], 4)
            topic["rating"] = round(topic["rating"], 1)
        return data


def _streaks(attempts: Sequence[Attempt]) -> tuple[int, int]:
    best = run = 0
    for attempt in attempts:
        run = run + 1 if attempt.status == "correct" else 0
        best = max(best, run)
    return run, best


def _day_streak(days: list[date]) -> int:
    if not days:
        return 0
    streak = 1
    for earlier, later in zip(reversed(days[:-1]), reversed(days)):
        if later - earlier != timedelta(days=1):
            break
        streak += 1
    return streak


def progress(attempts: Sequence[Attempt]) -> Progress:
    """The progress summary of ``attempts`` (oldest first)."""
    model = replay(attempts)
    in_review = Counter(next(a.topic for a in attempts if a.template == tid) for tid in model.cards)
    topics = tuple(
        TopicProgress(topic, state.answered, state.correct, state.mastery, state.rating,
                      state.mastery >= MASTERED, in_review.get(topic, 0))
        for topic, state in sorted(model.topics.items())
    )
    counts: Counter[str] = Counter()
    for attempt in attempts:
        for key in (attempt.mistake or "").split("+"):
            if key in CATALOGUE:
                counts[key] += 1
    mistakes = tuple(MistakeCount(key, n, CATALOGUE[key].name, CATALOGUE[key].explanation)
                     for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_MISTAKES])
    streak, best = _streaks(attempts)
    days = sorted({date.fromisoformat(a.at[:10]) for a in attempts if a.at})
    return Progress(
        answers=len(attempts), correct=sum(a.status == "correct" for a in attempts),
        sessions=len({a.session for a in attempts if a.session}), streak=streak, best_streak=best,
        days=len(days), day_streak=_day_streak(days), topics=topics, mistakes=mistakes,
    )
