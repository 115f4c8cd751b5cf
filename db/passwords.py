"""Staff passwords, hashed with Argon2id (argon2-cffi, its RFC 9106 defaults).

Hashing is deliberately slow and takes 64 MiB: callers run it off the event loop, a few at a
time (web.staff.signin).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()

# compared against when no account has the name, so an unknown name costs the same time as a
# wrong password and the answer cannot tell them apart
_NOBODY = _HASHER.hash("no account has this name")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password: str, stored: str | None) -> bool:
    try:
        return _HASHER.verify(stored or _NOBODY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether a stored hash was made with weaker settings than today's (or another scheme)."""
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True
