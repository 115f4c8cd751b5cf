"""The queue at /staff/queue: what waits for the signed-in role, the most urgent first.

Filters and search are the URL's query, so a view can be bookmarked and shared; with htmx they
replace the results without a reload, and the first page looks again every 15 s so new
requests appear on their own. Pages follow one another by keyset (`after`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get

from db.staff import outlets, products
from db.staff_queue import (
    QueueFilter,
    matching_requests,
    parse_cursor,
    queue_counts,
    queue_page,
)
from domain.labels import CHANNEL_LABELS, REASON_LABELS, STATE_LABELS, STATE_TONE
from domain.risk import HIGH_FROM
from domain.staff import QUEUE_STATES
from domain.terms import Reason, State
from web.auth import current_staff, staff_required
from web.i18n import gettext as _
from web.i18n import local_day_start
from web.params import filter_day, whole_number
from web.rendering import render
from web.staff import claims
from web.staff.navigation import staff_nav

PAGE_SIZE = 25
COUNTS_TTL = 5  # seconds


def _day(text: str, after: int = 0) -> datetime | None:
    """Midnight (display time) starting a date typed as YYYY-MM-DD, `after` days later; None
    when none is named (400 for one that is not a day: web.params.filter_day)."""
    day = filter_day(text)
    return local_day_start(day + timedelta(days=after)) if day else None


async def _filter(request: Request[Any, Any, Any]) -> tuple[QueueFilter, dict[str, str]]:
    staff = current_staff(request)
    query = request.query_params
    mine = QUEUE_STATES.get(staff.role, ())
    typed = {name: query.get(name, "")[:30] for name in
             ("state", "reason", "channel", "outlet", "product", "from", "to")}  # fmt: skip
    chosen = {
        "state": typed["state"] if typed["state"] in {s.value for s in mine} else "",
        "reason": typed["reason"] if typed["reason"] in {r.value for r in Reason} else "",
        "risk": "high" if query.get("risk") == "high" else "",
        "channel": typed["channel"] if typed["channel"] in CHANNEL_LABELS else "",
        "outlet": typed["outlet"] if whole_number(typed["outlet"]) else "",
        "product": typed["product"] if whole_number(typed["product"]) else "",
        "from": typed["from"] if _day(typed["from"]) else "",
        "to": typed["to"] if _day(typed["to"]) else "",
        "q": query.get("q", "").strip()[:60],
    }
    wanted = QueueFilter(
        states=(State(chosen["state"]),) if chosen["state"] else mine,
        outlet_id=staff.queue_outlet,
        matching=await matching_requests(chosen["q"]),
        reason=Reason(chosen["reason"]) if chosen["reason"] else None,
        high_risk_from=HIGH_FROM if chosen["risk"] else None,
        channel=chosen["channel"] or None,
        from_outlet=whole_number(chosen["outlet"]),
        product_id=whole_number(chosen["product"]),
        submitted_from=_day(chosen["from"]),
        submitted_until=_day(chosen["to"], after=1),
    )
    return wanted, chosen


def _url(chosen: dict[str, str], **changed: str) -> str:
    query = {k: v for k, v in {**chosen, **changed}.items() if v}
    return "/staff/queue" + ("?" + urlencode(query) if query else "")


async def _counts(request: Request[Any, Any, Any], wanted: QueueFilter) -> dict[State, int]:
    """The counts per state. Unsearched, they are the same for everyone of a role and cost a
    scan of the queue's states, so they are counted at most once per COUNTS_TTL across all web
    processes (a tab may lag a decision by that much); a search counts its few rows each time."""
    if wanted.matching is not None:
        return await queue_counts(wanted)
    redis = request.app.state.redis
    key = f"queue-counts:{wanted.outlet_id}:{','.join(wanted.states)}"
    kept = await redis.get(key)
    if kept is not None:
        return {State(state): int(n) for state, n in json.loads(kept).items()}
    counts = await queue_counts(wanted)
    await redis.set(key, json.dumps(counts), ex=COUNTS_TTL)
    return counts


@get("/staff/queue", name="staff_queue", guards=[staff_required()])
async def queue(request: Request[Any, Any, Any]) -> Response[Any]:
    staff = current_staff(request)
    wanted, chosen = await _filter(request)
    after = parse_cursor(request.query_params.get("after", ""))
    rows = await queue_page(wanted, after=after, limit=PAGE_SIZE + 1)
    counts = await _counts(
        request, QueueFilter(QUEUE_STATES.get(staff.role, ()), wanted.outlet_id, wanted.matching)
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    held = await claims.holders(request.app.state.redis, [row.id for row in rows])
    # what render() answers with the results block alone (not a boosted navigation)
    partial = request.headers.get("HX-Request") == "true" and "HX-Boosted" not in request.headers
    return render(
        request,
        "staff/queue.html",
        block="results",
        nav=staff_nav(staff, "queue"),
        rows=rows,
        held=held,
        me=staff.id,
        counts=counts,
        chosen=chosen,
        url=_url,
        next_url=_url(chosen, after=rows[-1].cursor) if more and rows else "",
        first_page=after is None,
        state_labels=STATE_LABELS,
        state_tones=STATE_TONE,
        reason_labels=REASON_LABELS,
        reasons=list(Reason),
        channels=[(code, _(words)) for code, words in CHANNEL_LABELS.items()],
        # the filter's choices are outside the results block an htmx request takes
        outlets=[] if staff.queue_outlet is not None or partial else await outlets(),
        products=[] if partial else await products(),
        high_risk=HIGH_FROM,
        now=datetime.now(UTC),
    )


ROUTES: list[Any] = [queue]
