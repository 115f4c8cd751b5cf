"""The staff navigation: the pages of the admin that the signed-in role has."""

from __future__ import annotations

from typing import Any

from db.staff import StaffAccount
from domain.terms import Role
from domain.text import N_
from web.i18n import gettext as _

# (key, path, label, roles): every role has its queue; None means every staff role
_PAGES: tuple[tuple[str, str, str, tuple[Role, ...] | None], ...] = (
    ("queue", "/staff/queue", N_("Queue"), None),
    ("cases", "/staff/cases", N_("Open cases"), (Role.REVIEWER, Role.INSPECTOR, Role.SUPERVISOR)),
    ("register", "/staff/register", N_("Register a return"), (Role.COUNTER, Role.SUPERVISOR)),
    ("receive", "/staff/receive", N_("Receive parcels"), (Role.INSPECTOR,)),
    ("dashboard", "/staff/dashboard", N_("Dashboard"), (Role.SUPERVISOR,)),
    ("audit", "/staff/audit", N_("Audit log"), (Role.SUPERVISOR,)),
    ("policy", "/staff/policy", N_("Return policy"), (Role.SUPERVISOR,)),
    ("people", "/staff/people", N_("Staff accounts"), (Role.SUPERVISOR,)),
    ("api_clients", "/staff/api-clients", N_("API clients"), (Role.SUPERVISOR,)),
    ("imports", "/staff/imports", N_("Imports"), (Role.SUPERVISOR,)),
    ("outbox", "/staff/outbox", N_("Work that did not go out"), (Role.SUPERVISOR,)),
)


def staff_nav(staff: StaffAccount, current: str) -> list[dict[str, Any]]:
    pages = [
        {"url": path, "label": _(label), "current": key == current, "count": 0}
        for key, path, label, roles in _PAGES
        if roles is None or staff.role in roles
    ]
    notices = {"url": "/staff/notifications", "label": _("Notifications"),
               "current": current == "notifications", "count": staff.unread_notices}  # fmt: skip
    return [*pages, notices]
