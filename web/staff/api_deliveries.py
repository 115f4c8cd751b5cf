"""A webhook subscription's page, for supervisors: its settings, its signing secret once after it
was made or rotated, and its delivery log — each attempt's time, event type, status code, the
answer's first bytes and duration — with one delivery, or every event since a time, sent again.
Each sending again is in the audit log."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from db.errors import NotFound
from db.webhook_log import deliveries_of, redeliver, redeliver_since
from db.webhook_subscriptions import Subscription, subscription
from domain.terms import Role
from domain.text import N_
from web.auth import current_staff, staff_required
from web.i18n import gettext as _
from web.i18n import local_time, ngettext
from web.navigation import redirect_to
from web.params import calendar_day, row_id, whole_number
from web.rendering import render
from web.staff import shown_once
from web.staff.api_admin import audit, overlap_choices
from web.staff.api_clients import BASE, found_client
from web.staff.navigation import staff_nav

GUARDS = [staff_required(Role.SUPERVISOR)]
SUBSCRIPTION = f"{BASE}/{{client_id:str}}/subscriptions/{{subscription_id:str}}"
SINCE_RULE = N_("Give a day and a time, such as 2026-12-01 and 09:30.")
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])(:[0-5][0-9])?")


async def found_subscription(client_id: str, subscription_id: str) -> tuple[dict[str, Any], Subscription]:  # fmt: skip
    """The client and its subscription a path names; 404 for anything else (another client's
    subscription included)."""
    found = await found_client(client_id)
    chosen = await subscription(int(found["id"]), row_id(subscription_id))
    if chosen is None:
        raise NotFound(subscription_id)
    return found, chosen


def _since_values(now: datetime) -> dict[str, str]:
    """The form's first suggestion: a day ago, where times are shown."""
    then = local_time(now - timedelta(days=1))
    return {"since_day": then.date().isoformat(), "since_time": then.strftime("%H:%M")}


def _sent_notice(text: str) -> str:
    if text == "paused":
        return _("The subscription is paused: resume it, then send again.")
    count = whole_number(text)
    if count is None:
        return ""
    if count == 0:
        return _("Nothing was sent again: no event since then, or each is on its way already.")
    return ngettext(
        "%(n)s event is on its way again.", "%(n)s events are on their way again.", count
    ) % {"n": count}


async def subscription_page(request: Request[Any, Any, Any], found: dict[str, Any],
                            chosen: Subscription, *, errors: dict[str, str] | None = None,
                            values: dict[str, str] | None = None,
                            status_code: int = 200) -> Response[Any]:  # fmt: skip
    now = datetime.now(UTC)
    before = whole_number(request.query_params.get("before"))
    return render(
        request,
        "staff/api_subscription.html",
        status_code=status_code,
        headers=shown_once.NO_STORE,
        nav=staff_nav(current_staff(request), "api_clients"),
        client=found,
        subscription=chosen,
        secret=await shown_once.take(request, f"subscription:{chosen.id}"),
        log=await deliveries_of(int(found["id"]), chosen.id, before=before),
        overlaps=overlap_choices(),
        errors=errors or {},
        values=values or _since_values(now),
        notice=_sent_notice(request.query_params.get("sent", "")[:10]),
        url=f"{BASE}/{found['id']}/subscriptions/{chosen.id}",
    )


@get(SUBSCRIPTION, name="staff_api_subscription", guards=GUARDS)
async def page(request: Request[Any, Any, Any], client_id: FromPath[str],
               subscription_id: FromPath[str]) -> Response[Any]:  # fmt: skip
    found, chosen = await found_subscription(client_id, subscription_id)
    return await subscription_page(request, found, chosen)


def _since(values: dict[str, str], now: datetime) -> datetime | None:
    """The moment typed (a day and a time where times are shown), in UTC; None if it is not one."""
    day, typed = calendar_day(values["since_day"]), _TIME.fullmatch(values["since_time"])
    if day is None or typed is None:
        return None
    zone = local_time(now).tzinfo
    at = time(int(typed.group(1)), int(typed.group(2)))
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


@post(f"{SUBSCRIPTION}/redeliver", name="staff_api_redeliver_since", guards=GUARDS)
async def send_since(request: Request[Any, Any, Any], client_id: FromPath[str],
                     subscription_id: FromPath[str]) -> Response[Any]:  # fmt: skip
    found, chosen = await found_subscription(client_id, subscription_id)
    form = await request.form()
    values = {name: str(form.get(name) or "").strip()[:20] for name in ("since_day", "since_time")}
    now = datetime.now(UTC)
    since = _since(values, now)
    if since is None:
        # kept where a date or time field can show it; a crafted value is not shown again
        kept = {"since_day": values["since_day"] if calendar_day(values["since_day"]) else "",
                "since_time": values["since_time"] if _TIME.fullmatch(values["since_time"]) else ""}  # fmt: skip
        return await subscription_page(request, found, chosen, errors={"since": _(SINCE_RULE)},
                                       values=kept, status_code=422)  # fmt: skip
    count = await redeliver_since(int(found["id"]), chosen.id, since, now)
    if count is None:
        return redirect_to(request, f"{BASE}/{found['id']}/subscriptions/{chosen.id}?sent=paused")
    await audit(request, "redeliver_webhook", f"{found['name']} · {chosen.id}",
                f"since {since.isoformat()} · {count}", now)  # fmt: skip
    return redirect_to(request, f"{BASE}/{found['id']}/subscriptions/{chosen.id}?sent={count}")


@post(f"{SUBSCRIPTION}/deliveries/{{delivery_id:str}}/redeliver", name="staff_api_redeliver",
      guards=GUARDS)  # fmt: skip
async def send_again(request: Request[Any, Any, Any], client_id: FromPath[str],
                     subscription_id: FromPath[str], delivery_id: FromPath[str]) -> Response[Any]:  # fmt: skip
    found, chosen = await found_subscription(client_id, subscription_id)
    number = row_id(delivery_id)
    url = f"{BASE}/{found['id']}/subscriptions/{chosen.id}"
    if not chosen.active:
        return redirect_to(request, f"{url}?sent=paused")
    now = datetime.now(UTC)
    if await redeliver(int(found["id"]), chosen.id, number, now) is None:
        raise NotFound(delivery_id)
    await audit(request, "redeliver_webhook", f"{found['name']} · {chosen.id}",
                f"delivery {number}", now)  # fmt: skip
    return redirect_to(request, f"{url}?sent=1")


ROUTES: list[Any] = [page, send_since, send_again]
