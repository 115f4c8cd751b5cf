"""Figures for the supervisors' dashboard from what db/ counted: the time requests took
(median and 90th percentile) and the share of decisions that went one way. Pure: db/ reads,
web/ draws."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from domain.terms import Action


@dataclass(frozen=True)
class Spread:
    count: int
    median: timedelta | None
    p90: timedelta | None


def spread(durations: Sequence[timedelta]) -> Spread:
    """Median and 90th percentile (nearest rank), or None for both when there is nothing."""
    if not durations:
        return Spread(0, None, None)
    ordered = sorted(durations)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    p90 = ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]
    return Spread(len(ordered), median, p90)


def counts(values: Iterable[str]) -> list[tuple[str, int]]:
    """How many of each, the most common first (ties by name, so the order is stable)."""
    return sorted(Counter(values).items(), key=lambda pair: (-pair[1], pair[0]))


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Outcomes:
    approved: int
    rejected: int
    appeals_decided: int
    overturned: int

    @property
    def rejection_rate(self) -> float | None:
        return share(self.rejected, self.approved + self.rejected)

    @property
    def overturn_rate(self) -> float | None:
        return share(self.overturned, self.appeals_decided)


def outcomes(actions: Iterable[Action]) -> Outcomes:
    """From the decisions taken (events), how they went."""
    seen = Counter(actions)
    decided_appeals = seen[Action.UPHOLD] + seen[Action.OVERTURN]
    return Outcomes(
        seen[Action.APPROVE], seen[Action.REJECT], decided_appeals, seen[Action.OVERTURN]
    )
