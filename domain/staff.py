"""Staff accounts' rules: which requests wait for each role, what a password must be, and how
long failed sign-ins hold an account back."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from types import MappingProxyType

from domain.terms import Role, State
from domain.text import N_, Text

STAFF_ROLES = (Role.REVIEWER, Role.INSPECTOR, Role.FINANCE, Role.SUPERVISOR, Role.COUNTER)

# What each role works on, in the order its queue shows the states' tabs. A supervisor sees
# the appeals first and can take the reviewers' work; counter staff see their outlet's
# requests that still wait for the merchant's parcel.
QUEUE_STATES: Mapping[Role, tuple[State, ...]] = MappingProxyType(
    {
        Role.REVIEWER: (State.SUBMITTED, State.NEEDS_INFO),
        Role.SUPERVISOR: (State.APPEALED, State.SUBMITTED, State.NEEDS_INFO),
        Role.INSPECTOR: (
            State.IN_TRANSIT,
            State.APPROVED,
            State.RECEIVED,
            State.REPLACEMENT_PENDING,
            State.INSPECTION_FAILED,
        ),
        Role.FINANCE: (State.REFUND_PENDING,),
        Role.COUNTER: (State.APPROVED, State.SUBMITTED, State.NEEDS_INFO),
    }
)

# who signs in with a second factor (a TOTP app) as well as a password: those who decide
# appeals, override windows and change the policy
SECOND_FACTOR_ROLES = frozenset({Role.SUPERVISOR})
SECOND_FACTOR_TRIES = 5  # codes per password sign-in

# -- passwords --

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128  # hashing cost is bounded by what is hashed

# The most common passwords long enough to pass the length rule (from public breach lists),
# folded to lower case. A short list on purpose: the length rule does most of the work.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012", "1234567890123", "12345678901234", "123456789abc", "1234567890qw",
        "1qaz2wsx3edc", "1q2w3e4r5t6y", "qwertyuiop12", "qwertyuiop123", "qwerty123456",
        "qwertyuiopas", "asdfghjkl123", "zxcvbnm12345", "password1234", "password12345",
        "password123456", "passw0rd1234", "p@ssw0rd1234", "p@ssword1234", "iloveyou1234",
        "abc123456789", "abcdefghijkl", "aaaaaaaaaaaa", "111111111111", "000000000000",
        "admin1234567", "administrator", "welcome12345", "letmein12345", "changeme1234",
        "woaini123456", "woaini520520", "5201314520", "520131452013", "a123456789012",
        "returndesk123", "returndesk1234", "football1234", "baseball1234", "superman1234",
        "princess1234", "sunshine1234", "trustno11234", "monkey123456", "dragon123456",
    }
)  # fmt: skip

PASSWORD_TOO_SHORT = N_("The password needs at least %(n)s characters.")
PASSWORD_TOO_LONG = N_("The password may have at most %(n)s characters.")
PASSWORD_COMMON = N_("This password is one of the most common ones. Please choose another.")
PASSWORD_HAS_NAME = N_("The password must not contain the user name.")


def password_problem(password: str, username: str) -> Text | None:
    """Why `password` may not be used, or None. Length counts characters, not bytes, so a
    Chinese passphrase is as good as a Latin one."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return Text(PASSWORD_TOO_SHORT, {"n": MIN_PASSWORD_LENGTH})
    if len(password) > MAX_PASSWORD_LENGTH:
        return Text(PASSWORD_TOO_LONG, {"n": MAX_PASSWORD_LENGTH})
    folded = password.casefold()
    if folded in COMMON_PASSWORDS or len(set(folded)) <= 2:
        return Text(PASSWORD_COMMON)
    if username and len(username) >= 3 and username.casefold() in folded:
        return Text(PASSWORD_HAS_NAME)
    return None


# -- failed sign-ins --

FREE_TRIES = 5  # wrong passwords before an account is held back at all
FIRST_LOCK_SECONDS = 30
LONGEST_LOCK_SECONDS = 15 * 60
FAILURES_REMEMBERED_SECONDS = 60 * 60


def lock_seconds(failures: int) -> int:
    """How long an account waits after `failures` wrong passwords in a row: nothing for the
    first few, then doubling from 30 s up to 15 minutes — slow for a guesser, short for a
    colleague who mistyped."""
    if failures < FREE_TRIES:
        return 0
    doubled: int = FIRST_LOCK_SECONDS << min(failures - FREE_TRIES, 10)
    return min(doubled, LONGEST_LOCK_SECONDS)


# -- decisions --

# why a reviewer rejects: a code the reports count, with words the merchant reads beside the
# reviewer's own message
REJECTION_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "not_a_defect": N_("The photos do not show a fault"),
        "damage_by_use": N_("Damage from use, not covered by the return policy"),
        "evidence_unclear": N_("The evidence is not enough to decide"),
        "not_this_order": N_("The goods are not from this order"),
        "other": N_("Another reason (explained in the message)"),
    }
)


# -- accounts --

USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{2,59}")
USERNAME_RULE = N_(
    "A user name has 3 to 60 characters: lower-case letters, digits, dots, dashes or "
    "underscores, starting with a letter or digit."
)
NAME_REQUIRED = N_("Enter the name colleagues see.")
OUTLET_REQUIRED = N_("Counter staff serve one outlet: choose it.")


ROLE_REQUIRED = N_("Choose one of the roles listed.")
OUTLET_UNKNOWN = N_("Choose one of the outlets listed.")


def staff_role(value: str) -> Role | None:
    """The staff role a form names, or None for anything else (a merchant's, a partner's, a
    word nobody defined)."""
    return next((role for role in STAFF_ROLES if role.value == value), None)


def account_problems(
    username: str,
    display_name: str,
    role: Role | None,
    outlet_id: int | None,
    password: str | None,
    outlets: Collection[int] = (),
) -> dict[str, Text]:
    """What is wrong with a staff account as a supervisor typed it, by field (empty: nothing).
    `role` None: the form named none of the staff roles; `outlets` the outlets that exist;
    `password` None: the password stays as it is (an edit)."""
    problems: dict[str, Text] = {}
    if not USERNAME_PATTERN.fullmatch(username):
        problems["username"] = Text(USERNAME_RULE)
    if not display_name.strip() or len(display_name) > 100:
        problems["display_name"] = Text(NAME_REQUIRED)
    if role is None:
        problems["role"] = Text(ROLE_REQUIRED)
    elif role is Role.COUNTER and outlet_id is None:
        problems["outlet"] = Text(OUTLET_REQUIRED)
    elif role is Role.COUNTER and outlet_id not in outlets:
        problems["outlet"] = Text(OUTLET_UNKNOWN)
    if password is not None and (found := password_problem(password, username)) is not None:
        problems["password"] = found
    return problems
