"""The partner API as a partner's system uses it: given a key, it finds the merchant's order,
files a return, adds a photo, submits, follows it and appeals a rejection — each step the same
rules as the portal's, attributed to the client; the staff screen shows the same request with
its channel and client."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from PIL import Image

from db.tables import Event, ReturnRequest
from domain.lifecycle import Action
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]


def photo() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (180, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def bearer(key: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **headers}


async def order_of(merchant_id: int, now: datetime, serial: str = "P8A0000001") -> tuple[str, int]:
    """An order the merchant may return: (its number, the terminal's order line)."""
    order_id, items = await factories.order(merchant_id, now, serials=(serial,))
    from db.tables import Order

    row = await Order.select(Order.order_no).where(Order.id == order_id).first()
    assert row is not None
    return str(row["order_no"]), items[0]


async def filed(
    client: Client, key: str, merchant_id: int, now: datetime, language: str = "zh-CN", **body: Any
) -> Any:
    order_no, line = await order_of(merchant_id, now, body.pop("serial", "P8A0000001"))
    return await client.post(
        "/api/v1/returns",
        json={"merchant_id": merchant_id, "order_no": order_no,
              "items": [{"order_item_id": line}], "reason": "quality_defect",
              "description": "屏幕不亮", "contact_phone": "13800138000", **body},
        headers=bearer(key, **{"Accept-Language": language}),
    )  # fmt: skip


async def test_a_partner_files_evidences_submits_and_follows_a_return(
    client: Client, now: datetime
) -> None:
    client_id, key = await factories.api_client()
    merchant_id = await factories.merchant()
    order_no, _line = await order_of(merchant_id, now)

    orders = await client.get(
        "/api/v1/orders", params={"merchant_id": merchant_id}, headers=bearer(key)
    )
    assert orders.status_code == 200
    assert [o["order_no"] for o in orders.json()["data"]] == [order_no]
    assert orders.json()["data"][0]["returnable"] is True

    made = await filed(client, key, merchant_id, now, serial="P8A0000002")
    assert made.status_code == 201, made.text
    draft = made.json()
    assert draft["state"] == "draft" and draft["channel"] == "partner" and draft["rma"] is None
    assert made.headers["location"] == f"/api/v1/returns/{draft['id']}"
    refused = await client.post(f"/api/v1/returns/{draft['id']}/submit", headers=bearer(key))
    assert refused.status_code == 422 and refused.json()["code"] == "evidence_required"

    uploaded = await client.post(
        f"/api/v1/returns/{draft['id']}/files",
        files=[("files", ("屏幕.jpg", photo(), "image/jpeg"))],
        headers=bearer(key),
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["files"][0]["attached"] is True
    submitted = await client.post(f"/api/v1/returns/{draft['id']}/submit", headers=bearer(key))
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] == "submitted" and submitted.json()["rma"]
    assert "cancel" in submitted.json()["next_step"]["actions"]

    read = await client.get(f"/api/v1/returns/{draft['id']}", headers=bearer(key))
    assert read.headers["etag"] == f'"{read.json()["version"]}"'
    file_url = read.json()["evidence"][0]["url"]
    image = await client.get(file_url, headers=bearer(key))
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    listed = await client.get("/api/v1/returns", headers=bearer(key))
    assert [r["id"] for r in listed.json()["data"]] == [draft["id"]]
    event = await Event.select(Event.actor_role, Event.actor_id, Event.actor_name).where(
        (Event.request == draft["id"]) & (Event.action == "submit")
    )
    assert event == [{"actor_role": "partner", "actor_id": f"partner:{client_id}",
                      "actor_name": "合作门店收银系统"}]  # fmt: skip

    staff_id = await factories.staff("wangfang", "reviewer")
    await factories.staff_session(client, staff_id)
    screen = await client.get(
        f"/staff/requests/{submitted.json()['rma']}", headers={"Accept-Language": "en"}
    )
    assert "Partner shop or API" in screen.text
    assert "<dt>API client</dt><dd>合作门店收银系统</dd>" in screen.text


async def test_a_partner_appeals_a_rejection_with_a_new_photo(
    client: Client, now: datetime
) -> None:
    _client_id, key = await factories.api_client()
    merchant_id = await factories.merchant()
    draft = (await filed(client, key, merchant_id, now)).json()
    await client.post(f"/api/v1/returns/{draft['id']}/files",
                      files=[("files", ("a.jpg", photo(), "image/jpeg"))], headers=bearer(key))  # fmt: skip
    await client.post(f"/api/v1/returns/{draft['id']}/submit", headers=bearer(key))
    await factories.staff_decides(
        draft["id"], Action.REJECT, now, reason_code="other", message="磨损"
    )

    staged = await client.post(f"/api/v1/returns/{draft['id']}/files",
                               files=[("files", ("b.jpg", photo(), "image/jpeg"))], headers=bearer(key))  # fmt: skip
    assert staged.json()["files"][0]["attached"] is False
    file_id = staged.json()["files"][0]["id"]
    appealed = await client.post(
        f"/api/v1/returns/{draft['id']}/appeal",
        json={"message": "到货即坏，附开箱照片", "files": [file_id]},
        headers=bearer(key),
    )
    assert appealed.status_code == 200, appealed.text
    body = appealed.json()
    assert body["state"] == "appealed"
    assert body["timeline"][0]["action"] == "appeal" and body["timeline"][0]["files"]
    again = await client.post(f"/api/v1/returns/{draft['id']}/appeal",
                              json={"message": "again"}, headers=bearer(key))  # fmt: skip
    assert again.status_code == 422 and again.json()["code"] == "wrong_state"


@pytest.mark.parametrize("language", ["zh-CN", "en"])
async def test_bad_input_is_a_problem_in_the_callers_language_and_changes_nothing(
    client: Client, now: datetime, language: str
) -> None:
    _client_id, key = await factories.api_client()
    merchant_id = await factories.merchant()
    before = await ReturnRequest.count()

    shapeless = await client.post("/api/v1/returns", json={"merchant_id": "x"},
                                  headers=bearer(key, **{"Accept-Language": language}))  # fmt: skip
    assert shapeless.status_code == 400
    assert shapeless.headers["content-type"].startswith("application/problem+json")
    problem = shapeless.json()
    assert problem["status"] == 400 and problem["code"] == "invalid_body" and problem["errors"]
    assert problem["type"].endswith("/invalid_body")
    unknown_line = await filed(
        client, key, merchant_id, now, language, items=[{"order_item_id": 999999}]
    )
    assert unknown_line.status_code == 422
    fields = {e["field"]: e["message"] for e in unknown_line.json()["errors"]}
    assert "items[0].order_item_id" in fields
    words = "This is not a line of the order." if language == "en" else "这不是该订单中的商品。"
    assert fields["items[0].order_item_id"] == words
    assert await ReturnRequest.count() == before


async def test_a_change_on_a_stale_version_is_refused_with_412(
    client: Client, now: datetime
) -> None:
    _client_id, key = await factories.api_client()
    merchant_id = await factories.merchant()
    draft = (await filed(client, key, merchant_id, now)).json()
    read = await client.get(f"/api/v1/returns/{draft['id']}", headers=bearer(key))
    await client.post(f"/api/v1/returns/{draft['id']}/files",  # the version moves
                      files=[("files", ("a.jpg", photo(), "image/jpeg"))], headers=bearer(key))  # fmt: skip

    stale = await client.post(f"/api/v1/returns/{draft['id']}/submit",
                              headers=bearer(key, **{"If-Match": read.headers["etag"]}))  # fmt: skip

    assert stale.status_code == 412 and stale.json()["code"] == "changed_meanwhile"
    fresh = await client.get(f"/api/v1/returns/{draft['id']}", headers=bearer(key))
    assert fresh.json()["state"] == "draft"
    unchanged = await client.get(f"/api/v1/returns/{draft['id']}",
                                 headers=bearer(key, **{"If-None-Match": fresh.headers["etag"]}))  # fmt: skip
    assert unchanged.status_code == 304
    done = await client.post(f"/api/v1/returns/{draft['id']}/submit",
                             headers=bearer(key, **{"If-Match": fresh.headers["etag"]}))  # fmt: skip
    assert done.status_code == 200 and done.json()["state"] == "submitted"
