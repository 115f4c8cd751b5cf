"""Staff notifications at /staff/notifications: a merchant's message or answer, an appeal, a
side case, work that gave up — newest first; opening the page marks them seen."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from litestar import Request, Response, get

from db.staff_notifications import mark_seen, notices_for
from domain.staff_notices import STAFF_NOTICE_TEXTS
from domain.text import Text
from web.auth import current_staff, staff_required
from web.i18n import render_text
from web.rendering import render
from web.staff.navigation import staff_nav

GUARDS = [staff_required()]


def _link(row: dict[str, Any]) -> str:
    if row["kind"] == "outbox_dead":
        return "/staff/outbox"
    return f"/staff/requests/{row['rma']}" if row["rma"] else "/staff/queue"


def _notice(row: dict[str, Any]) -> Text:
    params = {"rma": row["rma"], **(row["params"] or {})}
    return Text(STAFF_NOTICE_TEXTS.get(row["kind"], row["kind"]), params)


@get("/staff/notifications", name="staff_notifications", guards=GUARDS)
async def notifications(request: Request[Any, Any, Any]) -> Response[Any]:
    staff = current_staff(request)
    rows = await notices_for(staff.id, staff.role)
    shown = [
        {
            "text": render_text(_notice(row)),
            "url": _link(row),
            "at": row["created_at"],
            "new": row["id"] > staff.notices_seen,
        }
        for row in rows
    ]
    if rows:
        await mark_seen(staff.id, int(rows[0]["id"]))
    seen_now = replace(staff, unread_notices=0)  # this page shows them: none waits unread
    return render(request, "staff/notifications.html",
                  nav=staff_nav(seen_now, "notifications"), notices=shown)  # fmt: skip


ROUTES: list[Any] = [notifications]
