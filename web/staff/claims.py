"""Who is working on a request: a claim held in Redis (shared by every web process) that runs
out on its own, so that two reviewers do not work the same request and a claim left behind
frees itself."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from db.staff import StaffAccount

CLAIM_SECONDS = 15 * 60
_KEY = "claim:{}"

# take the claim if it is free or already ours; (re)start its clock either way it is ours
_TAKE = """
local held = redis.call('GET', KEYS[1])
if held and cjson.decode(held)['id'] ~= tonumber(ARGV[1]) then return held end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return ARGV[2]
"""
_RELEASE = """
local held = redis.call('GET', KEYS[1])
if held and cjson.decode(held)['id'] == tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class Claim:
    staff_id: int
    name: str

    def mine(self, staff: StaffAccount) -> bool:
        return self.staff_id == staff.id


def _claim(raw: Any) -> Claim | None:
    if not raw:
        return None
    held = json.loads(raw)
    return Claim(int(held["id"]), str(held["name"]))


async def take(redis: Redis, request_id: int, staff: StaffAccount) -> Claim:
    """The claim on the request: ours now (taken or renewed), or whoever else holds it."""
    script: Any = redis.register_script(_TAKE)
    mine = json.dumps({"id": staff.id, "name": staff.display_name})
    held = _claim(
        await script(keys=[_KEY.format(request_id)], args=[staff.id, mine, CLAIM_SECONDS])
    )
    assert held is not None  # the script returns the claim it found or set
    return held


async def release(redis: Redis, request_id: int, staff: StaffAccount) -> None:
    script: Any = redis.register_script(_RELEASE)
    await script(keys=[_KEY.format(request_id)], args=[staff.id])


async def holder(redis: Redis, request_id: int) -> Claim | None:
    return _claim(await redis.get(_KEY.format(request_id)))


async def holders(redis: Redis, request_ids: list[int]) -> dict[int, Claim]:
    """Who holds each of these requests (a queue page's rows), in one round trip."""
    if not request_ids:
        return {}
    found = await redis.mget([_KEY.format(i) for i in request_ids])
    return {i: claim for i, raw in zip(request_ids, found, strict=True) if (claim := _claim(raw))}
