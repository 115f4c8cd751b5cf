"""Who may see a file of a return request, decided once: by where the file is attached and who
asks. Every route that serves or lists a file (pages, thumbnails, case files, the API) asks here."""

from __future__ import annotations

from enum import StrEnum

from domain.guards import Owned, not_theirs
from domain.request import Actor
from domain.terms import Role


class FilePlace(StrEnum):
    """Where a file is attached on its request."""

    REQUEST = "request"  # given with the request itself: its evidence
    EVENT = "event"  # given with a step: an answer, an appeal, a failed inspection
    MESSAGE = "message"  # the merchant ↔ staff thread
    SIDE_CASE = "side_case"  # a logistics problem's or a fee dispute's thread
    NOTE = "note"  # a staff-only internal note


class Audience(StrEnum):
    """Whose side a reader is on: the merchant's (the merchant, a partner acting for them, a case
    file handed to them) or the staff's."""

    MERCHANT = "merchant"
    STAFF = "staff"


_MERCHANT_SIDE = frozenset({Role.MERCHANT, Role.PARTNER})


def file_place(*, event: bool, message: bool, side_case: bool, internal: bool) -> FilePlace:
    """The place of a file from what its row points at."""
    if message:
        if internal:
            return FilePlace.NOTE
        return FilePlace.SIDE_CASE if side_case else FilePlace.MESSAGE
    return FilePlace.EVENT if event else FilePlace.REQUEST


def audience_of(actor: Actor) -> Audience:
    return Audience.MERCHANT if actor.role in _MERCHANT_SIDE else Audience.STAFF


def shown_to(place: FilePlace, audience: Audience) -> bool:
    """Whether a file at this place belongs in what this audience reads: staff read every file
    of a request, the merchant's side all but staff notes'."""
    return audience is Audience.STAFF or place is not FilePlace.NOTE


def may_see_file(actor: Actor, request: Owned, place: FilePlace) -> bool:
    """Whether this actor may be given a file at this place on this request (else: not found)."""
    if actor.role is Role.SYSTEM or not_theirs(request, actor) is not None:
        return False
    return shown_to(place, audience_of(actor))
