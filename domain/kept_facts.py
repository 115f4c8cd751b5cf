"""What a return request keeps of its order from submit, and what the provider's data now says
differently: later syncs never rewrite a request; staff are told where the source moved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.money import Money
from domain.text import N_, Text


@dataclass(frozen=True)
class UnitFacts:
    """One returned line's facts: as kept at submit and as the provider's data says now."""

    label: str  # the product's name, with its SN where it has one
    serial_number: str | None
    price_then: int | None  # fen; None before submit
    price_now: int
    terminal_then: dict[str, object]  # mid, tid, bound, activated; {} when there was none
    terminal_now: dict[str, object]


def changed_since_submit(
    completed_then: datetime | None,
    completed_now: datetime,
    paid_then: int | None,
    paid_now: int,
    units: list[UnitFacts],
) -> list[Text]:
    """What the provider's data now says differently from what the request was submitted on
    (staff see it; the request keeps what it was decided on). Nothing before submit."""
    if completed_then is None or paid_then is None:
        return []
    found = []
    if completed_then != completed_now:
        found.append(Text(N_("The order's completion is now %(now)s (at submit: %(then)s)."),
                          {"now": completed_now, "then": completed_then}))  # fmt: skip
    if paid_then != paid_now:
        found.append(Text(N_("The amount paid is now %(now)s (at submit: %(then)s)."),
                          {"now": Money(paid_now), "then": Money(paid_then)}))  # fmt: skip
    for unit in units:
        if unit.price_then is not None and unit.price_then != unit.price_now:
            found.append(Text(N_("%(item)s: the unit price is now %(now)s (at submit: %(then)s)."),
                              {"item": unit.label, "now": Money(unit.price_now),
                               "then": Money(unit.price_then)}))  # fmt: skip
        found.extend(_terminal_changes(unit))
    return found


def _terminal_changes(unit: UnitFacts) -> list[Text]:
    then, now = unit.terminal_then, unit.terminal_now
    if not then or not now:
        return []
    found = []
    if then.get("bound") != now.get("bound"):
        words = (N_("SN %(sn)s is bound to a merchant again (it was not at submit).")
                 if now.get("bound") else
                 N_("SN %(sn)s is no longer bound to the merchant (it was at submit)."))  # fmt: skip
        found.append(Text(words, {"sn": unit.serial_number or ""}))
    if (then.get("mid"), then.get("tid")) != (now.get("mid"), now.get("tid")):
        found.append(Text(N_("SN %(sn)s is now MID %(mid)s, TID %(tid)s (at submit: MID "
                             "%(mid_then)s, TID %(tid_then)s)."),
                          {"sn": unit.serial_number or "", "mid": now.get("mid") or "-",
                           "tid": now.get("tid") or "-", "mid_then": then.get("mid") or "-",
                           "tid_then": then.get("tid") or "-"}))  # fmt: skip
    return found
