"""Open side cases at /staff/cases: the logistics problems and fee disputes waiting for the
signed-in role to settle, oldest first, each leading to its request screen."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from db.side_case_decisions import open_side_cases
from domain.side_cases import SIDE_CASE_LABELS, kinds_settled_by
from domain.terms import Role
from web.auth import current_staff, staff_required
from web.rendering import render
from web.staff.navigation import staff_nav


@get(
    "/staff/cases",
    name="staff_cases",
    guards=[staff_required(Role.REVIEWER, Role.INSPECTOR, Role.SUPERVISOR)],
)
async def cases(request: Request[Any, Any, Any]) -> Response[Any]:
    staff = current_staff(request)
    return render(
        request,
        "staff/cases.html",
        nav=staff_nav(staff, "cases"),
        cases=await open_side_cases(kinds_settled_by(staff.role), staff.queue_outlet),
        labels=SIDE_CASE_LABELS,
    )


ROUTES: list[Any] = [cases]
