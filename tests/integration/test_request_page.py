"""The merchant's request page: state, next step, timeline, the actions the state allows, live
updates after a staff decision, and nobody else's eyes on it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from PIL import Image

from db.tables import Event, EvidenceFile, ReturnRequest
from domain.lifecycle import Action, FeePayer
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]


@pytest.fixture
def en(client: Client) -> Client:
    client.headers["Accept-Language"] = "en"
    return client


async def _version(request_id: int) -> int:
    row = await ReturnRequest.select(ReturnRequest.version).where(ReturnRequest.id == request_id)
    return int(row[0]["version"])


async def _state(request_id: int) -> str:
    row = await ReturnRequest.select(ReturnRequest.state).where(ReturnRequest.id == request_id)
    return str(row[0]["state"])


async def _post(
    client: Client,
    rma: str,
    path: str,
    data: dict[str, str],
    *,
    version: int | None,
    files: Any = None,
) -> Any:
    token = await factories.csrf_token(client, f"/returns/{rma}")
    form = {**data, "_csrf_token": token}
    if version is not None:
        form["version"] = str(version)
    return await client.post(
        f"/returns/{rma}{path}", data=form, files=files, follow_redirects=False
    )


def _png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


async def _signed_in_with_request(client: Client, now: datetime) -> tuple[int, int, str]:
    merchant_id = await factories.merchant(name="杭州知味茶馆")
    request_id, rma = await factories.submitted(merchant_id, now, serials=("P8A2611000412",))
    await factories.sign_in(client, merchant_id)
    return merchant_id, request_id, rma


async def test_the_page_shows_the_state_the_next_step_the_items_and_the_timeline(
    client: Client, now: datetime
) -> None:
    _, _, rma = await _signed_in_with_request(client, now)

    page = await client.get(f"/returns/{rma}")

    assert page.status_code == 200
    assert rma in page.text
    assert "待审核" in page.text  # the state badge, in Chinese by default
    assert "P8A2611000412" in page.text
    timeline = page.text.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    assert "提交" in timeline  # the submit event, in words
    assert 'class="chip' in page.text  # the review deadline as a chip


async def test_in_english_the_timeline_says_who_did_what_and_the_deadline(
    en: Client, now: datetime
) -> None:
    _, request_id, rma = await _signed_in_with_request(en, now)
    await factories.staff_decides(
        request_id, Action.ASK_INFO, now, message="Please photograph the SN label."
    )

    page = await en.get(f"/returns/{rma}")

    timeline = page.text.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    # newest first: the reviewer's question, by role and staff number (never by name),
    # before the merchant's submit
    assert timeline.index("More information requested") < timeline.index("Return request submitted")
    assert "Reviewer · staff no. 0001" in timeline and "You" in timeline
    assert "王芳" not in timeline
    assert "Please photograph the SN label." in timeline
    assert "Information needed" in page.text
    assert "Answer our question or add evidence" in page.text
    assert "Quality defect" in page.text and "Refund" in page.text


async def test_the_refund_account_is_shown_by_its_last_four_digits_only(
    en: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    _, rma = await factories.submitted(
        merchant_id,
        now,
        refund_method="bank_transfer",
        refund_bank="招商银行",
        refund_account_last4="6789",
        refund_account_enc="ciphertext-6222020200116789",
    )
    await factories.sign_in(en, merchant_id)

    page = await en.get(f"/returns/{rma}")

    assert "Bank transfer, account ending 6789" in page.text
    assert "6222020200116789" not in page.text and "ciphertext" not in page.text


async def test_a_signed_out_visitor_is_sent_to_sign_in(client: Client, now: datetime) -> None:
    merchant_id = await factories.merchant()
    _, rma = await factories.submitted(merchant_id, now)

    response = await client.get(f"/returns/{rma}", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


async def test_another_merchant_gets_404_on_the_page_the_fragment_and_every_post(
    client: Client, now: datetime
) -> None:
    owner = await factories.merchant()
    request_id, rma = await factories.submitted(owner, now)
    await factories.staff_decides(request_id, Action.APPROVE, now, fee_payer=FeePayer.MERCHANT)
    stranger = await factories.merchant()
    await factories.sign_in(client, stranger)
    token = await factories.csrf_token(client, "/")
    version = await _version(request_id)

    gets = [
        f"/returns/{rma}",
        f"/returns/{rma}/status?v=1.0",
        f"/returns/{rma}/cancel",
        f"/returns/{rma}/cases/new?kind=logistics",
    ]
    for path in gets:
        response = await client.get(path, headers={"HX-Request": "true"})
        assert response.status_code == 404, path
    posts = ["/cancel", "/answer", "/ship", "/appeal", "/messages", "/cases"]
    for path in posts:
        response = await client.post(
            f"/returns/{rma}{path}",
            data={
                "_csrf_token": token,
                "version": str(version),
                "carrier": "顺丰",
                "tracking_number": "SF1",
                "statement": "x",
                "answer": "x",
                "body": "x",
                "kind": "logistics",
            },
            follow_redirects=False,
        )
        assert response.status_code == 404, path
    unknown = await client.get("/returns/RD2611-0000-0000")
    assert unknown.status_code == 404
    assert (await _state(request_id), await _version(request_id)) == ("approved", version)


@pytest.mark.parametrize(
    ("decisions", "offered", "not_offered"),
    [
        ([], ["/cancel"], ["/answer", "/ship", "/appeal", "kind=logistics"]),
        (
            [(Action.ASK_INFO, {"message": "Which SN?"})],
            ["/answer", "/cancel"],
            ["/ship", "/appeal"],
        ),
        (
            [(Action.APPROVE, {"fee_payer": FeePayer.PLATFORM})],
            ["/ship", "/cancel", "kind=logistics"],
            ["/answer", "/appeal", "kind=fee_dispute"],
        ),
        (
            [(Action.REJECT, {"reason_code": "not_a_defect", "message": "No defect found."})],
            ["/appeal"],
            ["/cancel", "/ship", "/answer"],
        ),
    ],
    ids=["submitted", "needs_info", "approved", "rejected"],
)
async def test_only_the_actions_the_state_allows_are_offered(
    en: Client,
    now: datetime,
    decisions: list[tuple[Action, dict[str, Any]]],
    offered: list[str],
    not_offered: list[str],
) -> None:
    _, request_id, rma = await _signed_in_with_request(en, now)
    for action, fields in decisions:
        await factories.staff_decides(request_id, action, now, **fields)

    page = (await en.get(f"/returns/{rma}")).text

    for fragment in offered:
        assert fragment in page, fragment
    for fragment in not_offered:
        assert fragment not in page, fragment


async def test_cancel_asks_once_in_plain_words_then_cancels(en: Client, now: datetime) -> None:
    _, request_id, rma = await _signed_in_with_request(en, now)

    confirm = await en.get(f"/returns/{rma}/cancel")
    assert "Cancel this return request?" in confirm.text
    assert "you cannot undo this" in confirm.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', confirm.text).group(1)  # type: ignore[union-attr]
    version = re.search(r'name="version" value="(\d+)"', confirm.text).group(1)  # type: ignore[union-attr]

    response = await en.post(
        f"/returns/{rma}/cancel",
        data={"_csrf_token": token, "version": version},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/returns/{rma}"
    assert await _state(request_id) == "cancelled"
    page = await en.get(f"/returns/{rma}")
    assert "Cancelled" in page.text and "/cancel" not in page.text


async def test_answering_with_words_and_a_photo_sends_the_request_back_for_review(
    en: Client, now: datetime
) -> None:
    _, request_id, rma = await _signed_in_with_request(en, now)
    await factories.staff_decides(request_id, Action.ASK_INFO, now, message="Photo of the SN?")

    response = await _post(
        en,
        rma,
        "/answer",
        {"answer": "Here is the label."},
        version=await _version(request_id),
        files=[("files", ("label.png", _png(), "image/png"))],
    )

    assert response.status_code == 303, response.text
    assert await _state(request_id) == "submitted"
    event = await Event.select().where(Event.action == "resubmit").first()
    assert event["message"] == "Here is the label."
    attached = await EvidenceFile.select().where(EvidenceFile.event == event["id"])
    assert [f["original_name"] for f in attached] == ["label.png"]
    page = await en.get(f"/returns/{rma}")
    assert f"/files/{attached[0]['id']}/thumb" in page.text


async def test_an_answer_with_nothing_in_it_is_refused_and_nothing_changes(
    en: Client, now: datetime
) -> None:
    _, request_id, rma = await _signed_in_with_request(en, now)
    await factories.staff_decides(request_id, Action.ASK_INFO, now, message="Which SN?")
    version = await _version(request_id)

    response = await _post(en, rma, "/answer", {"answer": "  "}, version=version)

    assert response.status_code == 422
    assert "Answer the question or add new evidence" in response.text
    assert (await _state(request_id), await _version(request_id)) == ("needs_info", version)


async def test_a_file_that_is_not_a_photo_is_refused_before_anything_is_applied(
    en: Client, now: datetime
) -> None:
    _, request_id, rma = await _signed_in_with_request(en, now)
    await factories.staff_decides(request_id, Action.ASK_INFO, now, message="Which SN?")
    version = await _version(request_id)

    response = await _post(
        en,
        rma,
        "/answer",
        {"answer": "See the attached."},
        version=version,
        files=[("files", ("notes.exe", b"MZ\x90\x00 not a photo", "image/png"))],
    )

    assert response.status_code == 422
    assert "is not a photo or PDF we can accept" in response.text
    assert "See the attached." in response.text  # what was typed is kept
    assert (await _state(request_id), await _version(request_id)) == ("needs_info", version)


async def test_shipping_records_the_carrier_and_tracking_number(en: Client, now: datetime) -> None:
    _, request_id, rma = await _signed_in_with_request(en, now)
    await factories.staff_decides(request_id, Action.APPROVE, now, fee_payer=FeePayer.PLATFORM)
    page = await en.get(f"/returns/{rma}")
    assert "Send the parcel to" in page.text
    assert (
        "Return authorization (PDF, to print): <span" in page.text and "being prepared" in page.text
    )
    assert f'href="/returns/{rma}/documents/authorization"' not in page.text  # none exists yet

    response = await _post(
        en,
        rma,
        "/ship",
        {"carrier": "SF Express", "tracking_number": "SF1234567890"},
        version=await _version(request_id),
    )

    assert response.status_code == 303
    row = await ReturnRequest.select().where(ReturnRequest.id == request_id).first()
    assert (row["state"], row["carrier"], row["tracking_number"]) == (
        "in_transit",
        "SF Express",
        "SF1234567890",
    )
    page = await en.get(f"/returns/{rma}")
    assert "On its way to us" in page.text and "SF1234567890" in page.text


async def test_shipping_without_a_tracking_number_is_refused_and_the_carrier_kept(
    en: Client, now: datetime
) -> None:
    _, request_id, rma = await _signed_in_with_request(en, now)
    await factories.staff_decides(request_id, Action.APPROVE, now, fee_payer=FeePayer.PLATFORM)
    version = await _version(request_id)

    response = await _post(
        en, rma, "/ship", {"carrier": "SF Express", "tracking_number": ""}, version=version
    )

    assert response.status_code == 422
    assert "Enter the carrier and the tracking number." in response.text
    assert 'value="SF Express"' in response.text
    # answered in place: a boosted form keeps the page's address, not the POST's
    assert response.headers["HX-Replace-Url"] == f"/returns/{rma}"
    assert (await _state(request_id), await _version(request_id)) == ("approved", version)


async def test_appealing_a_rejection_within_the_window(en: Client, now: datetime) -> None:
    _, request_id, rma = await _signed_in_with_request(en, now)
    await factories.staff_decides(
        request_id, Action.REJECT, now, reason_code="not_a_defect", message="No defect found."
    )

    response = await _post(
        en,
        rma,
        "/appeal",
        {"statement": "The screen flickers; see the video frame."},
        version=await _version(request_id),
        files=[("files", ("frame.png", _png(), "image/png"))],
    )

    assert response.status_code == 303
    assert await _state(request_id) == "appealed"
    event = await Event.select().where(Event.action == "appeal").first()
    assert event["message"] == "The screen flickers; see the video frame."
    assert await EvidenceFile.count().where(EvidenceFile.event == event["id"]) == 1


async def test_an_appeal_after_the_window_is_refused(en: Client, now: datetime) -> None:
    merchant_id = await factories.merchant()
    long_ago = now - timedelta(days=20)
    request_id, rma = await factories.submitted(merchant_id, long_ago)
    await factories.staff_decides(
        request_id, Action.REJECT, long_ago, reason_code="not_a_defect", message="No defect."
    )
    await factories.sign_in(en, merchant_id)
    version = await _version(request_id)
    page = await en.get(f"/returns/{rma}")
    assert "/appeal" not in page.text  # not offered once the window closed

    response = await _post(en, rma, "/appeal", {"statement": "Please look again."}, version=version)

    assert response.status_code == 422
    assert "The appeal window closed on" in response.text
    assert "Please look again." in response.text
    assert (await _state(request_id), await _version(request_id)) == ("rejected", version)


async def test_a_second_appeal_is_refused(en: Client, now: datetime) -> None:
    _, request_id, rma = await _signed_in_with_request(en, now)
    await factories.staff_decides(
        request_id, Action.REJECT, now, reason_code="not_a_defect", message="No defect."
    )
    first = await _post(
        en, rma, "/appeal", {"statement": "Look again."}, version=await _version(request_id)
    )
    assert first.status_code == 303
    version = await _version(request_id)

    second = await _post(en, rma, "/appeal", {"statement": "And again."}, version=version)

    assert second.status_code == 422
    assert "no decision that can be appealed" in second.text
    assert await Event.count().where(Event.action == "appeal") == 1
    assert await _version(request_id) == version


async def test_acting_on_a_stale_version_is_a_409_and_nothing_changes(
    en: Client, now: datetime
) -> None:
    _, request_id, rma = await _signed_in_with_request(en, now)
    stale = await _version(request_id)
    # meanwhile a reviewer approves it, from another process
    await factories.staff_decides(request_id, Action.APPROVE, now, fee_payer=FeePayer.PLATFORM)
    version = await _version(request_id)

    response = await _post(en, rma, "/cancel", {}, version=stale)

    assert response.status_code == 409
    assert "changed" in response.text and f'href="/returns/{rma}"' in response.text
    assert (await _state(request_id), await _version(request_id)) == ("approved", version)
    assert await Event.count().where(Event.action == "cancel") == 0


async def test_the_status_fragment_is_empty_until_a_staff_decision_then_brings_it(
    en: Client, now: datetime
) -> None:
    _, request_id, rma = await _signed_in_with_request(en, now)
    page = await en.get(f"/returns/{rma}")
    poll = re.search(r'data-hx-get="([^"]+/status\?v=[^"]+)" data-hx-trigger="every 3s"', page.text)
    assert poll, "the page polls for changes"
    htmx = {"HX-Request": "true"}

    unchanged = await en.get(poll.group(1), headers=htmx)
    assert unchanged.status_code == 204

    await factories.staff_decides(request_id, Action.APPROVE, now, fee_payer=FeePayer.PLATFORM)
    changed = await en.get(poll.group(1), headers=htmx)

    assert changed.status_code == 200
    assert "<html" not in changed.text  # a fragment, not a page
    assert 'id="request-live" data-hx-swap-oob="true"' in changed.text
    assert "Approved, waiting for the parcel" in changed.text
    assert 'data-hx-swap-oob="innerHTML"' in changed.text  # told to screen readers via #live
    assert "/ship" in changed.text  # the newly allowed action comes with it
    # the bell comes along, no longer counting what the page has just shown (the approval's
    # notification is read: tests/integration/test_notifications_seen.py)
    assert (
        'id="bell" class="header-link bell" href="/notifications" data-hx-swap-oob="true"'
        in changed.text
    )
    assert 'aria-label="Notifications"' in changed.text
    fresh = re.search(r'data-hx-get="([^"]+/status\?v=[^"]+)"', changed.text)
    assert fresh and fresh.group(1) != poll.group(1)
    again = await en.get(fresh.group(1), headers=htmx)
    assert again.status_code == 204


async def test_without_script_the_status_address_leads_back_to_the_page(
    en: Client, now: datetime
) -> None:
    _, _, rma = await _signed_in_with_request(en, now)

    response = await en.get(f"/returns/{rma}/status?v=0.0", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == f"/returns/{rma}"


async def test_a_refunded_request_promises_the_receipt_without_faking_it(
    en: Client, now: datetime
) -> None:
    _, request_id, rma = await _signed_in_with_request(en, now)
    await factories.staff_decides(request_id, Action.APPROVE, now, fee_payer=FeePayer.PLATFORM)
    await factories.staff_decides(
        request_id, Action.RECEIVE, now, role="inspector", staff_id="staff:2", name="质检 李强"
    )
    await factories.staff_decides(
        request_id,
        Action.INSPECT_PASS,
        now,
        role="inspector",
        staff_id="staff:2",
        name="质检 李强",
        confirmed_serials=("P8A2611000412",),
    )
    await factories.staff_decides(
        request_id,
        Action.REFUND,
        now,
        role="finance",
        staff_id="staff:3",
        name="财务 陈静",
        payment_reference="PAY-1",
    )

    page = await en.get(f"/returns/{rma}")

    assert "Refunded" in page.text
    assert "The refund receipt will be available to download on this page." in page.text
    assert "¥1,280.00" in page.text
    assert "Warehouse inspector · staff no. 0002" in page.text
    assert "Finance · staff no. 0003" in page.text
    assert "李强" not in page.text and "陈静" not in page.text
    for action in ("/cancel", "/ship", "/appeal", "/answer"):
        assert action not in page.text


async def test_after_a_failed_inspection_the_merchant_may_accept_instead_of_appealing(
    en: Client, now: datetime
) -> None:
    _merchant, request_id, rma = await _signed_in_with_request(en, now)
    for action, role in ((Action.APPROVE, "reviewer"), (Action.RECEIVE, "inspector")):
        await factories.staff_decides(request_id, action, now, role=role)
    photo = await factories.staged(request_id, "staff:3")
    await factories.staff_decides(
        request_id,
        Action.INSPECT_FAIL,
        now,
        role="inspector",
        staff_id="staff:3",
        message="Liquid inside",
        staged_files=[photo],
    )
    page = await en.get(f"/returns/{rma}")
    assert 'action="/returns/' in page.text and "/appeal" in page.text
    assert "Accept and have the goods sent back" in page.text
    accepted = await _post(en, rma, "/accept", {}, version=await _version(request_id))
    assert accepted.status_code == 303
    after = await en.get(f"/returns/{rma}")
    assert "we will send the goods back to you" in after.text
    assert "Send my appeal" not in after.text and "Accept and have" not in after.text


async def test_who_pays_the_return_shipping_reads_the_same_as_in_the_form(
    en: Client, now: datetime
) -> None:
    _, _request_id, rma = await _signed_in_with_request(en, now)  # a quality defect
    page = await en.get(f"/returns/{rma}")
    details = page.text.split('id="details-heading"')[1]
    assert "We pay the return shipping." in details  # step 2 and 5 said so too
    assert "Decided when we review your request" not in details
