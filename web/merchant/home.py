"""The merchant's home (their requests, open first) and notification centre."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from db.merchant_requests import requests_of, requests_version
from db.notifications import mark_all_read, mark_read, notifications_of
from domain.labels import MERCHANT_DEADLINES, STATE_LABELS, STATE_TONE, next_step
from domain.notices import NOTICE_TEXTS
from domain.text import Text
from web.auth import current_merchant, merchant_required, signed_in_merchant
from web.i18n import current_locale, render_text
from web.navigation import local_path, redirect_to
from web.page_cache import render_versioned
from web.params import row_id
from web.rendering import render


@get("/", name="home")
async def home(request: Request[Any, Any, Any]) -> Response[Any]:
    merchant = await signed_in_merchant(request)
    if merchant is None:  # the same for everyone: rendered once per language and hour
        return await render_versioned(request, "public/home.html", ("public",), _nothing)

    async def context() -> dict[str, Any]:
        summaries = await requests_of(merchant.id, current_locale())
        return {
            "open_requests": [s for s in summaries if s.is_open],
            "closed_requests": [s for s in summaries if not s.is_open],
            "state_labels": STATE_LABELS,
            "state_tones": STATE_TONE,
            "next_step": next_step,
            "merchant_deadlines": MERCHANT_DEADLINES,
        }

    version = ("home", merchant.id, *await requests_version(merchant.id))
    return await render_versioned(request, "merchant/home.html", version, context)


async def _nothing() -> dict[str, Any]:
    return {}


def notice_text(kind: str, params: dict[str, Any]) -> str:
    """The notice as the SMS said it, in this page's language (deadlines included)."""
    msgid = NOTICE_TEXTS.get(kind)
    if msgid is None:
        return kind
    return render_text(Text(msgid, {k: v for k, v in params.items() if k != "event_id"}))


@get("/notifications", name="notifications", guards=[merchant_required])
async def notifications(request: Request[Any, Any, Any]) -> Response[Any]:
    rows = await notifications_of(current_merchant(request).id)
    return render(
        request,
        "merchant/notifications.html",
        notices=[{**row, "text": notice_text(row["kind"], row["params"])} for row in rows],
    )


@post(
    "/notifications/{notification_id:str}/read",
    name="notification_read",
    guards=[merchant_required],
)
async def read_notification(
    request: Request[Any, Any, Any], notification_id: FromPath[str]
) -> Response[Any]:
    await mark_read(current_merchant(request).id, row_id(notification_id), datetime.now(UTC))
    form = await request.form()
    return redirect_to(request, local_path(str(form.get("next") or "/notifications")))


@post("/notifications/read-all", name="notifications_read_all", guards=[merchant_required])
async def read_all_notifications(request: Request[Any, Any, Any]) -> Response[Any]:
    await mark_all_read(current_merchant(request).id, datetime.now(UTC))
    return redirect_to(request, "/notifications")


ROUTES: list[Any] = [home, notifications, read_notification, read_all_notifications]
