"""What the API admin pages share: the choices their forms offer (channels, scopes, event types,
overlaps) in words, how a key is shown, and the audit record of each change."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from typing import Any

from litestar import Request

from db.audit import record_staff_action
from domain.labels import CHANNEL_LABELS
from domain.partners import (
    API_CHANNELS,
    EVENT_TYPES,
    KEY_PREFIX,
    MAX_OVERLAP,
    SCOPE_LABELS,
    TEST_KEY_PREFIX,
    Scope,
)
from domain.text import N_
from web.auth import current_staff
from web.i18n import gettext as _
from web.params import whole_number

# how long a rotated key or secret keeps working, in hours: none after a leak, a day usually
OVERLAP_HOURS = (0, 1, 24, 72, 168)
DEFAULT_OVERLAP_HOURS = 24
OVERLAP_UNKNOWN = N_("Choose one of the overlaps listed.")


def key_prefix(request: Request[Any, Any, Any]) -> str:
    """Keys made here while DEBUG is on are test keys (rdk_test_…), accepted only where DEBUG is
    on; elsewhere they are live keys. The page shows a key by its prefix and id alone."""
    return TEST_KEY_PREFIX if request.app.state.settings.debug else KEY_PREFIX


def channel_choices() -> list[tuple[str, str]]:
    return [(channel, _(CHANNEL_LABELS[channel])) for channel in API_CHANNELS]


def scope_choices() -> list[tuple[str, str]]:
    return [(scope.value, _(SCOPE_LABELS[scope])) for scope in Scope]


def event_choices() -> list[str]:
    return list(EVENT_TYPES)


def words_for_clients() -> dict[str, Any]:
    """The words a client's channel and scopes are shown in."""
    return {
        "channel_labels": dict(channel_choices()),
        "scope_labels": dict(scope_choices()),
    }


def overlap_choices() -> list[tuple[str, str, bool]]:
    """(value, words, chosen by default) for the overlap select."""
    words = {
        0: _("None: the old one stops at once (after a leak)"),
        1: _("1 hour"),
        24: _("24 hours (usual)"),
        72: _("3 days"),
        168: _("7 days"),
    }
    return [(str(h), words[h], h == DEFAULT_OVERLAP_HOURS) for h in OVERLAP_HOURS]


def overlap_hours(text: object) -> int | None:
    """The overlap chosen, in hours; None for anything not offered."""
    hours = whole_number(text)
    if hours is None or hours not in OVERLAP_HOURS or timedelta(hours=hours) > MAX_OVERLAP:
        return None
    return hours


def unprintable(text: str, *, spaces: bool = False) -> bool:
    """Whether `text` holds a control or format character (a NUL no database stores, a
    direction override that makes a name read otherwise), or — `spaces` false — a space."""
    return any(
        unicodedata.category(ch) in ("Cc", "Cf") or (not spaces and ch.isspace()) for ch in text
    )


def overlap_problem() -> dict[str, str]:
    return {"overlap": _(OVERLAP_UNKNOWN)}


async def audit(
    request: Request[Any, Any, Any], action: str, subject: str, detail: str, now: datetime
) -> None:
    staff = current_staff(request)
    await record_staff_action(staff_id=staff.id, staff_name=staff.display_name, action=action,
                              subject=subject, detail=detail, at=now)  # fmt: skip
