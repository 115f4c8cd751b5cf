"""One-time sign-in codes by SMS: 6 digits, 5 minutes, single use, 5 tries; sending is rate limited.

Codes and counters live in Redis so that the limits hold across all web processes. Only an
HMAC of a code is kept, and checking a code is one atomic step: 40 guesses at once still get
exactly five comparisons.
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
from web.limits import Limit, allow

CODE_TTL = 5 * 60
MAX_TRIES = 5
CODES_PER_PHONE = Limit("code:phone", most=5, window=3600)
CODES_PER_IP = Limit("code:ip", most=5, window=3600)
_PHONE = re.compile(r"1[3-9]\d{9}")

# KEYS[1] the code's hash; ARGV[1] the digest of what was typed, ARGV[2] the tries allowed.
# Returns "missing", "too_many", "wrong" or "ok"; "ok" and "too_many" delete the code.
_VERIFY = """
local expected = redis.call('HGET', KEYS[1], 'digest')
if not expected then return 'missing' end
local tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
if tries > tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return 'too_many'
end
if expected == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 'ok'
end
return 'wrong'
"""

EXPIRED = N_("This code has expired or was already used. Please request a new one.")
WRONG = N_("That code is not right. Please check the SMS and try again.")
TOO_MANY_TRIES = N_("Too many wrong tries. Please request a new code.")
TOO_MANY_CODES = N_("Too many codes were requested. Please wait an hour and try again.")


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
    """`purpose` keeps codes for different uses apart: a code a counter asked the merchant for
    never signs anyone in, and asking for one does not void the merchant's sign-in code."""

    def __init__(self, redis: Redis, secret: str, purpose: str = "signin") -> None:
        # redis-py types its commands as "Awaitable | value"; the asyncio client always awaits.
        self.redis: Any = redis
        self.secret = secret.encode()
        self.purpose = purpose

    def _digest(self, phone: str, code: str) -> str:
        message = f"{self.purpose}:{phone}:{code}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    async def within_limits(self, phone: str, client_ip: str) -> bool:
        """Count a code request against the phone and the address, registered or not, so that
        the answer and the limit say nothing about which numbers are registered."""
        phone_ok = await allow(self.redis, CODES_PER_PHONE, phone)
        ip_ok = await allow(self.redis, CODES_PER_IP, client_ip)
        return phone_ok and ip_ok

    async def issue(self, phone: str) -> str:
        """A new code for this phone, replacing any earlier one."""
        code = f"{secrets.randbelow(10**6):06d}"
        key = f"{self.purpose}:{phone}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping={"digest": self._digest(phone, code), "tries": 0})
            pipe.expire(key, CODE_TTL)
            await pipe.execute()
        return code

    async def verify(self, phone: str, code: str) -> SignInProblem | None:
        typed = code.strip()[:12]
        script = self.redis.register_script(_VERIFY)
        outcome = await script(
            keys=[f"{self.purpose}:{phone}"], args=[self._digest(phone, typed), MAX_TRIES]
        )
        outcome = outcome.decode() if isinstance(outcome, bytes) else outcome
        if outcome == "ok":
            return None
        message = {"missing": EXPIRED, "too_many": TOO_MANY_TRIES}.get(outcome, WRONG)
        return SignInProblem("code", message)
