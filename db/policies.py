"""Policy versions: the current one, any earlier one by number, and the default as version 1."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db.engine import atomic
from db.tables import PolicyVersion
from domain.policy import DEFAULT_POLICY, Policy

# A stored version never changes (a change is a new version), so each is read once per process.
_by_version: dict[int, Policy] = {}


def _parsed(version: int, body: Any) -> Policy:
    policy = _by_version.get(version)
    if policy is None:
        policy = _by_version[version] = Policy.from_dict(body)
    return policy


async def current_policy() -> tuple[int, Policy]:
    """The newest version and its rules (version 0 and the defaults before any is stored).

    Another process may have saved a newer version, so the number is asked for every time;
    only its body is cached."""
    row = await (
        PolicyVersion.select(PolicyVersion.version, PolicyVersion.body)
        .order_by(PolicyVersion.version, ascending=False)
        .output(load_json=True)
        .first()
    )
    if row is None:
        return 0, DEFAULT_POLICY
    return row["version"], _parsed(row["version"], row["body"])


async def policy_version(version: int) -> Policy:
    """The rules a request was submitted under."""
    if version in _by_version:
        return _by_version[version]
    row = await (
        PolicyVersion.select(PolicyVersion.body)
        .where(PolicyVersion.version == version)
        .output(load_json=True)
        .first()
    )
    return _parsed(version, row["body"]) if row else DEFAULT_POLICY


async def ensure_policy() -> int:
    """Record the default policy as version 1 when none exists yet (idempotent)."""
    version, _ = await current_policy()
    if version:
        return version
    await PolicyVersion.insert(
        PolicyVersion(version=1, body=DEFAULT_POLICY.to_dict(), reason="default policy")
    ).on_conflict(action="DO NOTHING")
    return 1


async def save_policy(policy: Policy, staff_name: str, reason: str, now: datetime) -> int | None:
    """Store `policy` as the version after the current one. None when someone saved another
    version meanwhile (the unique version number refuses the second): the page shows the newer
    one rather than overwrite it."""
    async with atomic():
        current, _ = await current_policy()
        if policy.version != current + 1:
            return None
        inserted = (
            await PolicyVersion.insert(
                PolicyVersion(
                    version=policy.version,
                    body=policy.to_dict(),
                    created_by=staff_name[:100],
                    reason=reason,
                    created_at=now,
                )
            )
            .on_conflict(action="DO NOTHING")
            .returning(PolicyVersion.id)
        )
    return policy.version if inserted else None


async def policy_history(limit: int = 20) -> list[dict[str, Any]]:
    """The newest versions first: who saved each, when and why."""
    return await (
        PolicyVersion.select(
            PolicyVersion.version,
            PolicyVersion.created_by,
            PolicyVersion.reason,
            PolicyVersion.created_at,
        )
        .order_by(PolicyVersion.version, ascending=False)
        .limit(limit)
    )


def forget_cached_versions() -> None:
    """Tests empty the tables between cases; production never deletes a version."""
    _by_version.clear()
