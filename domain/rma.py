"""RMA numbers: readable aloud, not guessable, and carrying a check character that catches typos."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache

PREFIX = "RD"
# Crockford base32: no I, L, O or U, so nothing reads as 1, 0 or a rude word
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 7  # 35 bits per month: guessing one is hopeless at any sane rate limit
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
# what people mistype or misread, as Crockford defines it
_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_LENGTH = len(PREFIX) + 4 + RANDOM_LENGTH + 1


def _check_character(payload: str) -> str:
    """Luhn mod 32: catches every single wrong character and most swapped neighbours."""
    total = 0
    factor = 2
    for char in reversed(payload):
        addend = factor * _VALUE[char]
        total += addend // len(ALPHABET) + addend % len(ALPHABET)
        factor = 1 if factor == 2 else 2
    return ALPHABET[(len(ALPHABET) - total % len(ALPHABET)) % len(ALPHABET)]


def _display(compact: str) -> str:
    head = len(PREFIX) + 4
    return f"{compact[:head]}-{compact[head : head + 4]}-{compact[head + 4 :]}"


def make_rma(now: datetime, entropy: bytes) -> str:
    """A new RMA number like "RD2611-7K3M-Q9XP"; pass `os.urandom(5)` (or more) as entropy."""
    if len(entropy) < 5:
        raise ValueError("an RMA number needs at least 5 bytes of entropy")
    bits = int.from_bytes(entropy[:5], "big")
    random_part = "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(RANDOM_LENGTH))
    payload = f"{PREFIX}{now.astimezone(UTC):%y%m}{random_part}"
    return _display(payload + _check_character(payload))


@lru_cache(maxsize=4096)  # a bounded cache: the text comes from anyone
def normalise_rma(text: str) -> str | None:
    """The canonical form of what someone typed or scanned, or None if it is not a valid RMA."""
    compact = text.upper().replace(" ", "").replace("-", "").translate(_LOOKALIKES)
    if len(compact) != _LENGTH or not compact.startswith(PREFIX):
        return None
    if any(char not in _VALUE for char in compact):
        return None
    yymm = compact[len(PREFIX) : len(PREFIX) + 4]
    if not yymm.isdigit() or not 1 <= int(yymm[2:]) <= 12:
        return None
    if _check_character(compact[:-1]) != compact[-1]:
        return None
    return _display(compact)


def is_valid_rma(text: str) -> bool:
    """True when `text` is an RMA number, allowing for case, spaces, dashes and lookalikes."""
    return normalise_rma(text) is not None


# an RMA inside whatever was scanned (a link ends with it, a label may add spaces)
_RMA_IN = re.compile(r"RD[0-9A-Z]{4}[- ]?[0-9A-Z]{4}[- ]?[0-9A-Z]{4}")


def rma_in_text(scanned: str) -> str | None:
    """The RMA a scan or a typed text names (the number alone, a label with spaces, a link that
    ends with it), in its canonical form, or None."""
    text = scanned.strip().upper()[:300]
    return normalise_rma(text) or next(
        (found for match in _RMA_IN.findall(text) if (found := normalise_rma(match))), None
    )
