"""Messages with customer service and side cases (logistics problem, fee dispute): append-only
threads kept with the request, staff by display name, internal notes never shown."""

from __future__ import annotations

import re
from datetime import datetime
from io import BytesIO
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from PIL import Image

from db.tables import (
    Event,
    EvidenceFile,
    Message,
    Notification,
    OutboxRow,
    ReturnRequest,
    SideCase,
)
from domain.lifecycle import Action, FeePayer, Reason
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]


@pytest.fixture
def en(client: Client) -> Client:
    client.headers["Accept-Language"] = "en"
    return client


def _png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (32, 32), (20, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


async def _merchant_with_request(client: Client, now: datetime, **fields: Any) -> tuple[int, str]:
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now, **fields)
    await factories.sign_in(client, merchant_id)
    return request_id, rma


async def _send(client: Client, rma: str, body: str, files: Any = None) -> Any:
    token = await factories.csrf_token(client, f"/returns/{rma}")
    return await client.post(
        f"/returns/{rma}/messages",
        data={"body": body, "_csrf_token": token},
        files=files,
        follow_redirects=False,
    )


async def _staff_message(
    request_id: int, body: str, *, internal: bool = False, side_case: int | None = None
) -> None:
    await Message.insert(
        Message(
            request=request_id,
            side_case=side_case,
            author_role="reviewer",
            author_id="staff:1",
            author_name="审核员 王芳",
            body=body,
            internal=internal,
        )
    )


async def test_a_message_is_kept_in_the_thread_and_changes_nothing_else(
    en: Client, now: datetime
) -> None:
    request_id, rma = await _merchant_with_request(en, now)
    before = await ReturnRequest.select().where(ReturnRequest.id == request_id).first()
    counts = (await Event.count(), await Notification.count(), await OutboxRow.count())

    response = await _send(en, rma, "Can I ship it with the charging dock?")

    assert response.status_code == 303
    assert response.headers["location"] == f"/returns/{rma}#messages"
    after = await ReturnRequest.select().where(ReturnRequest.id == request_id).first()
    assert (after["state"], after["version"]) == (before["state"], before["version"])
    assert (await Event.count(), await Notification.count(), await OutboxRow.count()) == counts
    page = await en.get(f"/returns/{rma}")
    thread = page.text.split('id="thread"', 1)[1].split("</ol>", 1)[0]
    assert "Can I ship it with the charging dock?" in thread
    assert "<strong>You</strong>" in thread


async def test_staff_are_shown_by_role_and_number_and_internal_notes_never(
    en: Client, now: datetime
) -> None:
    request_id, rma = await _merchant_with_request(en, now)
    await _staff_message(request_id, "Yes, please include the dock.")
    await _staff_message(request_id, "Merchant returned two units before", internal=True)

    page = await en.get(f"/returns/{rma}")

    assert "Yes, please include the dock." in page.text
    assert "Reviewer · staff no. 0001" in page.text and "王芳" not in page.text
    assert "returned two units before" not in page.text


async def test_a_message_can_carry_a_photo(en: Client, now: datetime) -> None:
    request_id, rma = await _merchant_with_request(en, now)

    response = await _send(
        en, rma, "The box as it arrived.", files=[("files", ("box.png", _png(), "image/png"))]
    )

    assert response.status_code == 303
    message = await Message.select().where(Message.request == request_id).first()
    files = await EvidenceFile.select().where(EvidenceFile.message == message["id"])
    assert [f["original_name"] for f in files] == ["box.png"]
    assert files[0]["event"] is None
    page = await en.get(f"/returns/{rma}")
    assert f"/files/{files[0]['id']}/thumb" in page.text


async def test_an_empty_message_is_refused(en: Client, now: datetime) -> None:
    _, rma = await _merchant_with_request(en, now)

    response = await _send(en, rma, "   ")

    assert response.status_code == 422
    assert "Write a message or attach a file." in response.text
    assert await Message.count() == 0


