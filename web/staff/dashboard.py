"""The supervisors' dashboard at /staff/dashboard: for a chosen period, requests by state,
channel, reason and product; how long decisions and refunds took; review deadlines missed; how
often requests were rejected and rejections overturned. Charts are drawn here as SVG, each with
its table beside it; no chart script."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Request, Response, get

from db.dashboard import period_figures
from db.operations import operations
from domain.labels import CHANNEL_LABELS, REASON_LABELS, STATE_LABELS
from domain.stats import outcomes, spread
from domain.terms import Reason, Role, State
from web.auth import current_staff, staff_required
from web.i18n import current_locale, local_day_start, local_time, ngettext
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


def _waited(seconds: float) -> str:
    """How long the oldest work has waited, in words; empty when nothing is late."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return ""
    if minutes < 120:
        words = ngettext("%(num)d minute", "%(num)d minutes", minutes) % {"num": minutes}
    else:
        words = duration_words(timedelta(seconds=seconds))
    return _("the oldest for %(time)s") % {"time": words}


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _named(pairs: list[tuple[str, int]], labels: Any, enum: Any) -> list[tuple[str, int]]:
    known = {member.value for member in enum}
    return [(_(labels[enum(key)]) if key in known else (key or "—"), n) for key, n in pairs]


def _channels(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return [(_(CHANNEL_LABELS[key]) if key in CHANNEL_LABELS else key, n) for key, n in pairs]


@get("/staff/dashboard", name="staff_dashboard", guards=[staff_required(Role.SUPERVISOR)])
async def dashboard(request: Request[Any, Any, Any]) -> Response[Any]:
    raw = request.query_params.get("days", "30")
    days = int(raw) if raw in {str(p) for p in PERIODS} else 30
    now = datetime.now(UTC)
    figures = await period_figures(
        now - timedelta(days=days), now, now, chinese=current_locale() == "zh_CN"
    )
    ops = await operations(now, local_day_start(local_time(now).date()))
    to_decision, to_refund = spread(figures.to_decision), spread(figures.to_refund)
    went = outcomes(figures.decisions)
    return render(
        request,
        "staff/dashboard.html",
        nav=staff_nav(current_staff(request), "dashboard"),
        days=days,
        periods=PERIODS,
        ops=ops,
        oldest_words=_waited(ops.oldest_waiting_seconds),
        charts=[
            ("states", _("By status"), _named(figures.by_state, STATE_LABELS, State)),
            ("channels", _("By channel"), _channels(figures.by_channel)),
            ("reasons", _("By reason"), _named(figures.by_reason, REASON_LABELS, Reason)),
            ("products", _("By product"), figures.by_product),
        ],
        figures_shown=[
            (_("Requests submitted"), str(figures.submitted)),
            (_("Time to a decision, median"), duration_words(to_decision.median)),
            (_("Time to a decision, 90% within"), duration_words(to_decision.p90)),
            (_("Time to a refund, median"), duration_words(to_refund.median)),
            (_("Time to a refund, 90% within"), duration_words(to_refund.p90)),
            (_("Review deadlines missed"), str(figures.review_missed)),
            (_("Rejected, of those decided"), _percent(went.rejection_rate)),
            (_("Overturned, of the appeals decided"), _percent(went.overturn_rate)),
        ],
    )


ROUTES: list[Any] = [dashboard]
