"""Demo data for `make dev`: merchants with orders in and out of the window, one staff user per role.

Idempotent: every row is keyed by something unique (phone, order number, SKU, user name), so
running it again adds nothing and changes nothing already there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.table import Table

from db.demo import import_samples
from db.partners import all_clients, client_for_key, client_record, create_client, rotate_key
from db.passwords import hash_password, needs_rehash, verify_password
from db.policies import ensure_policy
from db.tables import (
    Outlet,
    StaffUser,
)
from domain.partners import DEFAULT_RATE_LIMIT, Scope, parse_key


@dataclass(frozen=True)
class DemoStaff:
    username: str
    password: str
    display_name: str
    role: str


DEMO_MERCHANT_PHONES = ("13800138000", "13900139000", "13700137000")
# Demo passwords follow the staff password rules (domain.staff): 12 characters or more, not a
# common one, not containing the user name.
DEMO_STAFF = (
    DemoStaff("reviewer", "shenhe-demo-2026", "审核员 王芳", "reviewer"),
    DemoStaff("inspector", "zhijian-demo-2026", "质检 李强", "inspector"),
    DemoStaff("finance", "caiwu-demo-2026", "财务 陈静", "finance"),
    DemoStaff("supervisor", "zhuguan-demo-2026", "主管 赵磊", "supervisor"),
    DemoStaff("supervisor2", "fuzhuguan-demo-2026", "主管 孙悦", "supervisor"),
    DemoStaff("counter", "wangdian-demo-2026", "网点 周敏", "counter"),
)


async def _insert_missing(table: type[Table], key: Any, value: Any, row: Table) -> int:
    existing = await table.select(table._meta.primary_key).where(key == value).first()
    if existing:
        return int(existing["id"])
    inserted = await table.insert(row).returning(table._meta.primary_key)
    return int(inserted[0]["id"])


DEMO_OUTLET = ("SH-MH-01", "闵行服务网点", "outlet", "上海市闵行区申富路 88 号")


async def seed_demo(now: datetime | None = None, zone: str = "Asia/Shanghai") -> None:
    """The demo's policy, outlet and staff, and its merchants, products, orders and terminals
    from the provider's sample exports (db.demo), each made once."""
    now = now or datetime.now(UTC)
    await ensure_policy()
    code, name, kind, address = DEMO_OUTLET
    outlet_id = await _insert_missing(
        Outlet, Outlet.code, code, Outlet(code=code, name=name, kind=kind, address=address)
    )
    await _seed_staff(outlet_id)
    await import_samples(now, ZoneInfo(zone))


async def _seed_staff(outlet_id: int) -> None:
    for staff in DEMO_STAFF:
        found = await StaffUser.select(StaffUser.id, StaffUser.password_hash).where(
            StaffUser.username == staff.username
        )
        if found:
            # demo accounts from before Argon2 (or with an older demo password) are rehashed
            stored = str(found[0]["password_hash"])
            if needs_rehash(stored) or not verify_password(staff.password, stored):
                await StaffUser.update(
                    {StaffUser.password_hash: hash_password(staff.password)}
                ).where(StaffUser.id == found[0]["id"])
            continue
        await StaffUser.insert(
            StaffUser(
                username=staff.username,
                display_name=staff.display_name,
                role=staff.role,
                password_hash=hash_password(staff.password),
                outlet=outlet_id if staff.role == "counter" else None,
            )
        )


DEMO_API_CLIENT = "演示合作系统"
DEMO_API_SCOPES = (Scope.RETURNS_READ.value, Scope.RETURNS_WRITE.value)


async def seed_demo_api_client(kept: str, now: datetime | None = None) -> str:
    """The demo API client's test key (rdk_test_…, accepted only where DEBUG is on): `kept`, the
    key from the last run, while it is the demo client's current key; else a new one — the demo
    client's key rotated at once (the file lost, the key rotated in the admin), or the client
    made again (revoked in the admin, or never made). The database keeps only the key's hash:
    the caller keeps the key."""
    now = now or datetime.now(UTC)
    if await _current_key(kept, now):
        return kept
    active = [c for c in await all_clients() if c["name"] == DEMO_API_CLIENT and c["active"]]
    key = None
    if active:
        key = await rotate_key(int(active[0]["id"]), timedelta(0), now, test_key=True)
    if key is None:
        _, key = await create_client(DEMO_API_CLIENT, "partner", None, list(DEMO_API_SCOPES),
                                     DEFAULT_RATE_LIMIT, now, test_key=True)  # fmt: skip
    return key


async def _current_key(key: str, now: datetime) -> bool:
    """Whether `key` is an active client's current key (not one rotated out and still in its
    overlap)."""
    parts = parse_key(key, test_keys=True)
    found = await client_for_key(*parts, now) if parts else None
    record = await client_record(found.id) if found else None
    return record is not None and parts is not None and record["key_id"] == parts[0]
