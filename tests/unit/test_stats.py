"""The dashboard's figures from plain facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.stats import RequestFacts, counts, outcomes, review_breaches, spread
from domain.terms import Action

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _fact(due_in: float | None, decided_after: float | None) -> RequestFacts:
    return RequestFacts(
        submitted_at=NOW - 48 * HOUR,
        state="submitted",
        channel="web",
        reason="quality_defect",
        review_due_at=NOW - 48 * HOUR + due_in * HOUR if due_in is not None else None,
        decided_at=NOW - 48 * HOUR + decided_after * HOUR if decided_after is not None else None,
        refunded_at=None,
        products=(),
    )


def test_median_and_ninetieth_percentile_by_nearest_rank() -> None:
    hours = [timedelta(hours=h) for h in (5, 1, 3, 2, 4, 6, 7, 8, 9, 10)]
    found = spread(hours)
    assert (found.count, found.median, found.p90) == (10, timedelta(hours=5.5), timedelta(hours=9))
    assert spread([HOUR]).median == spread([HOUR]).p90 == HOUR
    assert spread([]).median is None


def test_a_review_deadline_is_missed_by_a_late_decision_or_by_none_yet() -> None:
    facts = [_fact(24, 20), _fact(24, 30), _fact(24, None), _fact(72, None), _fact(None, None)]
    assert review_breaches(facts, NOW) == 2


def test_rejection_and_overturn_rates() -> None:
    went = outcomes([Action.APPROVE] * 3 + [Action.REJECT] + [Action.UPHOLD, Action.OVERTURN])
    assert went.rejection_rate == 0.25 and went.overturn_rate == 0.5
    assert outcomes([]).rejection_rate is None


def test_counts_put_the_most_common_first_and_ties_by_name() -> None:
    assert counts(["web", "outlet", "web", "partner", "outlet"]) == [
        ("outlet", 2), ("web", 2), ("partner", 1)
    ]  # fmt: skip
