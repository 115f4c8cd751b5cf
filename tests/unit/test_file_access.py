"""The one rule for a request's files: by where a file is attached and who asks."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from domain.file_access import Audience, FilePlace, file_place, may_see_file, shown_to
from domain.request import Actor
from domain.terms import Role


@dataclass(frozen=True)
class Request:
    merchant_id: int = 1
    outlet_id: int | None = 5
    partner_client: str | None = "partner:7"


MERCHANT = Actor(Role.MERCHANT, "merchant:1", 1)
PARTNER = Actor(Role.PARTNER, "partner:7", 1)
STAFF = [Actor(role, f"staff:{n}") for n, role in enumerate(Role) if role not in {
    Role.MERCHANT, Role.PARTNER, Role.SYSTEM, Role.COUNTER}]  # fmt: skip
COUNTER = Actor(Role.COUNTER, "staff:9", outlet_id=5)


def test_where_a_file_sits_follows_what_its_row_points_at() -> None:
    assert (
        file_place(event=False, message=False, side_case=False, internal=False) is FilePlace.REQUEST
    )
    assert file_place(event=True, message=False, side_case=False, internal=False) is FilePlace.EVENT
    assert (
        file_place(event=False, message=True, side_case=False, internal=False) is FilePlace.MESSAGE
    )
    assert (
        file_place(event=False, message=True, side_case=True, internal=False) is FilePlace.SIDE_CASE
    )
    assert file_place(event=False, message=True, side_case=False, internal=True) is FilePlace.NOTE


@pytest.mark.parametrize("place", list(FilePlace))
def test_staff_are_given_every_file_and_the_merchants_side_all_but_notes(place: FilePlace) -> None:
    for actor in [*STAFF, COUNTER]:
        assert may_see_file(actor, Request(), place), actor
    for actor in (MERCHANT, PARTNER):
        assert may_see_file(actor, Request(), place) is (place is not FilePlace.NOTE), actor
    assert shown_to(place, Audience.STAFF)
    assert shown_to(place, Audience.MERCHANT) is (place is not FilePlace.NOTE)


@pytest.mark.parametrize("place", list(FilePlace))
def test_nobody_is_given_a_file_of_a_request_that_is_not_theirs(place: FilePlace) -> None:
    assert not may_see_file(MERCHANT, Request(merchant_id=2), place)
    assert not may_see_file(PARTNER, Request(partner_client="partner:8"), place)
    assert not may_see_file(COUNTER, Request(outlet_id=6), place)
    assert not may_see_file(Actor(Role.SYSTEM, "system"), Request(), place)
