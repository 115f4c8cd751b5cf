"""Who may use the partner API, how often, and with what guarantees: a key names one active
client; a client sees only what it filed (requests, files, documents); each operation needs its
scope; limits per client; a retried POST with its Idempotency-Key does its work once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from db.api_idempotency import claim_key
from db.partners import revoke_client, rotate_key
from db.tables import ReturnRequest
from tests.integration import factories
from tests.integration.test_api_returns import bearer, filed, photo

Client = AsyncTestClient  # type: ignore[type-arg]


async def test_no_key_a_wrong_key_and_a_revoked_key_are_401(client: Client, now: datetime) -> None:
    client_id, key = await factories.api_client()
    for headers in ({}, bearer("rdk_test_" + "a" * 16 + "_" + "b" * 43), bearer(key[:-1] + "x"),
                    {"Authorization": f"Basic {key}"}):  # fmt: skip
        answer = await client.get("/api/v1/returns", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.json()["code"] == "unauthenticated"
        assert answer.headers["www-authenticate"].startswith("Bearer")
    assert (await client.get("/api/v1/returns", headers=bearer(key))).status_code == 200
    await revoke_client(client_id, now)
    assert (await client.get("/api/v1/returns", headers=bearer(key))).status_code == 401


async def test_a_rotated_key_works_for_its_overlap_only(client: Client, now: datetime) -> None:
    client_id, old = await factories.api_client()
    new = await rotate_key(client_id, timedelta(hours=1), now, test_key=True)
    assert new is not None
    for key in (old, new):
        assert (await client.get("/api/v1/returns", headers=bearer(key))).status_code == 200
    newest = await rotate_key(client_id, timedelta(0), datetime.now(UTC), test_key=True)
    assert newest is not None
    assert (await client.get("/api/v1/returns", headers=bearer(new))).status_code == 401
    assert (await client.get("/api/v1/returns", headers=bearer(old))).status_code == 401
    assert (await client.get("/api/v1/returns", headers=bearer(newest))).status_code == 200


async def test_one_client_cannot_see_or_touch_anothers_requests(
    client: Client, now: datetime
) -> None:
    _a, key_a = await factories.api_client(name="A")
    _b, key_b = await factories.api_client(name="B")
    merchant_id = await factories.merchant()
    draft = (await filed(client, key_a, merchant_id, now)).json()
    uploaded = await client.post(f"/api/v1/returns/{draft['id']}/files",
                                 files=[("files", ("a.jpg", photo(), "image/jpeg"))], headers=bearer(key_a))  # fmt: skip
    file_id = uploaded.json()["files"][0]["id"]
    base = f"/api/v1/returns/{draft['id']}"

    for method, path in (("GET", base), ("GET", f"{base}/files/{file_id}"),
                         ("GET", f"{base}/documents/authorization"), ("GET", f"{base}/messages"),
                         ("GET", f"{base}/events"), ("POST", f"{base}/submit"),
                         ("POST", f"{base}/cancel")):  # fmt: skip
        answer = await client.request(method, path, headers=bearer(key_b))
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/api/v1/returns", headers=bearer(key_b))).json()["data"] == []
    row = await ReturnRequest.select(ReturnRequest.state).where(ReturnRequest.id == draft["id"])
    assert row == [{"state": "draft"}]


async def test_each_operation_needs_its_scope(client: Client, now: datetime) -> None:
    _id, reader = await factories.api_client(scopes=("returns:read",))
    merchant_id = await factories.merchant()
    refused = await filed(client, reader, merchant_id, now)
    assert refused.status_code == 403 and refused.json()["code"] == "scope_missing"
    assert "returns:write" in refused.json()["detail"]
    assert await ReturnRequest.count() == 0
    assert (await client.get("/api/v1/returns", headers=bearer(reader))).status_code == 200
    _id, syncer = await factories.api_client(scopes=("sync",))
    assert (await client.get("/api/v1/returns", headers=bearer(syncer))).status_code == 403


def test_every_api_operation_names_its_scope(client: Client) -> None:
    from domain.partners import Scope

    for route in client.app.routes:
        if route.path.startswith("/api/v1/") and route.path not in ("/api/v1/openapi.json",
                                                                    "/api/v1/reference"):  # fmt: skip
            for handler in getattr(route, "route_handlers", ()):
                ours = handler.fn.__module__.startswith("web.api.")  # not the OpenAPI document's
                if ours and handler.http_methods & {"GET", "POST", "PUT", "DELETE"}:
                    assert isinstance(handler.opt.get("scope"), Scope), route.path


async def test_past_its_rate_limit_a_client_waits_and_others_do_not(client: Client) -> None:
    _id, busy = await factories.api_client(rate_limit=3)
    _id, calm = await factories.api_client(rate_limit=3)
    answers = [await client.get("/api/v1/returns", headers=bearer(busy)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["ratelimit-policy"] == '"default";q=3;w=60'
    assert answers[2].headers["ratelimit"].startswith('"default";r=0;')
    assert 1 <= int(answers[3].headers["retry-after"]) <= 60
    assert answers[3].json()["code"] == "rate_limited"
    assert (await client.get("/api/v1/returns", headers=bearer(calm))).status_code == 200


async def test_a_retried_post_with_its_key_does_its_work_once(
    client: Client, now: datetime
) -> None:
    _id, key = await factories.api_client()
    merchant_id = await factories.merchant()
    first = await filed(client, key, merchant_id, now, **{})
    assert first.status_code == 201
    draft_id = first.json()["id"]
    body = {"message": "no longer needed"}
    again: list[Any] = []
    for _ in range(2):
        again.append(await client.post(f"/api/v1/returns/{draft_id}/cancel", json=body,
                                       headers=bearer(key, **{"Idempotency-Key": "cancel-1"})))  # fmt: skip
    assert [a.status_code for a in again] == [200, 200]
    assert again[0].json() == again[1].json()
    assert again[1].headers["idempotent-replayed"] == "true"
    other = await client.post(f"/api/v1/returns/{draft_id}/cancel", json={"message": "x"},
                              headers=bearer(key, **{"Idempotency-Key": "cancel-1"}))  # fmt: skip
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


async def test_a_create_retried_with_its_key_makes_one_request(
    client: Client, now: datetime
) -> None:
    client_id, key = await factories.api_client()
    merchant_id = await factories.merchant()
    from tests.integration.test_api_returns import order_of

    order_no, line = await order_of(merchant_id, now)
    body = {"merchant_id": merchant_id, "order_no": order_no, "items": [{"order_item_id": line}],
            "reason": "change_of_mind"}  # fmt: skip
    made = [await client.post("/api/v1/returns", json=body,
                              headers=bearer(key, **{"Idempotency-Key": '"create-7"'}))
            for _ in range(3)]  # fmt: skip
    assert [m.status_code for m in made] == [201, 201, 201]
    assert len({m.json()["id"] for m in made}) == 1
    assert await ReturnRequest.count() == 1
    # while a first request with a key is still being answered, a second one waits its turn
    await claim_key(client_id, "create-8", "whatever", datetime.now(UTC))
    busy = await client.post("/api/v1/returns", json=body,
                             headers=bearer(key, **{"Idempotency-Key": "create-8"}))  # fmt: skip
    assert busy.status_code == 409 and busy.json()["code"] == "idempotency_key_in_use"
    assert await ReturnRequest.count() == 1


async def test_a_refused_body_leaves_its_key_free(client: Client, now: datetime) -> None:
    _id, key = await factories.api_client()
    headers = bearer(key, **{"Idempotency-Key": "k-1"})
    bad = await client.post("/api/v1/returns", json={"merchant_id": 1}, headers=headers)
    assert bad.status_code == 400
    merchant_id = await factories.merchant()
    good = await filed(client, key, merchant_id, now)
    assert good.status_code == 201


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/reference"])
async def test_the_reference_is_public_and_describes_every_operation(
    client: Client, path: str
) -> None:
    answer = await client.get(path)
    assert answer.status_code == 200
    if path.endswith(".json"):
        schema = answer.json()
        assert schema["openapi"].startswith("3.1")
        assert "/api/v1/returns/{request_id}/appeal" in schema["paths"]
        assert not [p for p in schema["paths"] if not p.startswith("/api/v1/")]
        appeal = schema["paths"]["/api/v1/returns/{request_id}/appeal"]["post"]
        assert {"409", "412", "422"} <= set(appeal["responses"])
    else:
        assert "/static/vendor/redoc-2.5.4.standalone.js" in answer.text
        assert "'unsafe-inline'" in answer.headers["content-security-policy"]
        assert "cdn" not in answer.text.lower()


async def test_keys_are_kept_a_day_then_forgotten(now: datetime) -> None:
    from db.api_idempotency import Claim, Replay, keep_answer, purge_expired

    client_id, _key = await factories.api_client()
    assert await claim_key(client_id, "k", "f", now) is Claim.FIRST
    await keep_answer(client_id, "k", 201, '{"headers": {}, "body": "{}"}')
    assert isinstance(await claim_key(client_id, "k", "f", now + timedelta(hours=23)), Replay)
    assert await purge_expired(now + timedelta(hours=23)) == 0
    assert await purge_expired(now + timedelta(hours=25)) == 1
    assert await claim_key(client_id, "k", "other", now + timedelta(hours=25)) is Claim.FIRST


async def test_an_address_that_keeps_guessing_keys_waits(client: Client) -> None:
    _id, key = await factories.api_client()
    wrong = bearer("rdk_test_" + "a" * 16 + "_" + "b" * 43)
    answers = [await client.get("/api/v1/returns", headers=wrong) for _ in range(31)]
    assert [a.status_code for a in answers] == [401] * 30 + [429]
    assert int(answers[-1].headers["retry-after"]) > 0
    # the address waits, even with a good key: what it sent before was a guess
    assert (await client.get("/api/v1/returns", headers=bearer(key))).status_code == 429
