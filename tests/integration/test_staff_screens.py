"""The staff queue and request screen: each role sees its own work, decides what domain/
allows it and nothing else, and two people deciding at once never both win."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from db.tables import ReturnRequest
from domain.lifecycle import Action
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]


@pytest.fixture(autouse=True)
def _redirects_as_answered(client: Client) -> None:
    client.follow_redirects = False  # the 303 and where it points are what is asserted


ROLES = ("reviewer", "inspector", "finance", "supervisor", "counter")


@pytest.fixture
def en(client: Client) -> Client:
    client.headers["Accept-Language"] = "en"
    return client


async def _state(request_id: int) -> str:
    rows = await ReturnRequest.select(ReturnRequest.state).where(ReturnRequest.id == request_id)
    return str(rows[0]["state"])


async def _as(client: Client, role: str, name: str | None = None, **fields: Any) -> int:
    staff_id = await factories.staff(name or role, role, **fields)
    await factories.staff_session(client, staff_id)
    return staff_id


async def _decide(client: Client, rma: str, action: str, **fields: Any) -> Any:
    screen = await client.get(f"/staff/requests/{rma}")
    version = re.search(r'name="version" value="(\d+)"', screen.text)
    data = {
        "action": action,
        "version": version.group(1) if version else fields.pop("version", "1"),
        "_csrf_token": factories.token_in(screen.text),
        # unless the test says otherwise, every item of a parcel arrived
        **{name: "received" for name in re.findall(r'name="(receipt-\d+)"', screen.text)},
        **fields,
    }
    return await client.post(f"/staff/requests/{rma}/decide", data=data)


async def test_signed_out_visitors_and_merchants_are_sent_to_staff_sign_in(
    client: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    _, rma = await factories.submitted(merchant_id, now)
    for path in ("/staff/queue", f"/staff/requests/{rma}", "/staff/files/1/original"):
        response = await client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/staff/login?next=")
    await factories.sign_in(client, merchant_id)  # a merchant's session is not a staff one
    assert (await client.get("/staff/queue")).status_code == 303


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_opens_its_queue_and_sees_only_its_states(
    en: Client, now: datetime, role: str
) -> None:
    merchant_id = await factories.merchant()
    _, submitted_rma = await factories.submitted(merchant_id, now)
    await _as(en, role)
    queue = await en.get("/staff/queue")
    assert queue.status_code == 200
    listed = submitted_rma in queue.text
    assert listed is (role in ("reviewer", "supervisor")), role


async def test_the_queue_puts_the_most_urgent_first_and_pages_by_keyset(
    en: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    made = [await factories.submitted(merchant_id, now - timedelta(hours=h)) for h in range(30)]
    await _as(en, "reviewer")
    first = await en.get("/staff/queue")
    shown = re.findall(r'href="/staff/requests/(RD[\w-]+)"', first.text)
    assert len(shown) == 25
    oldest_first = [rma for _, rma in reversed(made)]  # submitted longest ago: due soonest
    assert shown == oldest_first[:25]
    next_url = re.search(r'href="(/staff/queue\?after=[^"]+)"', first.text)
    assert next_url
    second = await en.get(next_url.group(1).replace("&amp;", "&"))
    assert re.findall(r'href="/staff/requests/(RD[\w-]+)"', second.text) == oldest_first[25:]
    assert 'Everything waiting <span class="count">30</span>' in first.text


async def test_search_finds_a_request_by_its_rma_order_sn_or_phone(
    en: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant(phone="13912345678")
    _, rma = await factories.submitted(merchant_id, now, serials=("P8ASEARCH01",))
    other = await factories.merchant(phone="13700001111")
    _, other_rma = await factories.submitted(other, now)
    await _as(en, "reviewer")
    for typed in (rma.lower(), "13912345678", "p8a-search01"):
        found = await en.get("/staff/queue", params={"q": typed})
        assert rma in found.text and other_rma not in found.text, typed


async def test_a_reviewer_approves_from_the_screen_and_the_merchant_is_told(
    en: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now)
    staff_id = await _as(en, "reviewer", "wangfang")
    screen = await en.get(f"/staff/requests/{rma}")
    assert 'value="approve"' in screen.text and 'value="reject"' in screen.text
    assert 'value="refund"' not in screen.text  # not this role's, not this state's
    response = await _decide(en, rma, "approve")
    assert response.status_code == 303
    assert await _state(request_id) == "approved"
    await factories.sign_in(en, merchant_id)
    page = await en.get(f"/returns/{rma}")
    assert f"Reviewer · staff no. {staff_id:04d}" in page.text  # by role and number
    assert "wangfang" not in page.text


async def test_a_rejection_needs_a_known_reason_and_keeps_what_was_typed(
    en: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now)
    await _as(en, "reviewer")
    refused = await _decide(en, rma, "reject", reason_code="made_up", message="Scratched case")
    assert refused.status_code == 422
    assert "Choose the reason for this decision." in refused.text
    assert "Scratched case" in refused.text
    assert await _state(request_id) == "submitted"
    done = await _decide(en, rma, "reject", reason_code="damage_by_use", message="Scratched case")
    assert done.status_code == 303 and await _state(request_id) == "rejected"


@pytest.mark.parametrize("role", ("inspector", "finance", "counter"))
async def test_a_role_that_may_not_approve_is_refused_and_nothing_changes(
    en: Client, now: datetime, role: str
) -> None:
    outlet_id = await factories.outlet("SH01")
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now)
    await ReturnRequest.update({ReturnRequest.outlet: outlet_id}).where(
        ReturnRequest.id == request_id
    )
    await _as(en, role, outlet_id=outlet_id if role == "counter" else None)
    response = await _decide(en, rma, "approve", version="2")
    assert response.status_code == 422
    assert await _state(request_id) == "submitted"


async def test_counter_staff_see_their_own_outlets_requests_only(en: Client, now: datetime) -> None:
    ours, theirs = await factories.outlet("SH01"), await factories.outlet("BJ01")
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now)
    await ReturnRequest.update({ReturnRequest.outlet: theirs}).where(ReturnRequest.id == request_id)
    await _as(en, "counter", outlet_id=ours)
    assert (await en.get(f"/staff/requests/{rma}")).status_code == 404
    assert (
        f'href="/staff/requests/{rma}"'
        not in (await en.get("/staff/queue", params={"q": rma})).text
    )
    assert (await en.post(f"/staff/requests/{rma}/decide", data={})).status_code in (403, 404)


async def test_a_decision_on_a_request_changed_meanwhile_is_refused_with_fresh_data(
    en: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now)
    await _as(en, "reviewer")
    screen = await en.get(f"/staff/requests/{rma}")
    token = factories.token_in(screen.text)
    await factories.staff_decides(request_id, Action.ASK_INFO, now, message="Photo of the SN?")
    stale = await en.post(
        f"/staff/requests/{rma}/decide",
        data={"action": "approve", "version": "2", "_csrf_token": token},
    )
    assert stale.status_code == 409
    assert "Someone else changed this request" in stale.text
    assert "Photo of the SN?" in stale.text  # the fresh data: what the other reviewer did
    assert await _state(request_id) == "needs_info"


async def test_two_reviewers_deciding_at_the_same_moment_one_wins(
    client: Client, now: datetime
) -> None:
    from web.cookies import SESSION

    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now)
    tokens = [await factories.staff_token(await factories.staff(n, "reviewer")) for n in ("a", "b")]
    forms = []
    for token, action, extra in (
        (tokens[0], "approve", {}),
        (tokens[1], "reject", {"reason_code": "other", "message": "No."}),
    ):
        client.cookies.set(SESSION, token, domain="127.0.0.1")
        screen = await client.get(f"/staff/requests/{rma}")
        forms.append((token, {"action": action, "version": "2",
                              "_csrf_token": factories.token_in(screen.text), **extra}))  # fmt: skip
    client.cookies.clear()
    results = await asyncio.gather(
        *(
            client.post(
                f"/staff/requests/{rma}/decide",
                data=data,
                headers={"Cookie": f"{SESSION}={token}"},
            )
            for token, data in forms
        )
    )
    assert sorted(r.status_code for r in results) == [303, 409]
    assert await _state(request_id) in ("approved", "rejected")


async def test_whoever_rejected_cannot_decide_the_appeal_but_another_supervisor_can(
    en: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now)
    first = await _as(en, "supervisor", "zhao")
    assert (await _decide(en, rma, "reject", reason_code="other", message="No.")).status_code == 303
    await factories.merchant_appeals(request_id, merchant_id, now, "It is broken, look again.")
    screen = await en.get(f"/staff/requests/{rma}")
    assert 'value="uphold"' not in screen.text and 'value="overturn"' not in screen.text
    refused = await _decide(en, rma, "overturn", message="Fine.", version="4")
    assert refused.status_code == 422 and await _state(request_id) == "appealed"
    assert first
    await _as(en, "supervisor", "sun")
    done = await _decide(en, rma, "overturn", message="The photos do show the fault.")
    assert done.status_code == 303 and await _state(request_id) == "approved"


async def test_receive_inspect_and_refund_each_by_its_role(en: Client, now: datetime) -> None:
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now, serials=("P8AFLOW0001",))
    await factories.staff_decides(request_id, Action.APPROVE, now)
    await _as(en, "inspector")
    assert (await _decide(en, rma, "receive")).status_code == 303
    wrong_sn = await _decide(en, rma, "inspect_pass", serial="P8AWRONG001", check=["contents"])
    assert wrong_sn.status_code == 422
    assert "Serial number P8AFLOW0001 was not found" in wrong_sn.text
    from domain.inspection import CHECKLIST

    passed = await _decide(en, rma, "inspect_pass", serial="p8aflow0001", check=list(CHECKLIST))
    assert passed.status_code == 303 and await _state(request_id) == "refund_pending"
    await _as(en, "finance")
    screen = await en.get(f"/staff/requests/{rma}")
    assert 'value="refund"' in screen.text
    assert (await _decide(en, rma, "refund", payment_reference="PAY-20261201-1")).status_code == 303
    assert await _state(request_id) == "refunded"


async def test_a_parcel_lacking_an_item_is_flagged_and_cannot_pass(
    en: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now, serials=("P8AMISS0001",))
    await factories.staff_decides(request_id, Action.APPROVE, now)
    await _as(en, "inspector")
    screen = await en.get(f"/staff/requests/{rma}")
    (item_field,) = set(re.findall(r'name="(receipt-\d+)"', screen.text))
    unsaid = await _decide(en, rma, "receive", **{item_field: "nothing-like-it"})
    assert unsaid.status_code == 422 and await _state(request_id) == "approved"
    assert "Say for every item whether it arrived" in unsaid.text
    assert (await _decide(en, rma, "receive", **{item_field: "missing"})).status_code == 303
    received = await en.get(f"/staff/requests/{rma}")
    assert "The parcel arrived without an item" in received.text
    from domain.inspection import CHECKLIST

    refused = await _decide(en, rma, "inspect_pass", serial="P8AMISS0001", check=list(CHECKLIST))
    assert refused.status_code == 422 and await _state(request_id) == "received"
    assert "cannot pass inspection" in refused.text


async def test_a_claimed_request_is_left_to_whoever_works_on_it_until_the_claim_runs_out(
    client: Client, now: datetime
) -> None:
    import os

    from redis.asyncio import Redis

    from web.cookies import SESSION

    client.headers["Accept-Language"] = "en"
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now)
    first = await factories.staff_token(await factories.staff("wang", "reviewer"))
    second = await factories.staff_token(await factories.staff("liu", "reviewer"))

    client.cookies.set(SESSION, first, domain="127.0.0.1")
    screen = await client.get(f"/staff/requests/{rma}")
    token = factories.token_in(screen.text)
    taken = await client.post(f"/staff/requests/{rma}/claim", data={"_csrf_token": token})
    assert taken.status_code == 303
    assert "You are working on this request" in (await client.get(f"/staff/requests/{rma}")).text

    client.cookies.set(SESSION, second, domain="127.0.0.1")
    theirs = await client.get(f"/staff/requests/{rma}")
    assert "reviewer wang is working on this request" in theirs.text
    assert 'value="approve"' not in theirs.text
    assert "reviewer wang is on it" in (await client.get("/staff/queue")).text
    refused = await _decide(client, rma, "approve", version="2")
    assert refused.status_code == 409 and await _state(request_id) == "submitted"

    redis = Redis.from_url(os.environ["REDIS_URL"])
    try:
        await redis.pexpire(f"claim:{request_id}", 1)  # as if fifteen minutes had passed
        await asyncio.sleep(0.05)
    finally:
        await redis.aclose()
    assert (await _decide(client, rma, "approve")).status_code == 303
    assert await _state(request_id) == "approved"


async def test_next_in_queue_skips_what_someone_else_works_on(
    client: Client, now: datetime
) -> None:
    from web.cookies import SESSION

    merchant_id = await factories.merchant()
    _, first = await factories.submitted(merchant_id, now - timedelta(hours=3))
    _, second = await factories.submitted(merchant_id, now - timedelta(hours=2))
    _, third = await factories.submitted(merchant_id, now - timedelta(hours=1))
    other = await factories.staff_token(await factories.staff("liu", "reviewer"))
    client.cookies.set(SESSION, other, domain="127.0.0.1")
    screen = await client.get(f"/staff/requests/{second}")
    await client.post(
        f"/staff/requests/{second}/claim", data={"_csrf_token": factories.token_in(screen.text)}
    )

    await _as(client, "reviewer", "wang")
    done = await _decide(client, first, "approve", then="next")
    assert done.status_code == 303
    assert done.headers["location"] == f"/staff/requests/{third}"


async def test_staff_reply_to_the_merchant_and_keep_internal_notes_to_themselves(
    en: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    _, rma = await factories.submitted(merchant_id, now)
    await _as(en, "reviewer", "wangfang")
    screen = await en.get(f"/staff/requests/{rma}")
    token = factories.token_in(screen.text)
    url = f"/staff/requests/{rma}/messages"
    empty = await en.post(url, data={"body": " ", "kind": "reply", "_csrf_token": token})
    assert empty.status_code == 422 and "Write a message or attach a file." in empty.text
    reply = await en.post(
        url,
        data={
            "body": "Please send a photo of the SN label.",
            "kind": "reply",
            "_csrf_token": token,
        },
    )
    note = await en.post(
        url,
        data={
            "body": "Third return this month: check the history.",
            "kind": "note",
            "_csrf_token": token,
        },
    )
    assert reply.status_code == note.status_code == 303
    staff_view = await en.get(f"/staff/requests/{rma}")
    assert "Please send a photo of the SN label." in staff_view.text
    assert "Third return this month" in staff_view.text and "internal note" in staff_view.text

    await factories.sign_in(en, merchant_id)
    merchant_view = await en.get(f"/returns/{rma}")
    assert "Please send a photo of the SN label." in merchant_view.text
    assert "Third return this month" not in merchant_view.text


async def test_an_exchange_ships_a_new_unit_named_by_its_serial(en: Client, now: datetime) -> None:
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(
        merchant_id, now, serials=("P8AOLD00001",), resolution="exchange"
    )
    await factories.staff_decides(request_id, Action.APPROVE, now)
    await factories.staff_decides(request_id, Action.RECEIVE, now, role="inspector")
    await factories.staff_decides(
        request_id, Action.INSPECT_PASS, now, role="inspector", confirmed_serials=("P8AOLD00001",)
    )
    assert await _state(request_id) == "replacement_pending"
    await _as(en, "inspector")
    parcel = {"carrier": "顺丰速运", "tracking_number": "SF1234567890"}
    unnamed = await _decide(en, rma, "ship_replacement", **parcel)
    assert unnamed.status_code == 422 and "serial number of the new unit" in unnamed.text
    same = await _decide(en, rma, "ship_replacement", replacement_serial="p8a-old00001", **parcel)
    assert same.status_code == 422 and "is the unit coming back" in same.text
    shipped = await _decide(
        en, rma, "ship_replacement", replacement_serial="P8A NEW 00002", **parcel
    )
    assert shipped.status_code == 303 and await _state(request_id) == "closed"
    row = await ReturnRequest.select(ReturnRequest.replacement_serial).where(
        ReturnRequest.id == request_id
    )
    assert row[0]["replacement_serial"] == "P8ANEW00002"


@pytest.mark.parametrize(
    "lang,decided_then_next",
    [
        ("zh-CN", ["通过并打开下一个", "请商户补充资料并打开下一个", "拒绝并打开下一个"]),
        ("en", ["Approve and next", "Ask for information and next"]),
    ],
)
async def test_each_decision_and_next_button_says_the_whole_decision(
    client: Client, now: datetime, lang: str, decided_then_next: list[str]
) -> None:
    merchant_id = await factories.merchant()
    _, rma = await factories.submitted(merchant_id, now)
    await _as(client, "reviewer")

    screen = await client.get(f"/staff/requests/{rma}", headers={"Accept-Language": lang})

    buttons = [
        re.sub(r"\s+", " ", words).strip()
        for words in re.findall(r"<button[^>]*>(.*?)</button>", screen.text, re.S)
    ]
    assert not [words for words in buttons if words.startswith(("…", "..."))]
    for words in decided_then_next:
        assert words in buttons
