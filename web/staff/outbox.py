"""Work that did not go out, for supervisors at /staff/outbox: outbox rows that used up their
tries (dead) or still wait long after they were due, with their attempts and last error; a
dead row can be tried again, one or all."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from db.audit import record_staff_action
from db.outbox import dead_rows, outbox_health, overdue_rows, retry_all_dead, retry_dead
from domain.terms import Role
from web.auth import current_staff, staff_required
from web.navigation import redirect_to
from web.rendering import render
from web.staff.navigation import staff_nav

GUARDS = [staff_required(Role.SUPERVISOR)]


async def _record(request: Request[Any, Any, Any], action: str, subject: str, detail: str,
                  now: datetime) -> None:  # fmt: skip
    staff = current_staff(request)
    await record_staff_action(staff_id=staff.id, staff_name=staff.display_name, action=action,
                              subject=subject, detail=detail, at=now)  # fmt: skip


@get("/staff/outbox", name="staff_outbox", guards=GUARDS)
async def outbox(request: Request[Any, Any, Any]) -> Response[Any]:
    now = datetime.now(UTC)
    return render(
        request,
        "staff/outbox.html",
        nav=staff_nav(current_staff(request), "outbox"),
        health=await outbox_health(now),
        dead=await dead_rows(),
        overdue=await overdue_rows(now),
        retried=request.query_params.get("retried", "")[:6],
    )


@post("/staff/outbox/retry", name="staff_outbox_retry_all", guards=GUARDS)
async def retry_all(request: Request[Any, Any, Any]) -> Response[Any]:
    now = datetime.now(UTC)
    count = await retry_all_dead(now)
    await _record(request, "retry_outbox", "*", f"{count} rows", now)
    return redirect_to(request, f"/staff/outbox?retried={count}")


@post("/staff/outbox/{key:str}/retry", name="staff_outbox_retry", guards=GUARDS)
async def retry_one(request: Request[Any, Any, Any], key: FromPath[str]) -> Response[Any]:
    now = datetime.now(UTC)
    revived = await retry_dead(key[:160], now)
    if revived:
        await _record(request, "retry_outbox", key[:160], "", now)
    return redirect_to(request, f"/staff/outbox?retried={1 if revived else 0}")


ROUTES: list[Any] = [outbox, retry_all, retry_one]
