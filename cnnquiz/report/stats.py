"""Class statistics with Moodle's definitions: facility, discrimination, distribution,
mastery per group, and the misconception map.

Definitions (Moodle's quiz statistics, ``mod/quiz/report/statistics``):

- *facility index* of an item: the mean share of the item's marks earned,
  ``mean(score_i / max_i)`` over the students who had the item (0..1).
- *discrimination index*: the Pearson correlation of the item's score with the rest of
  the student's total (the total without this item), over the same students. The rest
  is taken as a share of the rest's marks, so that papers of different lengths compare;
  with one maximum for everybody it is the plain rest of the points. Undefined (``None``)
  when either varies not at all (everybody scored the same) or fewer than 3 students
  had the item.
- flags: facility below 0.1 or above 0.9; discrimination below 0.3 (low) or below 0
  (negative: the stronger students did worse on it).

Students whose status is ``error`` (nothing could be graded) are counted in ``students``
and listed, but enter no statistic: they have no item scores to describe.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from cnnquiz.mistakes import CATALOGUE
from cnnquiz.report.load import ClassData, ItemScore, Source, StudentRecord

__all__ = [
    "FACILITY_LOW",
    "FACILITY_HIGH",
    "DISCRIMINATION_LOW",
    "VariantStats",
    "ItemStats",
    "GroupMastery",
    "MistakeStats",
    "Distribution",
    "ClassReport",
    "pearson",
    "class_report",
    "mistake_name",
]

FACILITY_LOW = 0.1
FACILITY_HIGH = 0.9
DISCRIMINATION_LOW = 0.3
_MIN_STUDENTS_FOR_DISCRIMINATION = 3


@dataclass(frozen=True)
class VariantStats:
    """One variant of a template (answer sheets): the prompt some students saw."""

    prompt: str
    students: int
    facility: float


@dataclass(frozen=True)
class ItemStats:
    """One item (test or template) over the class."""

    id: str
    group: str
    students: int  # students who had the item
    max_score: float
    facility: float
    discrimination: float | None
    flags: tuple[str, ...]
    variants: tuple[VariantStats, ...] = ()


@dataclass(frozen=True)
class GroupMastery:
    """The share of the marks earned on one function's tests or one topic's questions."""

    group: str
    mastery: float
    items: int


@dataclass(frozen=True)
class MistakeStats:
    """One named mistake: who shows it and in which items (with how many students each)."""

    mistake: str
    name: str
    students: tuple[str, ...]
    items: tuple[tuple[str, int], ...]  # (item, students showing it there)
    groups: tuple[tuple[str, int, int], ...] = ()  # (function or topic, items, students)


@dataclass(frozen=True)
class Distribution:
    """Total scores of the graded students (points and share of their maximum)."""

    scores: tuple[float, ...]
    shares: tuple[float, ...]
    mean: float
    median: float
    sd: float  # sample standard deviation (n - 1), as Moodle's; 0 for one student
    mean_share: float


@dataclass(frozen=True)
class ClassReport:
    """Everything ``cnnquiz report`` shows."""

    source: Source
    folder: str
    students: int
    graded: int
    not_graded: tuple[str, ...]
    distribution: Distribution
    items: tuple[ItemStats, ...]
    groups: tuple[GroupMastery, ...]
    mistakes: tuple[MistakeStats, ...]

    def contract_json(self) -> dict[str, Any]:
        """Exactly the object of contract section 9."""
        return {
            "students": self.students,
            "mean": _round(self.distribution.mean),
            "items": [{"id": item.id, "facility": _round(item.facility),
                       "discrimination": None if item.discrimination is None else _round(item.discrimination)}
                      for item in self.items],
            "mistakes": [{"mistake": m.mistake, "students": len(m.students)} for m in self.mistakes],
        }


def _round(value: float) -> float:
    return round(float(value), 4)


def pearson(xs: Iterable[float], ys: Iterable[float]) -> float | None:
    """The Pearson correlation of two equally long sequences; None when one is constant.

    >>> pearson([0, 1, 1], [0.25, 0.5, 1.0])
    0.7559289460184543
    """
    xs, ys = list(map(float, xs)), list(map(float, ys))
    n = len(xs)
    if n != len(ys) or n < 2:
        return None
    mx, my = math.fsum(xs) / n, math.fsum(ys) / n
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    syy = math.fsum((y - my) ** 2 for y in ys)
    # Deviations below rounding noise mean "constant": no correlation to speak of.
    if sxx <= 1e-12 * max(1.0, mx * mx) * n or syy <= 1e-12 * max(1.0, my * my) * n:
        return None
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys))
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def mistake_name(key: str) -> str:
    """A mistake's plain name; ``"a+b"`` (indistinguishable mistakes) names both."""
    names = [CATALOGUE[k].name if k in CATALOGUE else k for k in key.split("+")]
    return ", or ".join(names)


def _pooled(student: StudentRecord) -> dict[str, ItemScore]:
    """A student's items by id; several questions of one template add up into one item."""
    pooled: dict[str, ItemScore] = {}
    for item in student.items:
        if item.item in pooled:
            old = pooled[item.item]
            item = ItemScore(item.item, old.group, old.score + item.score, old.max_score + item.max_score,
                             old.mistakes + item.mistakes, old.variant)
        pooled[item.item] = item
    return pooled


