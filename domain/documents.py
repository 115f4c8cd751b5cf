"""Which documents a request has earned by now (DESIGN §4): the return authorization once it
is approved (until it is cancelled or expires), the refund receipt once the refund is paid."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from domain.request import ReturnSnapshot
from domain.terms import State
from domain.text import N_

DOCUMENT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "authorization": N_("Return authorization (PDF, to print)"),
        "refund_receipt": N_("Refund receipt (PDF)"),
        "case_file": N_("Case file (ZIP: the record as a PDF, every file, their SHA-256)"),
    }
)
_VOID = frozenset({State.CANCELLED, State.EXPIRED})
# a case file exists only when someone asks for one: the merchant, or a supervisor
ON_REQUEST = frozenset({"case_file"})


def documents_due(snapshot: ReturnSnapshot) -> tuple[str, ...]:
    due = []
    if snapshot.ship_by is not None and snapshot.state not in _VOID:
        due.append("authorization")
    if snapshot.state is State.REFUNDED or (
        snapshot.state is State.CLOSED and snapshot.refunded_at is not None
    ):
        due.append("refund_receipt")
    return tuple(due)
