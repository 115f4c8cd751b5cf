"""What an inspector checks on returned goods before a pass: the checklist, one rule for every page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from domain.text import N_

# code → what the inspector confirms; a pass needs every one confirmed (and the SNs matched)
CHECKLIST: Mapping[str, str] = MappingProxyType(
    {
        "contents": N_("Parcel contents match the items on the request"),
        "housing": N_("Housing, screen and ports undamaged"),
        "powers_on": N_("Powers on and starts normally"),
        "accessories": N_("Accessories and cables complete"),
        "reset": N_("Merchant data wiped and terminal reset"),
    }
)


def missing_checks(ticked: Iterable[str]) -> tuple[str, ...]:
    """Checklist codes not confirmed, in checklist order."""
    done = {code.strip() for code in ticked}
    return tuple(code for code in CHECKLIST if code not in done)
