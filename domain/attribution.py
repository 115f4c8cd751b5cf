"""Who did something on a request, as the merchant is told it: staff by their role and staff
number (工号), never by name — a reviewer's name is theirs and stays on the staff side, while a
number still lets a dispute name who decided; partner platforms and ReturnDesk by role.

Every merchant-facing place asks here: the request page (timeline, the decision above an
appeal, messages, side cases) and the case file the merchant downloads."""

from __future__ import annotations

from domain.labels import ROLE_LABELS
from domain.staff_notices import staff_id_of
from domain.terms import Role
from domain.text import N_, Text

STAFF_NUMBER_DIGITS = 4


def staff_number(actor_id: str) -> str | None:
    """ "0003" for "staff:3"; None for a merchant, a partner or the system."""
    staff_id = staff_id_of(actor_id)
    return None if staff_id is None else f"{staff_id:0{STAFF_NUMBER_DIGITS}d}"


def as_merchant_sees(role: Role, actor_id: str) -> Text:
    """The words for whoever acted, as a merchant reads them ("审核员 · 工号 0003")."""
    label = ROLE_LABELS.get(role, ROLE_LABELS[Role.SYSTEM])
    number = staff_number(actor_id)
    if number is None:
        return Text(label)
    return Text(
        N_("%(role_label)s · staff no. %(number)s"), {"role_label": label, "number": number}
    )
