"""Demo data for `make dev`: merchants with orders in and out of the window, one staff user per role.

Idempotent: every row is keyed by something unique (phone, order number, SKU, user name), so
running it again adds nothing and changes nothing already there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.table import Table

from db.partners import all_clients, client_for_key, client_record, create_client, rotate_key
from db.passwords import hash_password, needs_rehash, verify_password
from db.policies import ensure_policy
from db.tables import (
    Merchant,
    Order,
    OrderItem,
    Outlet,
    Product,
    ProductCategory,
    StaffUser,
    Terminal,
)
from domain.partners import DEFAULT_RATE_LIMIT, Scope, parse_key
from domain.sync import CATEGORY_NAMES


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

_CATEGORIES = CATEGORY_NAMES
_PRODUCTS = (
    ("P8-SMART", "智能POS终端 P8", "Smart POS terminal P8", "terminal", True, 128000),
    ("M3-HANDHELD", "手持POS机 M3", "Handheld POS M3", "terminal", True, 39900),
    ("Q1-SCANBOX", "扫码盒子 Q1", "QR scan box Q1", "terminal", True, 19900),
    ("DOCK-P8", "P8 充电底座", "P8 charging dock", "accessory", False, 8900),
    ("PAPER-20", "热敏打印纸（20卷）", "Thermal paper (20 rolls)", "consumable", False, 5800),
)
# (phone, name, mid, [(order_no, days since completion, invoice, [(sku, qty, sn, tid, activated, bound)])])
_MERCHANTS: tuple[tuple[str, str, str, tuple[Any, ...]], ...] = (
    (
        "13800138000",
        "上海小杨生煎（静安店）",
        "898310058120001",
        (
            (
                "DD20261001",
                6,
                True,
                (
                    ("P8-SMART", 1, "P8A2611000101", "10000101", True, True),
                    ("DOCK-P8", 1, None, "", False, False),
                ),
            ),
            (
                "DD20261002",
                21,
                False,
                (
                    ("M3-HANDHELD", 1, "M3B2610000207", "10000207", True, False),
                    ("PAPER-20", 2, None, "", False, False),
                ),
            ),
            (
                "DD20261003",
                48,
                True,
                (("Q1-SCANBOX", 1, "Q1C2609000311", "10000311", False, False),),
            ),
        ),
    ),
    (
        "13900139000",
        "杭州知味茶馆",
        "898330158120002",
        (
            (
                "DD20261011",
                3,
                False,
                (
                    ("P8-SMART", 1, "P8A2611000412", "10000412", False, False),
                    ("P8-SMART", 1, "P8A2611000413", "10000413", True, True),
                ),
            ),
            (
                "DD20261012",
                40,
                False,
                (("M3-HANDHELD", 1, "M3B2609000515", "10000515", True, True),),
            ),
        ),
    ),
    (
        "13700137000",
        "深圳鹏城便利店",
        "898440358120003",
        (
            (
                "DD20261021",
                12,
                True,
                (
                    ("Q1-SCANBOX", 2, None, "", False, False),
                    ("Q1-SCANBOX", 1, "Q1C2611000618", "10000618", True, True),
                ),
            ),
        ),
    ),
)


async def _insert_missing(table: type[Table], key: Any, value: Any, row: Table) -> int:
    existing = await table.select(table._meta.primary_key).where(key == value).first()
    if existing:
        return int(existing["id"])
    inserted = await table.insert(row).returning(table._meta.primary_key)
    return int(inserted[0]["id"])


DEMO_OUTLET = ("SH-MH-01", "闵行服务网点", "outlet", "上海市闵行区申富路 88 号")


async def seed_demo(now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    await ensure_policy()
    code, name, kind, address = DEMO_OUTLET
    outlet_id = await _insert_missing(
        Outlet, Outlet.code, code, Outlet(code=code, name=name, kind=kind, address=address)
    )
    products = await _seed_catalog()
    for phone, name, mid, orders in _MERCHANTS:
        merchant_id = await _insert_missing(
            Merchant, Merchant.phone, phone, Merchant(phone=phone, name=name, mid=mid)
        )
        for order in orders:
            await _seed_order(merchant_id, mid, order, products, now)
    await _seed_staff(outlet_id)


async def _seed_catalog() -> dict[str, tuple[int, int]]:
    """Categories and products; SKU → (product id, price in fen)."""
    category_ids = {}
    for key, zh, en in _CATEGORIES:
        category_ids[key] = await _insert_missing(
            ProductCategory,
            ProductCategory.key,
            key,
            ProductCategory(key=key, name_zh=zh, name_en=en),
        )
    products = {}
    for sku, zh, en, category, has_serial, price in _PRODUCTS:
        product = Product(
            sku=sku,
            name_zh=zh,
            name_en=en,
            category=category_ids[category],
            has_serial=has_serial,
            unit_price_fen=price,
        )
        products[sku] = (await _insert_missing(Product, Product.sku, sku, product), price)
    return products


async def _seed_order(
    merchant_id: int, mid: str, order: Any, products: dict[str, tuple[int, int]], now: datetime
) -> None:
    order_no, days_ago, invoice, lines = order
    if await Order.exists().where(Order.order_no == order_no):
        return
    completed = now - timedelta(days=days_ago)
    paid = sum(products[sku][1] * qty for sku, qty, *_ in lines)
    order_id = (
        await Order.insert(
            Order(
                order_no=order_no,
                merchant=merchant_id,
                completed_at=completed,
                delivered_at=completed - timedelta(days=1),
                paid_total_fen=paid,
                invoice_issued=invoice,
            )
        ).returning(Order.id)
    )[0]["id"]
    for line_no, (sku, qty, serial, tid, activated, bound) in enumerate(lines, 1):
        await OrderItem.insert(
            OrderItem(
                order=order_id,
                product=products[sku][0],
                quantity=qty,
                unit_price_fen=products[sku][1],
                serial_number=serial,
                line_no=line_no,
            )
        )
        if serial:
            terminal = Terminal(serial_number=serial, mid=mid, tid=tid, bound=bound,
                                activated=activated)  # fmt: skip
            await Terminal.insert(terminal).on_conflict(
                target=Terminal.serial_number, action="DO NOTHING"
            )


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
