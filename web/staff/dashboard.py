"""The supervisors' dashboard at /staff/dashboard: for a chosen period, requests by state,
channel, reason and product; how long decisions and refunds took; review deadlines missed; how
often requests were rejected and rejections overturned. Charts are drawn here as SVG, each with
its table beside it; no chart script."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Request, Response, get

from db.dashboard import period_facts
from domain.labels import REASON_LABELS, STATE_LABELS
from domain.stats import counts, outcomes, review_breaches, spread
from domain.terms import Reason, Role, State
from web.auth import current_staff, staff_required
from web.i18n import current_locale, ngettext
from web.i18n import gettext as _
from web.rendering import render
from web.staff.navigation import staff_nav

PERIODS = (7, 30, 90, 365)


def duration_words(value: timedelta | None) -> str:
    if value is None:
        return "—"
    hours = value.total_seconds() / 3600
    if hours < 48:
        return ngettext("%(num)d hour", "%(num)d hours", round(hours)) % {"num": round(hours)}
    days = round(hours / 24)
    return ngettext("%(num)d day", "%(num)d days", days) % {"num": days}


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _named(pairs: list[tuple[str, int]], labels: Any, enum: Any) -> list[tuple[str, int]]:
    known = {member.value for member in enum}
    return [(_(labels[enum(key)]) if key in known else (key or "—"), n) for key, n in pairs]


@get("/staff/dashboard", name="staff_dashboard", guards=[staff_required(Role.SUPERVISOR)])
async def dashboard(request: Request[Any, Any, Any]) -> Response[Any]:
    raw = request.query_params.get("days", "30")
    days = int(raw) if raw in {str(p) for p in PERIODS} else 30
    now = datetime.now(UTC)
    facts, actions = await period_facts(
        now - timedelta(days=days), now, chinese=current_locale() == "zh_CN"
    )
    to_decision = spread([f.decided_at - f.submitted_at for f in facts if f.decided_at])
    to_refund = spread([f.refunded_at - f.submitted_at for f in facts if f.refunded_at])
    went = outcomes(actions)
    return render(
        request,
        "staff/dashboard.html",
        nav=staff_nav(current_staff(request), "dashboard"),
        days=days,
        periods=PERIODS,
        total=len(facts),
        charts=[
            ("states", _("By status"), _named(counts(f.state for f in facts), STATE_LABELS, State)),
            ("channels", _("By channel"), counts(f.channel for f in facts)),
            (
                "reasons",
                _("By reason"),
                _named(counts(f.reason for f in facts), REASON_LABELS, Reason),
            ),
            ("products", _("By product"), counts(p for f in facts for p in f.products)[:10]),
        ],
        figures=[
            (_("Requests submitted"), str(len(facts))),
            (_("Time to a decision, median"), duration_words(to_decision.median)),
            (_("Time to a decision, 90% within"), duration_words(to_decision.p90)),
            (_("Time to a refund, median"), duration_words(to_refund.median)),
            (_("Time to a refund, 90% within"), duration_words(to_refund.p90)),
            (_("Review deadlines missed"), str(review_breaches(facts, now))),
            (_("Rejected, of those decided"), _percent(went.rejection_rate)),
            (_("Overturned, of the appeals decided"), _percent(went.overturn_rate)),
        ],
    )


ROUTES: list[Any] = [dashboard]