async def test_messages_are_append_only(en: Client, now: datetime) -> None:
    request_id, rma = await _merchant_with_request(en, now)
    await _send(en, rma, "First words.")
    message_id = (await Message.select(Message.id).first())["id"]
    token = await factories.csrf_token(en, f"/returns/{rma}")

    for method, path in [
        ("delete", f"/returns/{rma}/messages/{message_id}"),
        ("post", f"/returns/{rma}/messages/{message_id}/delete"),
        ("post", f"/returns/{rma}/messages/{message_id}/edit"),
    ]:
        response = await en.request(
            method.upper(), path, data={"_csrf_token": token, "body": "changed"}
        )
        assert response.status_code in (404, 405), (method, path)
    assert (await Message.select(Message.body).where(Message.request == request_id))[0][
        "body"
    ] == "First words."


async def test_another_merchant_cannot_read_or_write_messages(
    client: Client, now: datetime
) -> None:
    owner = await factories.merchant()
    request_id, rma = await factories.submitted(owner, now)
    await _staff_message(request_id, "A private answer.")
    await factories.sign_in(client, await factories.merchant())
    token = await factories.csrf_token(client, "/")

    page = await client.get(f"/returns/{rma}")
    post = await client.post(
        f"/returns/{rma}/messages",
        data={"body": "hello", "_csrf_token": token},
        follow_redirects=False,
    )

    assert page.status_code == 404 and "A private answer." not in page.text
    assert post.status_code == 404
    assert await Message.count() == 1


async def test_a_new_staff_message_reaches_the_open_page_through_the_poller(
    en: Client, now: datetime
) -> None:
    request_id, rma = await _merchant_with_request(en, now)
    page = await en.get(f"/returns/{rma}")
    poll = re.search(r'data-hx-get="([^"]+/status\?v=[^"]+)"', page.text)
    assert poll
    htmx = {"HX-Request": "true"}
    assert (await en.get(poll.group(1), headers=htmx)).status_code == 204

    await _staff_message(request_id, "We received your photos.")
    changed = await en.get(poll.group(1), headers=htmx)

    assert changed.status_code == 200
    assert 'id="thread" class="thread plain-list" data-hx-swap-oob="true"' in changed.text
    assert "We received your photos." in changed.text
    assert 'id="request-live"' not in changed.text  # the action forms are left as they were


async def _open_case(client: Client, rma: str, kind: str, body: str, files: Any = None) -> Any:
    form_page = await client.get(f"/returns/{rma}/cases/new?kind={kind}")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form_page.text)
    version = re.search(r'name="version" value="(\d+)"', form_page.text)
    assert token and version, form_page.text[:200]
    return await client.post(
        f"/returns/{rma}/cases",
        data={
            "kind": kind,
            "body": body,
            "version": version.group(1),
            "_csrf_token": token.group(1),
        },
        files=files,
        follow_redirects=False,
    )


async def test_reporting_a_logistics_problem_opens_a_case_with_its_own_thread(
    en: Client, now: datetime
) -> None:
    request_id, rma = await _merchant_with_request(en, now)
    await factories.staff_decides(request_id, Action.APPROVE, now, fee_payer=FeePayer.PLATFORM)
    version = (await ReturnRequest.select().where(ReturnRequest.id == request_id).first())[
        "version"
    ]

    response = await _open_case(
        en,
        rma,
        "logistics",
        "The courier has not picked it up for three days.",
        files=[("files", ("receipt.png", _png(), "image/png"))],
    )

    assert response.status_code == 303
    case = await SideCase.select().first()
    assert response.headers["location"] == f"/returns/{rma}/cases/{case['id']}"
    assert (case["kind"], case["status"], case["opened_by"]) == (
        "logistics",
        "open",
        f"merchant:{(await ReturnRequest.select().first())['merchant']}",
    )
    first = await Message.select().where(Message.side_case == case["id"]).first()
    assert await EvidenceFile.count().where(EvidenceFile.message == first["id"]) == 1
    row = await ReturnRequest.select().where(ReturnRequest.id == request_id).first()
    assert row["version"] == version  # a side case is a record, not a state change

    await _staff_message(request_id, "We booked a pick-up for tomorrow.", side_case=case["id"])
    thread = await en.get(f"/returns/{rma}/cases/{case['id']}")
    assert "The courier has not picked it up for three days." in thread.text
    assert "We booked a pick-up for tomorrow." in thread.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', thread.text).group(1)  # type: ignore[union-attr]
    reply = await en.post(
        f"/returns/{rma}/cases/{case['id']}/messages",
        data={"body": "Thank you.", "_csrf_token": token},
        follow_redirects=False,
    )
    assert reply.status_code == 303
    assert await Message.count().where(Message.side_case == case["id"]) == 3
    page = await en.get(f"/returns/{rma}")
    assert "Logistics problem" in page.text
    # the case's thread stays in the case, not in the main thread
    assert "Thank you." not in page.text.split('id="thread"', 1)[1].split("</ol>", 1)[0]


