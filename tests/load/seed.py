"""The load test's data, written into the stack's database through the real tables: merchants
with recent orders of one terminal each (inside the return window), staff of each working role
with a known password, and a partner API client with its key. Written once, before the load,
into the fresh database `make stack` made."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from db.engine import bind_database, close_database, open_database
from db.partners import create_client
from db.policies import ensure_policy
from db.tables import Order
from tests.integration import factories

PASSWORD = "load-test-passphrase-2026"
ROLES = ("reviewer", "inspector", "finance")


@dataclass
class Merchant:
    phone: str
    orders: list[dict[str, object]]  # order_no, order_id, item_id, serial


@dataclass
class Seeded:
    merchants: list[Merchant]
    staff: dict[str, list[str]]  # role -> usernames (PASSWORD for all)
    api_key: str
    partner_orders: list[dict[str, object]] = field(default_factory=list)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> Seeded:
        raw = json.loads(path.read_text())
        return cls([Merchant(**m) for m in raw["merchants"]], raw["staff"], raw["api_key"],
                   raw["partner_orders"])  # fmt: skip


async def seed(database_url: str, merchants: int, orders_each: int, staff_each: int) -> Seeded:
    bind_database(database_url, 4)
    await open_database()
    try:
        await ensure_policy()
        now = datetime.now(UTC)
        made = [await _merchant(n, orders_each, now) for n in range(merchants)]
        staff = {
            role: [await _staff(f"{role}{n + 1}", role) for n in range(staff_each)]
            for role in ROLES
        }
        _, key = await create_client("负载测试合作方", "partner", None,
                                     ["returns:read", "returns:write"], 100_000, now)  # fmt: skip
        partner_owner = await _merchant(merchants, orders_each * 4, now)
        return Seeded(made, staff, key, partner_owner.orders)
    finally:
        await close_database()


async def _merchant(n: int, orders: int, now: datetime) -> Merchant:
    phone = f"1391{n:07d}"
    merchant_id = await factories.merchant(phone=phone, name=f"负载测试商户{n + 1}")
    kept = []
    for k in range(orders):
        serial = f"LT{n:05d}{k:03d}SN{n * 1000 + k:010d}"
        order_id, items = await factories.order(
            merchant_id, now - timedelta(days=3, hours=k), serials=(serial,)
        )
        row = await Order.select(Order.order_no).where(Order.id == order_id).first()
        assert row is not None
        kept.append({"order_no": row["order_no"], "order_id": order_id, "item_id": items[0],
                     "serial": serial})  # fmt: skip
    return Merchant(phone, kept)


async def _staff(username: str, role: str) -> str:
    await factories.staff(username, role, password=PASSWORD)
    return username
