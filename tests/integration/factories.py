"""Rows for tests, inserted through the real tables (the same ones the app reads)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from db.policies import ensure_policy
from db.tables import (
    EvidenceFile,
    Merchant,
    Order,
    OrderItem,
    Product,
    ProductCategory,
    ReturnItem,
    ReturnRequest,
    Terminal,
)

_counter = itertools.count(1)


async def merchant(phone: str | None = None, name: str = "测试商户") -> int:
    n = next(_counter)
    rows = await Merchant.insert(
        Merchant(phone=phone or f"1380000{n:04d}", name=name, mid=f"MID{n:06d}")
    ).returning(Merchant.id)
    return int(rows[0]["id"])


async def product(
    has_serial: bool = True, price_fen: int = 128000, category: str = "terminal"
) -> int:
    n = next(_counter)
    found = (
        await ProductCategory.select(ProductCategory.id)
        .where(ProductCategory.key == category)
        .first()
    )
    if found:
        category_id = found["id"]
    else:
        category_id = (
            await ProductCategory.insert(
                ProductCategory(key=category, name_zh=category, name_en=category)
            ).returning(ProductCategory.id)
        )[0]["id"]
    rows = await Product.insert(
        Product(
            sku=f"SKU{n}",
            name_zh=f"终端{n}",
            name_en=f"Terminal {n}",
            category=category_id,
            has_serial=has_serial,
            unit_price_fen=price_fen,
        )
    ).returning(Product.id)
    return int(rows[0]["id"])


async def order(
    merchant_id: int,
    completed_at: datetime,
    *,
    price_fen: int = 128000,
    serials: tuple[str, ...] = ("SN-A",),
    invoice_issued: bool = False,
) -> tuple[int, list[int]]:
    n = next(_counter)
    product_id = await product(price_fen=price_fen)
    order_id = (
        await Order.insert(
            Order(
                order_no=f"DD{n:08d}",
                merchant=merchant_id,
                completed_at=completed_at,
                delivered_at=completed_at - timedelta(days=1),
                paid_total_fen=price_fen * len(serials),
                invoice_issued=invoice_issued,
            )
        ).returning(Order.id)
    )[0]["id"]
    item_ids = []
    for serial in serials:
        item_ids.append(
            (
                await OrderItem.insert(
                    OrderItem(
                        order=order_id,
                        product=product_id,
                        quantity=1,
                        unit_price_fen=price_fen,
                        serial_number=serial,
                    )
                ).returning(OrderItem.id)
            )[0]["id"]
        )
    if any(serials):  # each unit with an SN a terminal, bound to the merchant and activated
        await Terminal.insert(
            *(Terminal(serial_number=sn, tid=f"T{n:07d}", bound=True, activated=True)
              for sn in serials if sn)
        ).on_conflict(target=Terminal.serial_number, action="DO NOTHING")  # fmt: skip
    return int(order_id), item_ids


async def draft(
    merchant_id: int,
    order_id: int,
    item_ids: list[int],
    *,
    reason: str = "quality_defect",
    resolution: str = "refund",
    evidence: int = 1,
    **extra: Any,
) -> int:
    version = await ensure_policy()
    request_id = (
        await ReturnRequest.insert(
            ReturnRequest(
                merchant=merchant_id,
                order=order_id,
                state="draft",
                reason=reason,
                resolution=resolution,
                policy_version=version,
                **extra,
            )
        ).returning(ReturnRequest.id)
    )[0]["id"]
    for item_id in item_ids:
        serial = (
            await OrderItem.select(OrderItem.serial_number).where(OrderItem.id == item_id).first()
        )
        await ReturnItem.insert(
            ReturnItem(
                request=request_id,
                order_item=item_id,
                quantity=1,
                serial_number=serial["serial_number"] if serial else None,
            )
        )
    for i in range(evidence):
        await EvidenceFile.insert(
            EvidenceFile(
                request=request_id,
                kind="image",
                original_name=f"photo{i}.jpg",
                stored_name=f"{request_id:016x}{next(_counter):016x}.jpg",
                content_type="image/jpeg",
                size=1000,
                sha256=f"{request_id:032d}{i:032d}",
                uploaded_by=f"merchant:{merchant_id}",
            )
        )
    return int(request_id)


async def session_for(merchant_id: int) -> str:
    """A server-side session for the merchant, as the code form makes one: its cookie value."""
    import os

    from redis.asyncio import Redis

    from web.sessions import SessionStore

    redis = Redis.from_url(os.environ["REDIS_URL"])
    try:
        return await SessionStore(redis).create({"merchant_id": merchant_id})
    finally:
        await redis.aclose()


async def sign_in(client: Any, merchant_id: int) -> None:
    """Sign a merchant in on this test client, as the code form would (a server-side session)."""
    from web.cookies import SESSION

    # where the site's own cookie goes: a sign-in's new session replaces it, as in a browser
    client.cookies.set(SESSION, await session_for(merchant_id), domain="127.0.0.1")


def token_in(html: str) -> str:
    """The CSRF token a page carries for htmx (forms post the same one as a field)."""
    import re

    match = re.search(r'"x-csrftoken": "([0-9a-f]+)"', html)
    assert match, "the page carries a CSRF token"
    return match.group(1)


async def submit(request_id: int, merchant_id: int, now: datetime) -> Any:
    """The merchant submits their draft through the store (claims, RMA, outbox and all)."""
    from db.returns import Applied, apply_action
    from domain.lifecycle import Action, Actor, Command, Role

    actor = Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id)
    result = await apply_action(request_id, Command(Action.SUBMIT), actor, now)
    assert isinstance(result, Applied), result
    return result


async def submitted(
    merchant_id: int, now: datetime, *, serials: tuple[str, ...] | None = None, **draft_fields: Any
) -> tuple[int, str]:
    """A request the merchant has submitted: (id, RMA). `draft_fields` go to `draft`."""
    from db.returns import Applied, apply_action
    from domain.lifecycle import Action, Actor, Command, Role

    order_id, items = await order(
        merchant_id, now - timedelta(days=5), serials=serials or (f"SN{next(_counter):06d}",)
    )
    request_id = await draft(merchant_id, order_id, items, **draft_fields)
    actor = Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id)
    result = await apply_action(request_id, Command(Action.SUBMIT), actor, now)
    assert isinstance(result, Applied), result
    return request_id, str(result.rma)


async def staff_decides(
    request_id: int,
    action: Any,
    now: datetime,
    *,
    role: str = "reviewer",
    staff_id: str = "staff:1",
    name: str = "审核员 王芳",
    staged_files: Any = (),
    **command_fields: Any,
) -> Any:
    """A staff decision through the same store the admin will use (a pass confirms every
    inspection check unless the test says otherwise)."""
    from db.returns import Applied, apply_action
    from domain.inspection import CHECKLIST
    from domain.lifecycle import Action, Actor, Command, Role

    if action is Action.INSPECT_PASS:
        command_fields.setdefault("checklist", tuple(CHECKLIST))
    if action is Action.RECEIVE and "receipts" not in command_fields:
        from db.snapshots import load_snapshot
        from domain.terms import ItemReceipt

        items = (await load_snapshot(request_id)).items
        command_fields["receipts"] = tuple((i.order_item_id, ItemReceipt.RECEIVED) for i in items)

    result = await apply_action(
        request_id,
        Command(action, **command_fields),
        Actor(Role(role), staff_id),
        now,
        actor_name=name,
        staged_files=staged_files,
    )
    assert isinstance(result, Applied), result
    return result


async def csrf_token(client: Any, path: str = "/") -> str:
    """The CSRF token the page on `path` carries (every page has it for htmx; forms post it
    back as a field), as the browser would send it. It is bound to the session cookie."""

    return token_in((await client.get(path)).text)


def aware(value: datetime) -> datetime:
    """A timestamp as read back from either database, in UTC."""
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def outlet(code: str) -> int:
    from db.tables import Outlet

    rows = await Outlet.insert(Outlet(code=code, name=f"网点 {code}")).returning(Outlet.id)
    return int(rows[0]["id"])


async def staged(request_id: int, actor_id: str, name: str = "photo.jpg") -> int:
    """A file the actor staged on the request (as an upload with a form does), bytes not kept."""
    from datetime import UTC, datetime

    from db.tables import StagedFile

    n = next(_counter)
    rows = await StagedFile.insert(
        StagedFile(
            request=request_id,
            uploaded_by=actor_id,
            kind="image",
            original_name=name,
            stored_name=f"{n:032x}.jpg",
            content_type="image/jpeg",
            size=1000,
            sha256=f"{n:064x}",
            created_at=datetime.now(UTC),
        )
    ).returning(StagedFile.id)
    return int(rows[0]["id"])


async def merchant_answers(request_id: int, merchant_id: int, now: datetime, text: str) -> Any:
    """The merchant answers a question and sends the request back for review."""
    from db.returns import Applied, apply_action
    from domain.lifecycle import Action, Actor, Command, Role

    actor = Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id)
    result = await apply_action(request_id, Command(Action.RESUBMIT, text), actor, now)
    assert isinstance(result, Applied), result
    return result


async def message(request_id: int, merchant_id: int, body: str, now: datetime) -> int:
    """A message from the merchant on the request's thread."""
    from db.conversations import post_message
    from domain.lifecycle import Actor, Role

    actor = Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id)
    result = await post_message(request_id, actor, "商户", body, now)
    assert isinstance(result, int), result
    return result


