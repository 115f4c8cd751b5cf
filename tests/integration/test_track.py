"""/track: the RMA number and the phone's last four digits show the state and its dated changes,
nothing private; wrong combinations all look the same, and guessing is rate limited."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from db.tables import Message
from domain.lifecycle import Action, FeePayer
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]


@pytest.fixture
def en(client: Client) -> Client:
    client.headers["Accept-Language"] = "en"
    return client


async def _track(client: Client, rma: str, last4: str) -> Any:
    form = await client.get("/track")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
    assert token
    return await client.post(
        "/track", data={"rma": rma, "last4": last4, "_csrf_token": token.group(1)}
    )


async def _approved_request(now: datetime) -> tuple[int, str]:
    merchant_id = await factories.merchant(phone="13900139000", name="杭州知味茶馆")
    request_id, rma = await factories.submitted(
        merchant_id,
        now,
        serials=("P8A2611000412",),
        contact_phone="13711112222",
        refund_method="bank_transfer",
        refund_account_last4="6789",
    )
    await factories.staff_decides(request_id, Action.APPROVE, now, fee_payer=FeePayer.PLATFORM)
    await Message.insert(
        Message(
            request=request_id,
            author_role="reviewer",
            author_id="staff:1",
            author_name="审核员 王芳",
            body="Please pack the dock too.",
        )
    )
    return request_id, rma


async def test_the_state_and_its_dated_changes_are_shown_and_nothing_private(
    en: Client, now: datetime
) -> None:
    _, rma = await _approved_request(now)

    response = await _track(en, rma, "9000")

    assert response.status_code == 200
    text = response.text
    assert rma in text
    assert "Approved, waiting for the parcel" in text and "Waiting for review" in text
    assert text.count("<time") == 2  # submitted, approved: each with its date
    for private in (
        "杭州知味茶馆",
        "审核员 王芳",
        "Please pack the dock too.",
        "P8A2611000412",
        "6789",
        "¥",
        "13900139000",
    ):
        assert private not in text, private


async def test_the_contact_phone_of_the_request_works_too(en: Client, now: datetime) -> None:
    _, rma = await _approved_request(now)

    response = await _track(en, rma, "2222")

    assert "Approved, waiting for the parcel" in response.text


async def test_a_typed_rma_is_forgiven_case_spaces_and_dashes(en: Client, now: datetime) -> None:
    _, rma = await _approved_request(now)

    response = await _track(en, " " + rma.lower().replace("-", " ") + " ", "9000")

    assert response.status_code == 200
    assert rma in response.text


async def test_wrong_digits_and_a_wrong_number_get_the_same_answer(
    en: Client, now: datetime
) -> None:
    _, rma = await _approved_request(now)

    wrong_digits = await _track(en, rma, "1234")
    wrong_number = await _track(en, "RD2611-0000-0000", "9000")
    not_an_rma = await _track(en, "hello", "9000")

    message = "We could not find a return request with this number and these digits."
    for response in (wrong_digits, wrong_number, not_an_rma):
        assert response.status_code == 404
        assert message in response.text
        assert "Approved, waiting for the parcel" not in response.text


async def test_attempts_are_limited_per_address(en: Client, now: datetime) -> None:
    _, rma = await _approved_request(now)
    for _ in range(10):
        await _track(en, rma, "0000")

    response = await _track(en, rma, "9000")  # even the right digits, once over the limit

    assert response.status_code == 429
    assert "Too many attempts" in response.text
    assert "Approved, waiting for the parcel" not in response.text


async def test_tracking_needs_no_sign_in(client: Client, now: datetime) -> None:
    _, rma = await _approved_request(now)

    response = await _track(client, rma, "9000")

    assert response.status_code == 200
    assert "已通过，待寄回" in response.text