def _flags(facility: float, discrimination: float | None) -> tuple[str, ...]:
    flags = []
    if facility < FACILITY_LOW:
        flags.append(f"very hard (facility < {FACILITY_LOW})")
    elif facility > FACILITY_HIGH:
        flags.append(f"very easy (facility > {FACILITY_HIGH})")
    if discrimination is not None and discrimination < 0:
        flags.append("negative discrimination (< 0)")
    elif discrimination is not None and discrimination < DISCRIMINATION_LOW:
        flags.append(f"low discrimination (< {DISCRIMINATION_LOW})")
    return tuple(flags)


def _share(score: float, max_score: float) -> float:
    return score / max_score if max_score > 0 else 0.0


def _variants(source: Source, graded: list[StudentRecord], item_id: str) -> tuple[VariantStats, ...]:
    if source is not Source.ANSWERS:
        return ()
    by_prompt: dict[str, list[float]] = defaultdict(list)
    for student in graded:
        for item in student.items:
            if item.item == item_id:
                by_prompt[item.variant].append(_share(item.score, item.max_score))
    return tuple(VariantStats(prompt, len(shares), math.fsum(shares) / len(shares))
                 for prompt, shares in sorted(by_prompt.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def _item_stats(source: Source, graded: list[StudentRecord], pooled: list[dict[str, ItemScore]],
                item_id: str) -> ItemStats:
    shares, rests, max_score, group = [], [], 0.0, ""
    for student in pooled:
        item = student.get(item_id)
        if item is None:
            continue
        group, max_score = item.group, max(max_score, item.max_score)
        total = math.fsum(i.score for i in student.values())
        total_max = math.fsum(i.max_score for i in student.values())
        shares.append(_share(item.score, item.max_score))
        rests.append(_share(total - item.score, total_max - item.max_score) if total_max > item.max_score else math.nan)
    facility = math.fsum(shares) / len(shares)
    discrimination = None
    if len(shares) >= _MIN_STUDENTS_FOR_DISCRIMINATION and not any(math.isnan(r) for r in rests):
        discrimination = pearson(shares, rests)
    return ItemStats(item_id, group, len(shares), max_score, facility, discrimination,
                     _flags(facility, discrimination), _variants(source, graded, item_id))


def _groups(pooled: list[dict[str, ItemScore]], items: tuple[ItemStats, ...]) -> tuple[GroupMastery, ...]:
    earned: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for student in pooled:
        for item in student.values():
            earned[item.group][0] += item.score
            earned[item.group][1] += item.max_score
    order = list(dict.fromkeys(item.group for item in items))
    return tuple(GroupMastery(g, _share(*earned[g]), sum(i.group == g for i in items)) for g in order)


def _mistakes(graded: list[StudentRecord]) -> tuple[MistakeStats, ...]:
    students: dict[str, set[str]] = defaultdict(set)
    per_item: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    per_group: dict[str, dict[str, tuple[set[str], set[str]]]] = defaultdict(
        lambda: defaultdict(lambda: (set(), set())))  # group -> (items, students)
    for student in graded:
        for item in student.items:
            for key in item.mistakes:
                students[key].add(student.student)
                per_item[key][item.item].add(student.student)
                per_group[key][item.group][0].add(item.item)
                per_group[key][item.group][1].add(student.student)
    found = [
        MistakeStats(key, mistake_name(key), tuple(sorted(who)),
                     tuple(sorted(((item, len(s)) for item, s in per_item[key].items()), key=lambda p: (-p[1], p[0]))),
                     tuple(sorted(((g, len(i), len(s)) for g, (i, s) in per_group[key].items()),
                                  key=lambda t: (-t[2], -t[1], t[0]))))
        for key, who in students.items()
    ]
    return tuple(sorted(found, key=lambda m: (-len(m.students), m.mistake)))


def _distribution(graded: list[StudentRecord], pooled: list[dict[str, ItemScore]]) -> Distribution:
    scores = [math.fsum(i.score for i in p.values()) for p in pooled]
    shares = [_share(s, math.fsum(i.max_score for i in p.values())) for s, p in zip(scores, pooled)]
    if not scores:
        return Distribution((), (), 0.0, 0.0, 0.0, 0.0)
    sd = statistics.stdev(scores) if len(scores) > 1 else 0.0
    return Distribution(tuple(scores), tuple(shares), statistics.fmean(scores), statistics.median(scores), sd,
                        statistics.fmean(shares))


def class_report(data: ClassData) -> ClassReport:
    """The statistics of one class (see the module docstring for the definitions)."""
    graded = [s for s in data.students if s.graded]
    pooled = [_pooled(s) for s in graded]
    # Items in the order they first appear (tests in assignment order); templates sorted.
    # An item worth no marks anywhere has no facility; its named mistakes still count below.
    worth = {item.item for s in graded for item in s.items if item.max_score > 0}
    order = [i for i in dict.fromkeys(item.item for s in graded for item in s.items) if i in worth]
    if data.source is Source.ANSWERS:
        order.sort()
    items = tuple(_item_stats(data.source, graded, pooled, item_id) for item_id in order)
    return ClassReport(
        source=data.source,
        folder=data.folder,
        students=len(data.students),
        graded=len(graded),
        not_graded=tuple(s.student for s in data.students if not s.graded),
        distribution=_distribution(graded, pooled),
        items=items,
        groups=_groups(pooled, items),
        mistakes=_mistakes(graded),
    )
