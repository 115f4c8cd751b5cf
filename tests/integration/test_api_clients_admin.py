"""Supervisors manage API clients at /staff/api-clients: a key shown once and kept as a hash,
rotated with the overlap chosen, revoked for good; bad values refused by field with nothing made;
every change in the audit log; nobody else may. Webhook subscriptions with a secret shown once,
and their delivery log. `make dev` makes a demo client once, in development only."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from db.partners import client_for_key
from db.tables import PartnerClient, StaffAuditEntry
from domain.partners import parse_key
from settings import Settings
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]
KEY = re.compile(r"rdk_(?:live|test)_[a-z2-7]{16}_[A-Za-z0-9_-]{43}")


@pytest.fixture(autouse=True)
def _as_answered(client: Client) -> None:
    client.follow_redirects = False
    client.headers["Accept-Language"] = "en"


async def _supervisor(client: Client) -> int:
    staff_id = await factories.staff("zhao", "supervisor")
    await factories.staff_session(client, staff_id)
    return staff_id


async def _add(client: Client, **fields: Any) -> Any:
    token = factories.token_in((await client.get("/staff/api-clients/new")).text)
    data = {"name": "门店收银系统", "channel": "partner", "outlet": "", "rate_limit": "120",
            "scopes": ["returns:read", "returns:write"], "_csrf_token": token, **fields}  # fmt: skip
    return await client.post("/staff/api-clients", data=data)


async def _key_on(client: Client, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    found = KEY.findall(page.text)
    assert len(found) == 1, page.text[-2000:]
    assert "it will not be shown again" in page.text
    return str(found[0])


async def _found(key: str, at: datetime) -> Any:
    parts = parse_key(key, test_keys=True)
    assert parts is not None
    return await client_for_key(*parts, at)


async def _post(client: Client, path: str, **data: Any) -> Any:
    token = await factories.csrf_token(client, "/staff/api-clients")
    return await client.post(path, data={**data, "_csrf_token": token})


async def test_a_supervisor_adds_a_client_and_sees_its_key_once(client: Client) -> None:
    await _supervisor(client)
    made = await _add(client)
    assert made.status_code == 303
    page = made.headers["location"]
    assert re.fullmatch(r"/staff/api-clients/\d+", page)  # the key is in no URL
    key = await _key_on(client, page)
    again = await client.get(page)
    assert again.status_code == 200 and not KEY.search(again.text)
    row = (await PartnerClient.select())[0]
    secret = key.split("_", 3)[3]
    assert key not in str(row) and secret not in str(row) and row["key_hash"] != secret
    found = await _found(key, datetime.now(UTC))
    assert found is not None and found.scopes == ("returns:read", "returns:write")
    assert (found.channel, found.rate_limit) == ("partner", 120)
    redis = Redis.from_url(client.app.state.settings.effective_redis_url())
    assert await redis.keys("shown-once:*") == []  # nothing of it kept once shown
    await redis.aclose()
    listed = await client.get("/staff/api-clients")
    assert "门店收银系统" in listed.text and "Partner shop or API" in listed.text
    assert (
        "Read return requests" in listed.text and "File and follow return requests" in listed.text
    )
    assert f"rdk_test_{row['key_id']}_…" in listed.text and "120 a minute" in listed.text
    assert secret not in listed.text


async def test_a_rotated_key_works_through_its_overlap_and_not_after(client: Client) -> None:
    await _supervisor(client)
    page = (await _add(client)).headers["location"]
    first = await _key_on(client, page)
    assert (await _post(client, f"{page}/rotate", overlap="24")).status_code == 303
    second = await _key_on(client, page)
    now = datetime.now(UTC)
    assert second != first and await _found(second, now) is not None
    assert await _found(first, now + timedelta(hours=23)) is not None
    assert await _found(first, now + timedelta(hours=24, seconds=1)) is None
    assert "Old key" in (await client.get(page)).text
    refused = await _post(client, f"{page}/rotate", overlap="5")
    assert refused.status_code == 422 and "Choose one of the overlaps listed." in refused.text
    assert await _found(second, datetime.now(UTC)) is not None  # nothing rotated
    assert (await _post(client, f"{page}/rotate", overlap="0")).status_code == 303  # a leak
    third = await _key_on(client, page)
    assert await _found(second, datetime.now(UTC)) is None
    assert await _found(third, datetime.now(UTC)) is not None


async def test_a_revoked_client_has_no_key_that_works(client: Client) -> None:
    await _supervisor(client)
    page = (await _add(client)).headers["location"]
    key = await _key_on(client, page)
    await _post(client, f"{page}/rotate", overlap="168")
    rotated = await _key_on(client, page)
    asked = await client.get(f"{page}/revoke")
    assert asked.status_code == 200 and "stops working at once and for good" in asked.text
    assert (await _post(client, f"{page}/revoke")).status_code == 303
    now = datetime.now(UTC)
    assert await _found(key, now) is None and await _found(rotated, now) is None
    shown = await client.get(page)
    assert "Revoked" in shown.text and "Rotate the key" not in shown.text
    assert (await _post(client, f"{page}/rotate", overlap="24")).status_code == 303
    assert not KEY.search((await client.get(page)).text)  # a revoked client gets no new key


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"name": "  "}, "Give the client a name"),
        ({"name": "x" * 101}, "Give the client a name"),
        ({"channel": "bogus"}, "Choose the partner channel or the WeChat channel."),
        ({"channel": "web"}, "Choose the partner channel or the WeChat channel."),
        ({"outlet": "999999"}, "Choose one of the outlets listed, or none."),
        ({"outlet": "abc"}, "Choose one of the outlets listed, or none."),
        ({"outlet": "99999999999999999999"}, "Choose one of the outlets listed, or none."),
        ({"scopes": []}, "Choose at least one of the scopes listed"),
        ({"scopes": ["returns:read", "admin"]}, "Choose at least one of the scopes listed"),
        ({"rate_limit": "0"}, "A rate limit is a whole number"),
        ({"rate_limit": "6001"}, "A rate limit is a whole number"),
        ({"rate_limit": "1e3"}, "A rate limit is a whole number"),
    ],
)
async def test_bad_values_are_refused_by_their_field_and_nothing_is_made(
    client: Client, fields: dict[str, Any], words: str
) -> None:
    await _supervisor(client)
    refused = await _add(client, **fields)
    assert refused.status_code == 422 and words in refused.text
    assert 'aria-invalid="true"' in refused.text
    if "name" not in fields:
        assert 'value="门店收银系统"' in refused.text  # what was typed is kept
    assert await PartnerClient.count() == 0 and await StaffAuditEntry.count() == 0


async def test_a_change_keeps_the_channel_and_a_bad_one_changes_nothing(client: Client) -> None:
    await _supervisor(client)
    page = (await _add(client)).headers["location"]
    shop = await factories.outlet("PS01")
    changed = await _post(client, page, name="新名称", channel="wechat", outlet=str(shop),
                          scopes=["sync"], rate_limit="60")  # fmt: skip
    assert changed.status_code == 303
    row = (await PartnerClient.select())[0]
    assert (row["name"], row["channel"], row["outlet"], row["rate_limit"]) == (
        "新名称", "partner", shop, 60)  # fmt: skip
    refused = await _post(client, page, name="", outlet="1234567", scopes=["x"], rate_limit="")
    assert refused.status_code == 422 and 'value="1234567"' not in refused.text
    for words in ("Give the client a name", "Choose one of the outlets", "Choose at least one",
                  "A rate limit is"):  # fmt: skip
        assert words in refused.text
    assert (await PartnerClient.select())[0] == row
    assert (await client.get("/staff/api-clients/99999999999999999999")).status_code == 404
    assert (await client.get("/staff/api-clients/abc/edit")).status_code == 404


async def test_only_supervisors_manage_api_clients(client: Client) -> None:
    await _supervisor(client)
    page = (await _add(client)).headers["location"]
    nav = (await client.get("/staff/queue")).text
    assert 'href="/staff/api-clients"' in nav
    for role in ("reviewer", "inspector", "finance", "counter"):
        await factories.staff_session(client, await factories.staff(role, role))
        assert 'href="/staff/api-clients"' not in (await client.get("/staff/queue")).text
        token = await factories.csrf_token(client, "/staff/queue")
        for path in ("/staff/api-clients", "/staff/api-clients/new", page):
            assert (await client.get(path)).status_code == 403, (role, path)
        for path in ("/staff/api-clients", f"{page}/rotate", f"{page}/revoke"):
            made = await client.post(path, data={"_csrf_token": token, "name": "x",
                                                 "channel": "partner", "scopes": ["sync"],
                                                 "rate_limit": "5", "overlap": "0"})  # fmt: skip
            assert made.status_code == 403, (role, path)
    rows = await PartnerClient.select(PartnerClient.active)
    assert len(rows) == 1 and rows[0]["active"]


async def test_each_change_is_in_the_audit_log_and_no_key_is(client: Client) -> None:
    await _supervisor(client)
    page = (await _add(client)).headers["location"]
    key = await _key_on(client, page)
    await _post(client, page, name="收银系统二", scopes=["returns:read"], rate_limit="30")
    await _post(client, f"{page}/rotate", overlap="1")
    rotated = await _key_on(client, page)
    await _post(client, f"{page}/revoke")
    log = (await client.get("/staff/audit")).text
    for words in ("Added an API client", "Changed an API client", "Rotated an API client",
                  "Revoked an API client", "收银系统二"):  # fmt: skip
        assert words in log, words
    actions = [row["action"] for row in await StaffAuditEntry.select().order_by(StaffAuditEntry.id)]
    assert actions == ["create_api_client", "edit_api_client", "rotate_api_key",
                       "revoke_api_client"]  # fmt: skip
    stored = str(await StaffAuditEntry.select())
    for secret in (key, rotated):
        assert secret.split("_", 3)[3] not in stored and secret.split("_", 3)[3] not in log


async def test_the_demo_client_is_made_once_in_development_only(
    settings: Settings, tmp_path: Path
) -> None:
    from dev import demo_api_key

    production = dataclasses.replace(settings, debug=False, data_dir=tmp_path)
    assert await demo_api_key(production) is None and await PartnerClient.count() == 0
    development = dataclasses.replace(settings, debug=True, data_dir=tmp_path)
    key = await demo_api_key(development)
    assert key is not None and key.startswith("rdk_test_")
    assert await demo_api_key(development) == key  # the same key on every run
    assert (tmp_path / "demo_api_key").stat().st_mode & 0o777 == 0o600
    found = await _found(key, datetime.now(UTC))
    assert found is not None and found.scopes == ("returns:read", "returns:write")
    (tmp_path / "demo_api_key").unlink()  # a lost file: a new key for the same client
    renewed = await demo_api_key(development)
    assert renewed != key and await _found(key, datetime.now(UTC)) is None
    assert await _found(renewed or "", datetime.now(UTC)) is not None
    assert await PartnerClient.count() == 1


# --- webhook subscriptions and their delivery log ---------------------------------------------

SECRET = re.compile(r"whsec_[A-Za-z0-9+/]{43}=")
HOOK = "https://hooks.example.com/returndesk"


async def _client_page(client: Client) -> str:
    page = str((await _add(client)).headers["location"])
    await _key_on(client, page)  # the key, taken once
    return page


async def _subscribe(client: Client, page: str, **fields: Any) -> Any:
    token = factories.token_in((await client.get(f"{page}/subscriptions/new")).text)
    data = {"url": HOOK, "events": ["return.approved", "return.rejected"],
            "_csrf_token": token, **fields}  # fmt: skip
    return await client.post(f"{page}/subscriptions", data=data)


async def _secret_on(client: Client, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    found = SECRET.findall(page.text)
    assert len(found) == 1 and "it will not be shown again" in page.text
    return str(found[0])


def _ids(path: str) -> tuple[int, int]:
    numbers = re.findall(r"\d+", path)
    return int(numbers[0]), int(numbers[1])


async def test_a_subscription_shows_its_secret_once_and_is_managed_on_the_clients_page(
    client: Client,
) -> None:
    from db.tables import WebhookSubscription
    from db.webhook_subscriptions import signing_secrets

    await _supervisor(client)
    page = await _client_page(client)
    made = await _subscribe(client, page)
    assert made.status_code == 303
    sub = made.headers["location"]
    secret = await _secret_on(client, sub)
    assert not SECRET.search((await client.get(sub)).text)  # once
    row = (await WebhookSubscription.select())[0]
    assert secret not in str(row) and row["active"]
    key = client.app.state.settings.secret_key
    assert await signing_secrets(row["id"], key, datetime.now(UTC)) == [secret]
    listed = (await client.get(page)).text
    assert HOOK in listed and "return.approved, return.rejected" in listed

    assert (await _post(client, f"{sub}/rotate", overlap="24")).status_code == 303
    second = await _secret_on(client, sub)
    assert await signing_secrets(row["id"], key, datetime.now(UTC)) == [second, secret]
    await _post(client, f"{sub}/rotate", overlap="0")  # after a leak: the old one stops
    third = await _secret_on(client, sub)
    assert await signing_secrets(row["id"], key, datetime.now(UTC)) == [third]

    await _post(client, f"{sub}/active")
    assert "Paused" in (await client.get(sub)).text
    assert not (await WebhookSubscription.select())[0]["active"]
    await _post(client, f"{sub}/active")
    await _post(client, sub, url="https://new.example.com/h")  # no events ticked: every one
    changed = (await WebhookSubscription.select())[0]
    assert (changed["url"], changed["active"]) == ("https://new.example.com/h", True)
    assert "Every event" in (await client.get(sub)).text
    asked = await client.get(f"{sub}/remove")
    assert asked.status_code == 200 and "If you remove it, nothing more is sent" in asked.text
    removed = await _post(client, f"{sub}/remove")
    assert removed.status_code == 303 and removed.headers["location"] == page
    assert await WebhookSubscription.count() == 0
    log = (await client.get("/staff/audit")).text
    for words in ("Added a webhook subscription", "Rotated a webhook signing secret",
                  "Paused a webhook subscription", "Resumed a webhook subscription",
                  "Changed a webhook subscription", "Removed a webhook subscription"):  # fmt: skip
        assert words in log, words
    assert secret not in log and third not in log


@pytest.mark.parametrize(
    "fields",
    [
        {"url": "ftp://hooks.example.com/h"},
        {"url": "https://user:password@hooks.example.com/h"},
        {"url": "hooks.example.com/h"},
        {"url": ""},
        {"url": "https://hooks.example.com:0/h"},
        {"url": "https://" + "a" * 600 + ".example.com/"},
        {"events": ["return.approved", "return.bogus"]},
    ],
)
async def test_a_bad_address_or_event_type_is_refused_by_its_field(
    client: Client, fields: dict[str, Any]
) -> None:
    from db.tables import WebhookSubscription

    await _supervisor(client)
    page = await _client_page(client)
    refused = await _subscribe(client, page, **fields)
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text
    words = "Choose event types" if "events" in fields else "A webhook address is an https://"
    assert words in refused.text
    assert not SECRET.search(refused.text) and await WebhookSubscription.count() == 0


async def test_plain_http_and_private_addresses_are_refused_outside_development(
    client: Client, settings: Settings
) -> None:
    from db.tables import WebhookSubscription
    from web.app import create_app

    await _supervisor(client)
    page = await _client_page(client)
    assert (await _subscribe(client, page, url="http://127.0.0.1:9000/h")).status_code == 303
    app = create_app(dataclasses.replace(settings, debug=False, webhook_allow_http=False))
    async with AsyncTestClient(app=app, base_url="https://returns.example.com") as production:
        production.follow_redirects = False
        production.headers["Accept-Language"] = "en"
        staff = await factories.staff("sun", "supervisor")
        production.cookies.set("__Host-rd_session", await factories.staff_token(staff))
        for url in ("http://hooks.example.com/h", "https://127.0.0.1/h", "https://10.0.0.8/h",
                    "https://169.254.169.254/latest"):  # fmt: skip
            refused = await _subscribe(production, page, url=url)
            assert refused.status_code == 422, url
        assert (await _subscribe(production, page)).status_code == 303
    assert await WebhookSubscription.count() == 2


async def _history(client_id: int, subscription_id: int, now: datetime) -> dict[str, int]:
    """A request of the client's with events: one that gave up after two tries, one delivered,
    one of a kind the subscription does not want, one made while it was paused."""
    from db.tables import PartnerEvent, WebhookAttempt, WebhookDelivery

    merchant = await factories.merchant()
    request_id, _ = await factories.submitted(merchant, now)
    made: dict[str, int] = {}
    for name, kind, ago in (("evt_gaveup", "return.approved", 120), ("evt_took", "return.rejected", 20),
                            ("evt_unwanted", "message.created", 10), ("evt_paused", "return.rejected", 5)):  # fmt: skip
        rows = await PartnerEvent.insert(PartnerEvent(
            event_id=name, request=request_id, client=client_id, type=kind, data={},
            occurred_at=now - timedelta(minutes=ago))).returning(PartnerEvent.id)  # fmt: skip
        made[name] = int(rows[0]["id"])
    for name, status, tries in (("evt_gaveup", "dead", [(500, "upstream boom", 120), (0, "connection refused", 10000)]),
                                ("evt_took", "delivered", [(200, "ok", 35)])):  # fmt: skip
        rows = await WebhookDelivery.insert(WebhookDelivery(
            event=made[name], subscription=subscription_id, request_id=request_id, status=status,
            attempts=len(tries), created_at=now - timedelta(minutes=120))).returning(WebhookDelivery.id)  # fmt: skip
        made[f"delivery:{name}"] = int(rows[0]["id"])
        for n, (code, answer, took) in enumerate(tries, start=1):
            await WebhookAttempt.insert(WebhookAttempt(
                delivery=rows[0]["id"], attempt=n, status_code=code, answer=answer,
                duration_ms=took, at=now - timedelta(minutes=100 - n)))  # fmt: skip
    return made


async def _waiting_deliveries() -> dict[int, int]:
    """Delivery → its event, for every webhook delivery the outbox has waiting."""
    from db.tables import OutboxRow, WebhookDelivery

    rows = await OutboxRow.select(OutboxRow.payload).where(
        (OutboxRow.job == "deliver_webhook") & OutboxRow.done_at.is_null()
        & OutboxRow.dead_at.is_null()).output(load_json=True)  # fmt: skip
    found = {}
    for row in rows:
        if "delivery_id" not in row["payload"]:
            continue  # the rows a change writes before the engine makes deliveries of them
        delivery = await WebhookDelivery.select(WebhookDelivery.event).where(
            WebhookDelivery.id == row["payload"]["delivery_id"]).first()  # fmt: skip
        found[int(row["payload"]["delivery_id"])] = int(delivery["event"])
    return found


async def test_the_delivery_log_shows_each_attempt_and_sends_events_again(
    client: Client,
) -> None:
    from web.i18n import local_time

    await _supervisor(client)
    page = await _client_page(client)
    sub = (await _subscribe(client, page)).headers["location"]
    await _secret_on(client, sub)
    now = datetime.now(UTC)
    made = await _history(*_ids(sub), now)
    log = (await client.get(sub)).text
    for words in ("return.approved", "evt_gaveup", "500", "upstream boom", "120 ms",
                  "No answer", "connection refused", "Gave up", "Delivered", "35 ms"):  # fmt: skip
        assert words in log, words
    assert "evt_unwanted" not in log and await _waiting_deliveries() == {}

    one = await _post(client, f"{sub}/deliveries/{made['delivery:evt_gaveup']}/redeliver")
    assert one.status_code == 303 and one.headers["location"] == f"{sub}?sent=1"
    again = (await client.get(one.headers["location"])).text
    assert "1 event is on its way again." in again and "On its way" in again
    assert list((await _waiting_deliveries()).values()) == [made["evt_gaveup"]]

    since = local_time(now - timedelta(minutes=30))
    since_fields = {"since_day": since.date().isoformat(), "since_time": since.strftime("%H:%M")}
    sent = await _post(client, f"{sub}/redeliver", **since_fields)
    assert sent.headers["location"] == f"{sub}?sent=2"  # delivered and missed; not the unwanted
    events = sorted((await _waiting_deliveries()).values())
    assert events == sorted([made["evt_gaveup"], made["evt_took"], made["evt_paused"]])
    assert "Sent webhook events again" in (await client.get("/staff/audit")).text

    refused = await _post(client, f"{sub}/redeliver", since_day="2026-02-30", since_time="09:00")
    assert refused.status_code == 422 and "Give a day and a time" in refused.text
    await _post(client, f"{sub}/active")  # paused: nothing is sent again
    paused = await _post(client, f"{sub}/deliveries/{made['delivery:evt_took']}/redeliver")
    assert paused.headers["location"] == f"{sub}?sent=paused"
    assert len(await _waiting_deliveries()) == 3
    other = await _client_page(client)  # another client's subscription is not under this one
    assert (await client.get(f"{other}/subscriptions/{_ids(sub)[1]}")).status_code == 404
    await _post(client, f"{sub}/active")
    assert (await _post(client, f"{sub}/deliveries/99999/redeliver")).status_code == 404


async def test_control_characters_are_refused_by_their_field(client: Client) -> None:
    from db.tables import WebhookSubscription

    await _supervisor(client)
    refused = await _add(client, name="收银\x00系统")
    assert refused.status_code == 422 and "Give the client a name" in refused.text
    page = await _client_page(client)
    for url in (
        "https://hooks.example.com/\x00",
        "https://hooks.example.com/a b",
        "https://hooks.example.com/\u202e",
    ):
        answer = await _subscribe(client, page, url=url)
        assert answer.status_code == 422 and "A webhook address is an https://" in answer.text, url
    assert await PartnerClient.count() == 1 and await WebhookSubscription.count() == 0
