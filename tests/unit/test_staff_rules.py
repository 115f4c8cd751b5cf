"""Staff rules: passwords, the waits after wrong ones, and which requests wait for each role."""

from __future__ import annotations

from db.seed import DEMO_STAFF
from domain.staff import (
    LONGEST_LOCK_SECONDS,
    QUEUE_STATES,
    STAFF_ROLES,
    lock_seconds,
    password_problem,
)
from domain.terms import Role, State


def test_a_password_needs_twelve_characters_counted_as_characters() -> None:
    assert password_problem("short-pass1", "li") is not None
    assert password_problem("退货审核员的长密码口令", "li") is not None  # 11 characters
    assert password_problem("退货审核员的长密码口令呀", "li") is None  # 12


def test_common_passwords_and_the_user_name_are_refused() -> None:
    assert password_problem("Password1234", "li") is not None
    assert password_problem("aaaaaaaaaaaaaaaa", "li") is not None
    assert password_problem("my-name-is-wangfang", "wangfang") is not None
    assert password_problem("blue-terminal-river", "wangfang") is None


def test_every_demo_password_follows_the_rules() -> None:
    for member in DEMO_STAFF:
        assert password_problem(member.password, member.username) is None, member.username


def test_waits_start_after_five_wrong_passwords_and_double_up_to_fifteen_minutes() -> None:
    assert [lock_seconds(n) for n in range(1, 5)] == [0, 0, 0, 0]
    assert [lock_seconds(n) for n in range(5, 9)] == [30, 60, 120, 240]
    assert lock_seconds(50) == LONGEST_LOCK_SECONDS == 15 * 60


def test_every_staff_role_has_a_queue_and_appeals_go_to_supervisors_only() -> None:
    assert set(QUEUE_STATES) == set(STAFF_ROLES)
    holders = [role for role, states in QUEUE_STATES.items() if State.APPEALED in states]
    assert holders == [Role.SUPERVISOR]
    assert QUEUE_STATES[Role.FINANCE] == (State.REFUND_PENDING,)