async def test_a_second_open_logistics_case_is_refused(en: Client, now: datetime) -> None:
    request_id, rma = await _merchant_with_request(en, now)
    await factories.staff_decides(request_id, Action.APPROVE, now, fee_payer=FeePayer.PLATFORM)
    assert (await _open_case(en, rma, "logistics", "Late.")).status_code == 303
    page = await en.get(f"/returns/{rma}")
    assert "kind=logistics" not in page.text  # no longer offered while one is open
    token = await factories.csrf_token(en, f"/returns/{rma}")
    version = (await ReturnRequest.select().where(ReturnRequest.id == request_id).first())[
        "version"
    ]

    again = await en.post(
        f"/returns/{rma}/cases",
        data={"kind": "logistics", "body": "Still late.", "version": version, "_csrf_token": token},
        follow_redirects=False,
    )

    assert again.status_code == 422
    assert "already reported a logistics problem" in again.text
    assert "Still late." in again.text
    assert await SideCase.count() == 1


async def test_the_shipping_fee_can_be_contested_only_when_the_merchant_pays(
    en: Client, now: datetime
) -> None:
    platform_pays, rma_platform = await _merchant_with_request(en, now)
    await factories.staff_decides(platform_pays, Action.APPROVE, now, fee_payer=FeePayer.PLATFORM)
    assert "kind=fee_dispute" not in (await en.get(f"/returns/{rma_platform}")).text

    request_id, rma = await _merchant_with_request(en, now, reason=Reason.CHANGE_OF_MIND.value)
    await factories.staff_decides(request_id, Action.APPROVE, now)
    page = await en.get(f"/returns/{rma}")
    assert "You pay the return shipping" in page.text
    assert "kind=fee_dispute" in page.text

    response = await _open_case(en, rma, "fee_dispute", "The unit stopped working on day two.")

    assert response.status_code == 303
    case = await SideCase.select().where(SideCase.request == request_id).first()
    assert (case["kind"], case["body"]) == ("fee_dispute", "The unit stopped working on day two.")
    assert "kind=fee_dispute" not in (await en.get(f"/returns/{rma}")).text


async def test_a_resolved_case_takes_no_more_messages(en: Client, now: datetime) -> None:
    request_id, rma = await _merchant_with_request(en, now)
    await factories.staff_decides(request_id, Action.APPROVE, now, fee_payer=FeePayer.PLATFORM)
    await _open_case(en, rma, "logistics", "Lost?")
    case = await SideCase.select().first()
    await SideCase.update({SideCase.status: "resolved", SideCase.outcome: "Found it."}).where(
        SideCase.id == case["id"]
    )
    page = await en.get(f"/returns/{rma}/cases/{case['id']}")
    assert "Found it." in page.text and "/messages" not in page.text.split("<main", 1)[1]
    token = await factories.csrf_token(en, f"/returns/{rma}")

    response = await en.post(
        f"/returns/{rma}/cases/{case['id']}/messages",
        data={"body": "One more thing", "_csrf_token": token},
        follow_redirects=False,
    )

    assert response.status_code == 422
    assert "This case is resolved." in response.text
    assert await Message.count().where(Message.side_case == case["id"]) == 1


async def test_another_merchant_cannot_see_or_use_a_side_case(
    client: Client, en: Client, now: datetime
) -> None:
    request_id, rma = await _merchant_with_request(en, now)
    await factories.staff_decides(request_id, Action.APPROVE, now, fee_payer=FeePayer.PLATFORM)
    await _open_case(en, rma, "logistics", "Damaged box.")
    case = await SideCase.select().first()
    await factories.sign_in(en, await factories.merchant())
    token = await factories.csrf_token(en, "/")

    view = await en.get(f"/returns/{rma}/cases/{case['id']}")
    reply = await en.post(
        f"/returns/{rma}/cases/{case['id']}/messages",
        data={"body": "hi", "_csrf_token": token},
        follow_redirects=False,
    )

    assert view.status_code == 404 and "Damaged box." not in view.text
    assert reply.status_code == 404
