"""The staff navigation: the pages of the admin that the signed-in role has."""

from __future__ import annotations

from typing import Any

from db.staff import StaffAccount
from domain.text import N_
from web.i18n import gettext as _

# (key, path, label): every role has its queue; the other pages come with their issues
_PAGES = (("queue", "/staff/queue", N_("Queue")),)


def staff_nav(staff: StaffAccount, current: str) -> list[dict[str, Any]]:
    return [
        {"url": path, "label": _(label), "current": key == current} for key, path, label in _PAGES
    ]
