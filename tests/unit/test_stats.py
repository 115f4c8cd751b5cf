"""The dashboard's figures from plain facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.stats import outcomes, ranked, spread
from domain.terms import Action

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_median_and_ninetieth_percentile_by_nearest_rank() -> None:
    hours = [timedelta(hours=h) for h in (5, 1, 3, 2, 4, 6, 7, 8, 9, 10)]
    found = spread(hours)
    assert (found.count, found.median, found.p90) == (10, timedelta(hours=5.5), timedelta(hours=9))
    assert spread([HOUR]).median == spread([HOUR]).p90 == HOUR
    assert spread([]).median is None


def test_rejection_and_overturn_rates() -> None:
    went = outcomes({Action.APPROVE: 3, Action.REJECT: 1, Action.UPHOLD: 1, Action.OVERTURN: 1})
    assert went.rejection_rate == 0.25 and went.overturn_rate == 0.5
    assert outcomes({}).rejection_rate is None


def test_counts_put_the_most_common_first_and_ties_by_name() -> None:
    assert ranked({"web": 2, "partner": 1, "outlet": 2}) == [
        ("outlet", 2), ("web", 2), ("partner", 1)
    ]  # fmt: skip
