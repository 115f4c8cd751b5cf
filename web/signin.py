"""One-time sign-in codes by SMS: 6 digits, 5 minutes, single use, 5 tries; sending is rate limited.

Codes and counters live in Redis so that the limits hold across all web processes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from domain.text import N_

CODE_TTL = 5 * 60
MAX_TRIES = 5
MAX_CODES_PER_HOUR = 5
_PHONE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True)
class SignInProblem:
    field: str
    message: str  # msgid, translated by the page


def normalise_phone(text: str) -> str | None:
    """A mainland mobile number, forgiving spaces, dashes and a +86 prefix."""
    digits = re.sub(r"[\s\-()]", "", text or "")
    digits = digits.removeprefix("+86").removeprefix("0086")
    return digits if _PHONE.fullmatch(digits) else None


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


class SignInCodes:
    def __init__(self, redis: Redis, secret: str) -> None:
        # redis-py types its commands as "Awaitable | value"; the asyncio client always awaits.
        self.redis: Any = redis
        self.secret = secret.encode()

    def _digest(self, phone: str, code: str) -> str:
        return hmac.new(self.secret, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()

    async def _within_limit(self, key: str) -> bool:
        count = await self.redis.incr(key)
        if count == 1:
            await self.redis.expire(key, 3600)
        return bool(count <= MAX_CODES_PER_HOUR)

    async def issue(self, phone: str, client_ip: str) -> str | SignInProblem:
        """A new code for this phone (replacing any earlier one), or why not."""
        phone_ok = await self._within_limit(f"ratelimit:code:phone:{phone}")
        ip_ok = await self._within_limit(f"ratelimit:code:ip:{client_ip}")
        if not (phone_ok and ip_ok):
            return SignInProblem(
                "phone", N_("Too many codes were requested. Please wait an hour and try again.")
            )
        code = f"{secrets.randbelow(10**6):06d}"
        key = f"signin:{phone}"
        await self.redis.delete(key)
        await self.redis.hset(key, mapping={"digest": self._digest(phone, code), "tries": 0})
        await self.redis.expire(key, CODE_TTL)
        return code

    async def verify(self, phone: str, code: str) -> SignInProblem | None:
        key = f"signin:{phone}"
        digest = await self.redis.hget(key, "digest")
        if digest is None:
            return SignInProblem(
                "code", N_("This code has expired or was already used. Please request a new one.")
            )
        tries = await self.redis.hincrby(key, "tries", 1)
        if tries > MAX_TRIES:
            await self.redis.delete(key)
            return SignInProblem("code", N_("Too many wrong tries. Please request a new code."))
        expected = digest.decode() if isinstance(digest, bytes) else digest
        if not hmac.compare_digest(expected, self._digest(phone, code.strip())):
            return SignInProblem(
                "code", N_("That code is not right. Please check the SMS and try again.")
            )
        # Single use: whoever deletes it first signs in; a replayed code finds nothing.
        if not await self.redis.delete(key):
            return SignInProblem(
                "code", N_("This code has expired or was already used. Please request a new one.")
            )
        return None
