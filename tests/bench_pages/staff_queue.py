"""`make bench`, staff section: the queue and the dashboard over 100,000 requests (PostgreSQL
when DATABASE_URL points there, else SQLite) — p50 and p95 of the queue's first page, a deep
keyset page and a filtered search, and the dashboard's time. Figures, not tests."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.bench_pages.summary import record

REQUESTS = 100_000
BATCH = 400  # rows per insert: PostgreSQL takes at most 32,767 parameters a statement


async def seed(merchant_id: int, policy_version: int, orders: list[int]) -> None:
    """Requests waiting for review, deadlines spread over a week, 20 % of them 'other'."""
    from db.tables import ReturnRequest

    now = datetime.now(UTC)
    for start in range(0, REQUESTS, BATCH):
        rows = []
        for i in range(start, min(start + BATCH, REQUESTS)):
            # submitted over the last 30 days; review due a day later (many overdue by now)
            submitted = now - timedelta(minutes=(i * 7919) % (30 * 24 * 60))
            due = submitted + timedelta(hours=24)
            rows.append(
                ReturnRequest(
                    rma=f"RDB{i:011d}",
                    merchant=merchant_id,
                    order=orders[i % len(orders)],
                    state="submitted",
                    version=2,
                    reason="other" if i % 5 == 0 else "quality_defect",
                    policy_version=policy_version,
                    submitted_at=due - timedelta(hours=24),
                    review_due_at=due,
                    due_at=due,
                    risk_score=(i * 37) % 100,
                )
            )
        await ReturnRequest.insert(*rows)


async def _p50_p95(runs: int, action: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = await action()
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


async def staff_section(client: Any, staff_token: str) -> None:
    import re

    from web.cookies import SESSION

    client.cookies.set(SESSION, staff_token)
    first = await client.get("/staff/queue")
    deep_cursor = None
    page = first
    for _ in range(40):  # walk 40 pages (1,000 rows) in, as a reviewer paging would
        found = re.search(r'href="/staff/queue\?after=([^"&]+)', page.text)
        if not found:
            break
        deep_cursor = found.group(1)
        page = await client.get(f"/staff/queue?after={deep_cursor}")
    print(f"staff queue over {REQUESTS:,} requests (in-process, one reviewer)")
    for label, path in (
        ("first page", "/staff/queue"),
        ("page 41 by keyset", f"/staff/queue?after={deep_cursor}"),
        ("filtered: reason 'other', high risk", "/staff/queue?reason=other&risk=high"),
        ("search by RMA", "/staff/queue?q=RDB00000054321"),
    ):
        p50, p95 = await _p50_p95(30, lambda path=path: client.get(path))
        print(f"  {label:<44} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   (target p95 <= 50 ms)")
        if label == "first page":
            record("queue_p95_ms", p95)


async def dashboard_section(client: Any, supervisor_token: str) -> None:
    from web.cookies import SESSION

    client.cookies.set(SESSION, supervisor_token)
    p50, p95 = await _p50_p95(5, lambda: client.get("/staff/dashboard?days=30"))
    print(
        f"  dashboard, last 30 days ({REQUESTS:,} requests) p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   (target <= 300 ms)"
    )
