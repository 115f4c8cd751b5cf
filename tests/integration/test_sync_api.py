"""The sync API as the provider's order system uses it: batches of merchants, products, orders
and terminals, each good record kept and each bad one named; the same batch twice changes
nothing and says so; what changed read back by a cursor; a line a return request uses is never
removed; only a key with the `sync` scope may do any of it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from db.tables import Merchant, Order, OrderItem, Product, ReturnItem, Terminal
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]


@pytest.fixture
async def key() -> str:
    _id, made = await factories.api_client(scopes=("sync",), name="订单系统")
    return made


def bearer(key: str, language: str = "zh-CN") -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Accept-Language": language}


async def sync(client: Client, key: str, kind: str, *records: dict[str, Any], **kw: str) -> Any:
    answer = await client.post(f"/api/v1/sync/{kind}", json={"records": list(records)},
                               headers=bearer(key, **kw))  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()


def merchant(n: int, **extra: Any) -> dict[str, Any]:
    return {"external_id": f"M-{n}", "name": f"商户{n}", "phones": [f"1391234{n:04d}"], **extra}


PRODUCTS = (
    {"sku": "P8", "name_zh": "智能POS终端 P8", "name_en": "Smart POS P8", "category": "terminal",
     "serialised": True, "unit_price_fen": 128000},
    {"sku": "PAPER", "name_zh": "热敏打印纸", "category": "consumable", "unit_price_fen": 5800},
)  # fmt: skip


def order(no: str, merchant_id: str, now: datetime, *items: dict[str, Any]) -> dict[str, Any]:
    return {"order_no": no, "merchant_external_id": merchant_id,
            "completed_at": (now - timedelta(days=3)).isoformat(), "paid_total_fen": 261800,
            "invoice_issued": True, "invoice_no": "0440001",
            "items": list(items) or [
                {"line_no": 1, "sku": "P8", "quantity": 2, "unit_price_fen": 128000,
                 "serial_numbers": ["P8SYNC0001", "P8SYNC0002"]},
                {"line_no": 2, "sku": "PAPER", "quantity": 1, "unit_price_fen": 5800}]}  # fmt: skip


async def test_good_merchants_are_kept_bad_ones_named_and_a_resend_changes_nothing(
    client: Client, key: str
) -> None:
    batch = [merchant(1), merchant(2, phones=["138 0013 9999", "+86 13700137000"]),
             merchant(3, phones=["12345"]), {**merchant(4), "name": " "},
             merchant(1, name="重复")]  # fmt: skip
    said = await sync(client, key, "merchants", *batch)
    assert (said["received"], said["added"], said["updated"], said["unchanged"]) == (5, 2, 0, 0)
    assert said["refused"] == 3
    assert [(e["index"], e["field"], e["code"]) for e in said["errors"]] == [
        (2, "phones[0]", "invalid_phone"), (3, "name", "required"),
        (4, "external_id", "duplicate_in_batch")]  # fmt: skip
    assert said["errors"][0]["message"] == "这不是大陆手机号码（11 位数字）。"
    stored = await Merchant.select(Merchant.phone, Merchant.other_phones).where(
        Merchant.external_id == "M-2"
    )
    assert stored == [{"phone": "13800139999", "other_phones": "13700137000"}]

    again = await sync(client, key, "merchants", *batch[:2])
    assert (again["added"], again["updated"], again["unchanged"], again["refused"]) == (0, 0, 2, 0)
    changed = await sync(client, key, "merchants", merchant(1, email="shop@example.com"))
    assert (changed["updated"], changed["unchanged"]) == (1, 0)
    assert await Merchant.count().where(Merchant.external_id.is_not_null()) == 2


async def test_a_merchant_known_by_phone_is_taken_as_the_same_and_a_taken_phone_is_refused(
    client: Client, key: str
) -> None:
    known = await factories.merchant(phone="13912340010")
    said = await sync(client, key, "merchants", merchant(10), merchant(11, phones=["13912340010"]))
    assert (said["added"], said["updated"]) == (0, 1)
    assert [(e["index"], e["code"]) for e in said["errors"]] == [(1, "phone_taken")]
    row = await Merchant.select(Merchant.id, Merchant.external_id, Merchant.name).where(
        Merchant.phone == "13912340010"
    )
    assert row == [{"id": known, "external_id": "M-10", "name": "商户10"}]


async def test_orders_come_in_with_one_row_per_unit_and_a_resend_changes_nothing(
    client: Client, key: str, now: datetime
) -> None:
    await sync(client, key, "merchants", merchant(20))
    assert (await sync(client, key, "products", *PRODUCTS))["added"] == 2
    said = await sync(
        client, key, "orders",
        order("DD-S-1", "M-20", now),
        order("DD-S-2", "M-404", now),
        order("DD-S-3", "M-20", now, {"line_no": 1, "sku": "PAPER", "quantity": 1,
                                      "unit_price_fen": 5800, "serial_numbers": ["X1"]}),
        order("DD-S-4", "M-20", now, {"line_no": 1, "sku": "NOPE", "quantity": 1,
                                      "unit_price_fen": 1}),
        {**order("DD-S-5", "M-20", now), "completed_at": (now + timedelta(days=9)).isoformat()},
    )  # fmt: skip
    assert said["added"] == 1 and said["refused"] == 4
    assert [(e["index"], e["field"], e["code"]) for e in said["errors"]] == [
        (1, "merchant_external_id", "unknown_merchant"),
        (2, "items[0].serial_numbers", "serials_mismatch"),
        (3, "items[0].sku", "unknown_product"), (4, "completed_at", "in_future")]  # fmt: skip
    lines = await OrderItem.select(OrderItem.line_no, OrderItem.quantity,
                                   OrderItem.serial_number).order_by(OrderItem.id)  # fmt: skip
    assert lines == [{"line_no": 1, "quantity": 1, "serial_number": "P8SYNC0001"},
                     {"line_no": 1, "quantity": 1, "serial_number": "P8SYNC0002"},
                     {"line_no": 2, "quantity": 1, "serial_number": None}]  # fmt: skip
    assert await Order.count() == 1

    again = await sync(client, key, "orders", order("DD-S-1", "M-20", now))
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 1)
    dearer = order("DD-S-1", "M-20", now, {"line_no": 1, "sku": "P8", "quantity": 2,
                   "unit_price_fen": 129000, "serial_numbers": ["P8SYNC0001", "P8SYNC0002"]})  # fmt: skip
    assert (await sync(client, key, "orders", dearer))["updated"] == 1
    kept = await OrderItem.select(OrderItem.unit_price_fen, OrderItem.serial_number)
    assert kept == [{"unit_price_fen": 129000, "serial_number": "P8SYNC0001"},
                    {"unit_price_fen": 129000, "serial_number": "P8SYNC0002"}]  # fmt: skip


async def test_a_line_a_return_request_uses_is_never_removed(
    client: Client, key: str, now: datetime
) -> None:
    await sync(client, key, "merchants", merchant(30))
    await sync(client, key, "products", *PRODUCTS)
    await sync(client, key, "orders", order("DD-S-30", "M-30", now))
    merchant_id = (await Merchant.select(Merchant.id).where(Merchant.external_id == "M-30"))[0]
    order_id = (await Order.select(Order.id).where(Order.order_no == "DD-S-30"))[0]["id"]
    unit = await OrderItem.select(OrderItem.id).where(OrderItem.serial_number == "P8SYNC0001")
    await factories.draft(merchant_id["id"], order_id, [unit[0]["id"]])
    before = await OrderItem.select().order_by(OrderItem.id)

    without_it = order("DD-S-30", "M-30", now, {"line_no": 2, "sku": "PAPER", "quantity": 1,
                                                "unit_price_fen": 5800})  # fmt: skip
    said = await sync(client, key, "orders", without_it, language="en")
    assert said["refused"] == 1 and said["errors"][0]["code"] == "line_in_use"
    assert "A return request uses this order line" in said["errors"][0]["message"]
    assert await OrderItem.select().order_by(OrderItem.id) == before
    assert await ReturnItem.count() == 1


async def test_terminals_are_kept_by_serial_number_and_read_back_by_cursor(
    client: Client, key: str, now: datetime
) -> None:
    said = await sync(client, key, "terminals", *(
        {"serial_number": f"P8T{n:05d}", "mid": "898310058120001", "tid": f"{n:08d}",
         "bound": True, "activated": True,
         "last_transaction_at": (now - timedelta(hours=n)).isoformat()} for n in range(5)),
        {"serial_number": "坏的 SN"})  # fmt: skip
    assert (said["added"], said["refused"]) == (5, 1)
    assert said["errors"][0]["field"] == "serial_number"
    await sync(client, key, "terminals", {"serial_number": "P8T00003", "bound": False})
    row = await Terminal.select(Terminal.bound, Terminal.tid).where(
        Terminal.serial_number == "P8T00003"
    )
    assert row == [{"bound": False, "tid": ""}]  # a record is the terminal's whole state

    seen: list[str] = []
    cursor = None
    for _page in range(4):
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = await client.get("/api/v1/sync/terminals", params=params, headers=bearer(key))
        assert page.status_code == 200, page.text
        seen += [t["serial_number"] for t in page.json()["data"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [f"P8T{n:05d}" for n in range(5)] and len(seen) == 5
    assert seen[-1] == "P8T00003"  # changed last, read last

    later = await client.get("/api/v1/sync/terminals", headers=bearer(key),
                             params={"updated_since": (now + timedelta(days=1)).isoformat()})  # fmt: skip
    assert later.json() == {"data": [], "next_cursor": None}
    bad = await client.get("/api/v1/sync/terminals", params={"cursor": "nonsense"},
                           headers=bearer(key))  # fmt: skip
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


async def test_orders_read_back_as_they_were_sent(client: Client, key: str, now: datetime) -> None:
    await sync(client, key, "merchants", merchant(40))
    await sync(client, key, "products", *PRODUCTS)
    sent = order("DD-S-40", "M-40", now)
    await sync(client, key, "orders", sent)
    page = await client.get("/api/v1/sync/orders", headers=bearer(key))
    [read] = page.json()["data"]
    assert read["items"] == [{**line, "serial_numbers": line.get("serial_numbers", [])}
                             for line in sent["items"]]  # fmt: skip
    assert read["merchant_external_id"] == "M-40" and read["invoice_no"] == "0440001"
    products = await client.get("/api/v1/sync/products", headers=bearer(key))
    assert [p["sku"] for p in products.json()["data"]] == ["P8", "PAPER"]
    assert products.json()["data"][1]["name_en"] == "热敏打印纸"  # no English name: the Chinese


async def test_only_a_key_with_the_sync_scope_may_sync(client: Client, key: str) -> None:
    _id, partner = await factories.api_client()
    refused = await client.post("/api/v1/sync/merchants", json={"records": [merchant(50)]},
                                headers=bearer(partner))  # fmt: skip
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    read = await client.get("/api/v1/sync/merchants", headers=bearer(partner))
    assert read.status_code == 403
    returns = await client.get("/api/v1/returns", headers=bearer(key))
    assert returns.status_code == 403  # the order system files no returns
    assert await Merchant.count() == 0


async def test_a_batch_of_the_wrong_shape_or_size_changes_nothing(client: Client, key: str) -> None:
    too_many = [merchant(n) for n in range(1001)]
    answer = await client.post("/api/v1/sync/merchants", json={"records": too_many},
                               headers=bearer(key))  # fmt: skip
    assert answer.status_code == 400
    wrong = await client.post("/api/v1/sync/orders", headers=bearer(key, "en"),
                              json={"records": [{"order_no": "X", "paid_total_fen": "lots"}]})  # fmt: skip
    assert wrong.status_code == 400 and wrong.json()["errors"]
    assert await Merchant.count() == 0 and await Product.count() == 0


async def test_a_full_batch_of_orders_is_taken(client: Client, key: str, now: datetime) -> None:
    await sync(client, key, "merchants", merchant(60))
    await sync(client, key, "products", *PRODUCTS)
    batch = [order(f"DD-F-{n:04d}", "M-60", now, *({"line_no": line, "sku": "P8", "quantity": 1,
             "unit_price_fen": 128000, "serial_numbers": [f"F{n:04d}{line}"]} for line in (1, 2)))
             for n in range(1000)]  # fmt: skip
    said = await sync(client, key, "orders", *batch)  # about 450 KB: past a form's limit
    assert (said["added"], said["refused"]) == (1000, 0)
    assert await OrderItem.count() == 2000


async def test_text_no_database_keeps_is_refused_record_by_record(client: Client, key: str) -> None:
    said = await sync(client, key, "merchants", merchant(70, name="静安\x00店"), merchant(71))
    assert (said["added"], said["refused"]) == (1, 1)
    assert [(e["index"], e["field"], e["code"]) for e in said["errors"]] == [(0, "name", "invalid")]
