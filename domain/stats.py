"""Figures for the supervisors' dashboard from what db/ counted: the time requests took
(median and 90th percentile) and the share of decisions that went one way. Pure: db/ reads,
web/ draws."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
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


def ranked(counted: Mapping[str, int]) -> list[tuple[str, int]]:
    """Counts, the largest first (ties by name, so the order is stable)."""
    return sorted(counted.items(), key=lambda pair: (-pair[1], pair[0]))


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


def outcomes(taken: Mapping[Action, int]) -> Outcomes:
    """From how many of each decision were taken, how they went."""
    appeals = taken.get(Action.UPHOLD, 0) + taken.get(Action.OVERTURN, 0)
    return Outcomes(
        taken.get(Action.APPROVE, 0), taken.get(Action.REJECT, 0), appeals,
        taken.get(Action.OVERTURN, 0),
    )  # fmt: skip
