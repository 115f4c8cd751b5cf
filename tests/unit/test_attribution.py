"""What a merchant is told of who acted: staff by role and staff number, never by name."""

from __future__ import annotations

from domain.attribution import as_merchant_sees, staff_number
from domain.terms import Role


def test_a_staff_number_is_the_staff_id_in_four_digits_and_nobody_elses() -> None:
    assert staff_number("staff:3") == "0003"
    assert staff_number("staff:12345") == "12345"
    for actor_id in ("merchant:3", "partner:7", "system", "staff:", "staff:3x"):
        assert staff_number(actor_id) is None, actor_id


def test_staff_are_a_role_and_a_number_and_the_rest_a_role() -> None:
    reviewer = as_merchant_sees(Role.REVIEWER, "staff:3")
    assert reviewer.msgid == "%(role_label)s · staff no. %(number)s"
    assert dict(reviewer.params) == {"role_label": "Reviewer", "number": "0003"}
    assert as_merchant_sees(Role.SYSTEM, "system").msgid == "ReturnDesk"
    assert as_merchant_sees(Role.PARTNER, "partner:7").msgid == "Partner platform"
