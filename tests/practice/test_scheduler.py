"""The scheduler's choices on scripted histories (shipped bank; the model is replayed, no file)."""

from __future__ import annotations

from collections import Counter

import pytest

from cnnquiz.bank import load_bank
from cnnquiz.practice.history import Attempt
from cnnquiz.practice.scheduler import (
    INTERVALS, MASTERED, MAX_REVIEWS_IN_A_ROW, REVISIT_AFTER, choose, mastery, replay, target_difficulty,
)


@pytest.fixture(scope="module")
def templates():
    return list(load_bank().templates)


def _answer(template, status: str, mistake: str | None = None, seed: int = 0) -> Attempt:
    credit = 1.0 if status == "correct" else 0.0
    return Attempt(template.id, template.topic, template.difficulty, seed, status, credit, mistake)


def _simulate(history: list[Attempt], templates, steps: int, *, seed: int = 7, status=lambda t: "correct"):
    """Choose ``steps`` questions, answering each as ``status(template)`` says."""
    by_id = {t.id: t for t in templates}
    chosen = []
    for step in range(steps):
        choice = choose(replay(history), templates, seed=seed, step=step)
        template = by_id[choice.template]
        chosen.append((template, choice))
        history = history + [_answer(template, status(template), seed=choice.seed)]
    return chosen


def test_ten_forgot_plus_one_misses_pull_the_next_twenty_questions_toward_it(templates) -> None:
    size_templates = [t for t in templates if t.topic == "output_size" and "forgot_plus_one" in t.mistakes]
    misses = [_answer(size_templates[i % len(size_templates)], "wrong", "forgot_plus_one") for i in range(10)]
    warm_up = [_answer(t, "correct") for t in templates if t.topic == "concepts"][:10]
    after_misses = _simulate(warm_up + misses, templates, 20)
    baseline = _simulate(warm_up, templates, 20)
    diagnosing = lambda chosen: sum("forgot_plus_one" in t.mistakes for t, _ in chosen)  # noqa: E731
    assert diagnosing(after_misses) >= 14
    assert diagnosing(after_misses) >= 2 * diagnosing(baseline)
    assert sum(t.topic == "output_size" for t, _ in after_misses) >= 8


def test_a_missed_question_comes_back_later_with_new_numbers(templates) -> None:
    missed = next(t for t in templates if t.id == "conv-params-lecture")
    history = [_answer(missed, "wrong", "bias_forgotten", seed=123)]
    others = [t for t in templates if t.id != missed.id]
    for _ in range(INTERVALS[1] - 1):
        history.append(_answer(others[len(history)], "correct"))
        assert replay(history).cards[missed.id][1] > len(history)  # not due yet
    history.append(_answer(others[len(history)], "correct"))
    choice = choose(replay(history), templates, seed=1, step=len(history))
    assert choice.template == missed.id and choice.seed != 123
    assert choice.reason.startswith("review (box 1)")


def test_right_answers_move_a_card_up_the_boxes_until_it_graduates(templates) -> None:
    card = templates[0]
    history = [_answer(card, "wrong")]
    assert replay(history).cards[card.id] == (1, 1 + INTERVALS[1])
    for box in range(2, max(INTERVALS) + 1):
        history.append(_answer(card, "correct"))
        assert replay(history).cards[card.id] == (box, len(history) + INTERVALS[box])
    history.append(_answer(card, "correct"))
    assert card.id not in replay(history).cards


def test_a_mastered_topic_appears_less_but_at_least_once_in_forty(templates) -> None:
    topics = ["conv_params", "output_size", "pool_size", "activations"]
    allowed = [t for t in templates if t.topic in topics]
    history = [_answer(t, "correct") for t in allowed if t.topic == "conv_params"] * 6
    assert replay(history).topics["conv_params"].mastery >= MASTERED
    chosen = _simulate(history, allowed, 40, status=lambda t: "correct" if t.topic == "conv_params" else "wrong")
    counts = Counter(t.topic for t, _ in chosen)
    assert 1 <= counts["conv_params"] < 40 / len(topics) / 2
    assert any(c.reason.startswith("revisit: conv_params") for t, c in chosen)
    last = max(i for i, (t, _) in enumerate(chosen) if t.topic == "conv_params")
    assert 40 - last <= REVISIT_AFTER + 1


def test_difficulty_rises_with_the_rating(templates) -> None:
    allowed = [t for t in templates if t.topic == "output_size"]

    def rated(status: str) -> list[Attempt]:
        # answers to a retired template of the topic: they move the rating but leave no card to review
        return [Attempt("retired-template", "output_size", 2, 0, status, 1.0 if status == "correct" else 0.0)] * 12

    def mean_difficulty(history: list[Attempt]) -> float:
        model = replay(history)
        chosen = [choose(model, allowed, seed=5, step=s).template for s in range(40)]
        return sum(next(t.difficulty for t in allowed if t.id == c) for c in chosen) / 40

    low, high = rated("wrong"), rated("correct")
    assert target_difficulty(replay(low).topics["output_size"].rating) == 1
    assert target_difficulty(replay(high).topics["output_size"].rating) == 3
    assert mean_difficulty(low) < 1.6 and mean_difficulty(high) > 2.2


def test_elo_update_by_hand() -> None:
    # Start 1000 against a difficulty-1 item (900): P = 1/(1+10^(-0.25)) = 0.6401; right -> +48 x 0.3599.
    model = replay([Attempt("t", "x", 1, 0, "correct", 1.0)])
    assert model.topics["x"].rating == pytest.approx(1000 + 48 * (1 - 0.640065), abs=1e-3)
    assert mastery(1000) == 0.5 and target_difficulty(1049) == 1 and target_difficulty(1200) == 3


def test_same_history_and_seed_give_the_same_questions(templates) -> None:
    first = [(t.id, c.seed) for t, c in _simulate([], templates, 12, seed=3)]
    again = [(t.id, c.seed) for t, c in _simulate([], templates, 12, seed=3)]
    other = [(t.id, c.seed) for t, c in _simulate([], templates, 12, seed=4)]
    assert first == again != other


def test_decayed_mistakes_fade(templates) -> None:
    t = templates[0]
    model = replay([_answer(t, "wrong", "forgot_plus_one+padding_once")] + [_answer(t, "correct")] * 10)
    assert model.mistakes["forgot_plus_one"] == pytest.approx(0.9 ** 10)
    assert model.mistakes["padding_once"] == pytest.approx(0.9 ** 10)


def test_the_order_templates_come_in_does_not_change_the_choice(templates) -> None:
    history = [_answer(templates[3], "wrong", "forgot_plus_one")]
    forward = [choose(replay(history), templates, seed=9, step=s).template for s in range(8)]
    backward = [choose(replay(history), templates[::-1], seed=9, step=s).template for s in range(8)]
    assert forward == backward


def test_a_student_who_keeps_missing_still_meets_every_topic(templates) -> None:
    # Always wrong on output_size: its missed cards fall due all the time. Reviews must
    # not take every slot, or the topics not yet seen never come up.
    topics = {"conv_params", "output_size", "pool_size", "activations"}
    allowed = [t for t in templates if t.topic in topics]
    history = [_answer(t, "wrong", "forgot_plus_one") for t in allowed if t.topic == "output_size"]
    chosen = _simulate(history, allowed, 20, status=lambda t: "wrong" if t.topic == "output_size" else "correct")
    assert {t.topic for t, _ in chosen} == topics
    reviews = "".join("r" if choice.reason.startswith("review") else "." for _, choice in chosen)
    assert "r" * (MAX_REVIEWS_IN_A_ROW + 1) not in reviews and "r" in reviews, reviews