async def staff(
    username: str, role: str, *, password: str = "a-long-test-passphrase", outlet_id: Any = None
) -> int:
    """A staff account, its password hashed as sign-in checks it."""
    from db.passwords import hash_password
    from db.tables import StaffUser

    rows = await StaffUser.insert(
        StaffUser(
            username=username,
            display_name=f"{role} {username}",
            role=role,
            password_hash=hash_password(password),
            outlet=outlet_id,
        )
    ).returning(StaffUser.id)
    return int(rows[0]["id"])


async def staff_token(staff_id: int) -> str:
    """A staff session, as the sign-in form makes one: its cookie value."""
    import os

    from redis.asyncio import Redis

    from web.sessions import SessionStore

    redis = Redis.from_url(os.environ["REDIS_URL"])
    try:
        return await SessionStore(redis).create({"staff_id": staff_id})
    finally:
        await redis.aclose()


async def staff_session(client: Any, staff_id: int) -> None:
    """Sign a staff member in on this test client, as the sign-in form would."""
    from web.cookies import SESSION

    client.cookies.set(SESSION, await staff_token(staff_id), domain="127.0.0.1")


async def merchant_appeals(request_id: int, merchant_id: int, now: datetime, text: str) -> Any:
    """The merchant appeals the decision on their request."""
    from db.returns import Applied, apply_action
    from domain.lifecycle import Action, Actor, Command, Role

    actor = Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id)
    result = await apply_action(request_id, Command(Action.APPEAL, text), actor, now)
    assert isinstance(result, Applied), result
    return result


async def api_client(
    *,
    scopes: tuple[str, ...] = ("returns:read", "returns:write"),
    rate_limit: int = 600,
    channel: str = "partner",
    outlet_id: int | None = None,
    name: str = "合作门店收银系统",
) -> tuple[int, str]:
    """A partner API client and its key (a test key: DEBUG is on in the tests)."""
    from datetime import UTC, datetime

    from db.partners import create_client

    return await create_client(
        name, channel, outlet_id, list(scopes), rate_limit, datetime.now(UTC), test_key=True
    )
