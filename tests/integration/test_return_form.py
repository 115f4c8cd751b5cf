"""The return form: five steps saved as a draft, refusals that say why, and nobody else's drafts."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from db.crypto import decrypt_account
from db.tables import Order, OrderItem, ReturnItem, ReturnRequest
from domain.limits import ORDERS_LISTED
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]


async def token(client: Any) -> str:
    """The CSRF token a page carries (a JS-off browser posts it as a form field)."""
    return await factories.csrf_token(client, "/")


async def post(client: Any, path: str, data: dict[str, Any] | list[tuple[str, str]]) -> Any:
    fields: dict[str, list[str]] = {}
    for name, value in data.items() if isinstance(data, dict) else data:
        fields.setdefault(name, []).append(value)
    fields["_csrf_token"] = [await token(client)]
    return await client.post(path, data=fields, follow_redirects=False)


@pytest.fixture
async def merchant(client: Any) -> int:
    merchant_id = await factories.merchant(phone="13812345678")
    await factories.sign_in(client, merchant_id)
    client.headers["Accept-Language"] = "en"
    return merchant_id


async def _order(merchant_id: int, now: datetime, days_ago: int = 5, serials=("SN-A1",)):  # type: ignore[no-untyped-def]
    order_id, item_ids = await factories.order(
        merchant_id, now - timedelta(days=days_ago), serials=serials
    )
    row = await Order.select(Order.order_no).where(Order.id == order_id).first()
    assert row is not None
    return order_id, item_ids, row["order_no"]


def _key(html: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert found
    return found.group(1)


async def _start(
    client: Any, merchant_id: int, now: datetime, serial: str = "SN-A1"
) -> tuple[int, list[int]]:
    """Step 1 done: a draft on a fresh order with its terminal chosen; returns (draft id, item ids)."""
    order_id, item_ids, order_no = await _order(merchant_id, now, serials=(serial,))
    page = await client.get("/returns/new", params={"order_no": order_no, "new": "1"})
    response = await post(
        client,
        "/returns/new",
        [
            ("order_id", str(order_id)),
            ("idempotency_key", _key(page.text)),
            ("item", str(item_ids[0])),
            (f"sn-{item_ids[0]}", serial.lower()),
        ],
    )
    assert response.status_code == 303
    found = re.fullmatch(r"/returns/drafts/(\d+)/step/2", response.headers["location"])
    assert found
    return int(found.group(1)), item_ids


async def test_a_signed_out_visitor_is_sent_to_sign_in(client: Client) -> None:
    response = await client.get("/returns/new", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


async def test_step_one_lists_orders_with_their_window_in_words(
    client: Client, merchant: int, now: datetime
) -> None:
    _, _, open_no = await _order(merchant, now, days_ago=5)
    _, _, closed_no = await _order(merchant, now, days_ago=45, serials=("SN-OLD",))
    page = await client.get("/returns/new")
    assert page.status_code == 200
    assert "Step 1 of 5" in page.text
    assert open_no in page.text and closed_no in page.text
    assert "Returnable until" in page.text
    assert "The return window closed on" in page.text
    assert f'href="/returns/new?order_no={open_no}"' in page.text
    assert f"order_no={closed_no}" not in page.text  # a closed order is not offered as a link


async def test_a_merchant_with_many_orders_sees_the_newest_and_finds_an_older_by_number(
    client: Client, merchant: int, now: datetime
) -> None:
    numbers = [(await _order(merchant, now, days_ago=1 + n % 25, serials=(f"SN-M{n}",)))[2]
               for n in range(ORDERS_LISTED + 1)]  # fmt: skip
    page = await client.get("/returns/new")
    assert page.text.count('class="choice-link"') == ORDERS_LISTED
    assert f"Your {ORDERS_LISTED} most recent orders are listed" in page.text
    oldest = numbers[24]  # completed 25 days ago: the one left off the list
    assert f"order_no={oldest}" not in page.text
    found = await client.get("/returns/new", params={"order_no": oldest})
    assert found.status_code == 200 and "SN-M24" in found.text


async def test_chinese_is_the_default_language_of_the_form(client: Client, now: datetime) -> None:
    merchant_id = await factories.merchant()
    await factories.sign_in(client, merchant_id)
    await _order(merchant_id, now)
    page = await client.get("/returns/new")
    assert '<html lang="zh-CN">' in page.text
    assert "可退货至" in page.text


async def test_an_order_outside_the_window_is_refused_with_the_date_it_closed(
    client: Client, merchant: int, now: datetime
) -> None:
    order_id, item_ids, order_no = await _order(merchant, now, days_ago=45)
    typed = await client.get("/returns/new", params={"order_no": order_no})
    assert typed.status_code == 422
    assert "The return window closed on" in typed.text
    posted = await post(
        client,
        "/returns/new",
        [("order_id", str(order_id)), ("item", str(item_ids[0])), (f"sn-{item_ids[0]}", "SN-A1")],
    )
    assert posted.status_code == 422
    assert "The return window closed on" in posted.text
    assert await ReturnRequest.count() == 0


async def test_an_unknown_order_number_says_so(client: Client, merchant: int) -> None:
    page = await client.get("/returns/new", params={"order_no": "DD404"})
    assert page.status_code == 422
    assert "We could not find this order number" in page.text
    assert 'value="DD404"' in page.text


async def test_a_wrong_serial_number_is_refused_next_to_the_field_and_kept(
    client: Client, merchant: int, now: datetime
) -> None:
    order_id, item_ids, order_no = await _order(merchant, now)
    page = await client.get("/returns/new", params={"order_no": order_no})
    response = await post(
        client,
        "/returns/new",
        [
            ("order_id", str(order_id)),
            ("idempotency_key", _key(page.text)),
            ("item", str(item_ids[0])),
            (f"sn-{item_ids[0]}", "WRONG123"),
        ],
    )
    assert response.status_code == 422
    assert "SN WRONG123 was not delivered with this order" in response.text
    assert f'id="f-sn-{item_ids[0]}-error"' in response.text
    assert f'href="#f-sn-{item_ids[0]}"' in response.text  # the summary leads to it
    assert await ReturnRequest.count() == 0


async def test_the_merchant_picks_a_unit_by_the_sn_the_order_delivered(
    client: Client, merchant: int, now: datetime
) -> None:
    order_id, item_ids, order_no = await _order(merchant, now, serials=("SN-A1", "SN-B2"))
    page = await client.get("/returns/new", params={"order_no": order_no})
    assert "SN SN-A1" in page.text and "SN SN-B2" in page.text
    assert f'name="sn-{item_ids[0]}"' not in page.text  # nothing to read off a label
    response = await post(
        client,
        "/returns/new",
        [
            ("order_id", str(order_id)),
            ("idempotency_key", _key(page.text)),
            ("item", str(item_ids[1])),
        ],
    )
    assert response.status_code == 303
    [item] = await ReturnItem.select(ReturnItem.serial_number)
    assert item["serial_number"] == "SN-B2"


async def test_where_the_order_lists_no_sn_the_merchant_types_it_and_it_is_kept(
    client: Client, merchant: int, now: datetime
) -> None:
    order_id, item_ids, order_no = await _order(merchant, now, serials=(None,))
    page = await client.get("/returns/new", params={"order_no": order_no})
    assert f'name="sn-{item_ids[0]}"' in page.text
    refused = await post(
        client,
        "/returns/new",
        [
            ("order_id", str(order_id)),
            ("idempotency_key", _key(page.text)),
            ("item", str(item_ids[0])),
            (f"sn-{item_ids[0]}", "a!"),
        ],
    )
    assert refused.status_code == 422 and 'value="a!"' in refused.text
    accepted = await post(
        client,
        "/returns/new",
        [
            ("order_id", str(order_id)),
            ("idempotency_key", _key(page.text)),
            ("item", str(item_ids[0])),
            (f"sn-{item_ids[0]}", "p8a 2611-0004"),
        ],
    )
    assert accepted.status_code == 303
    [item] = await ReturnItem.select(ReturnItem.serial_number)
    assert item["serial_number"] == "P8A26110004"


async def test_a_unit_already_on_another_request_is_said_at_step_1(
    client: Client, merchant: int, now: datetime
) -> None:
    order_id, item_ids, order_no = await _order(merchant, now, serials=("SN-H1",))
    held = await factories.draft(merchant, order_id, item_ids)
    submitted = await factories.submit(held, merchant, now)
    page = await client.get("/returns/new", params={"order_no": order_no, "new": "1"})
    assert f"Serial number SN-H1 is already on return request {submitted.rma}." in page.text
    assert f'value="{item_ids[0]}" disabled' in page.text


async def test_nothing_chosen_is_refused(client: Client, merchant: int, now: datetime) -> None:
    order_id, _, _ = await _order(merchant, now)
    response = await post(client, "/returns/new", [("order_id", str(order_id))])
    assert response.status_code == 422
    assert "Choose at least one item to return." in response.text


async def test_quantities_of_items_without_a_serial_number(
    client: Client, merchant: int, now: datetime
) -> None:
    order_id, _, _ = await _order(merchant, now)
    paper = await factories.product(has_serial=False, category="consumable")
    row = await OrderItem.insert(
        OrderItem(order=order_id, product=paper, quantity=3, unit_price_fen=5800)
    ).returning(OrderItem.id)
    paper_item = row[0]["id"]
    too_many = await post(
        client,
        "/returns/new",
        [("order_id", str(order_id)), ("item", str(paper_item)), (f"qty-{paper_item}", "4")],
    )
    assert too_many.status_code == 422
    assert "Enter a quantity from 1 to 3." in too_many.text
    ok = await post(
        client,
        "/returns/new",
        [("order_id", str(order_id)), ("item", str(paper_item)), (f"qty-{paper_item}", "2")],
    )
    assert ok.status_code == 303
    items = await ReturnItem.select(ReturnItem.quantity, ReturnItem.serial_number)
    assert items == [{"quantity": 2, "serial_number": None}]


async def test_a_double_tap_on_step_one_creates_one_draft(
    client: Client, merchant: int, now: datetime
) -> None:
    order_id, item_ids, order_no = await _order(merchant, now)
    page = await client.get("/returns/new", params={"order_no": order_no})
    form = [
        ("order_id", str(order_id)),
        ("idempotency_key", _key(page.text)),
        ("item", str(item_ids[0])),
        (f"sn-{item_ids[0]}", "SN-A1"),
    ]
    first = await post(client, "/returns/new", form)
    second = await post(client, "/returns/new", form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert await ReturnRequest.count() == 1
    row = await ReturnRequest.select().first()
    assert row is not None
    assert row["state"] == "draft" and row["channel"] == "web" and row["draft_step"] == 2
    assert row["contact_phone"] == "13812345678"


async def test_the_whole_form_with_javascript_off(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    base = f"/returns/drafts/{draft_id}/step"

    step2 = await client.get(f"{base}/2")
    assert "Step 2 of 5" in step2.text
    # before going on, every reason says whether photos are needed and who pays shipping
    assert "Photos needed" in step2.text and "We pay the return shipping." in step2.text
    assert "You pay the return shipping." in step2.text
    response = await post(
        client, f"{base}/2", {"reason": "change_of_mind", "description": "不需要了"}
    )
    assert response.headers["location"] == f"{base}/3"

    step3 = await client.get(f"{base}/3")
    assert "Step 3 of 5" in step3.text and 'accept="image/*,application/pdf"' in step3.text
    # the picker offers the gallery and files (no `capture`); the camera has a button of its own
    picker = re.search(r'<input id="f-files" [^>]*>', step3.text)
    camera = re.search(r'<input id="f-files-camera" [^>]*>', step3.text)
    assert picker and " capture" not in picker.group(0)
    assert camera and 'capture="environment"' in camera.group(0)
    response = await post(client, f"{base}/3", {})
    assert response.headers["location"] == f"{base}/4"  # photos are optional for this reason

    step4 = await client.get(f"{base}/4")
    assert 'value="13812345678"' in step4.text  # the merchant's phone by default
    response = await post(
        client,
        f"{base}/4",
        {
            "resolution": "refund",
            "refund_method": "bank_transfer",
            "account_holder": "杨小明",
            "bank": "中国工商银行 静安支行",
            "bank_account": "6222 0212 3456 7890",
            "contact_phone": "13812345678",
        },
    )
    assert response.headers["location"] == f"{base}/5"

    review = await client.get(f"{base}/5")
    assert "Step 5 of 5" in review.text
    assert "SN-A1" in review.text and "Changed my mind" in review.text
    assert "ending in 7890" in review.text and "6222021234567890" not in review.text
    assert "138****5678" in review.text
    for step in (1, 2, 3, 4):
        assert f'href="{base}/{step}"' in review.text

    submitted = await post(client, f"{base}/5", {})
    assert submitted.status_code == 303
    row = await ReturnRequest.select().first()
    assert row is not None
    assert submitted.headers["location"] == f"/returns/{row['rma']}"
    assert row["state"] == "submitted" and row["reason"] == "change_of_mind"
    assert row["refund_account_last4"] == "7890"
    assert "6222" not in row["refund_account_enc"]
    secret = client.app.state.settings.secret_key
    assert decrypt_account(secret, row["refund_account_enc"]) == "6222021234567890"

    # a retried submit (or the back button) finds the request, not a second one
    again = await post(client, f"{base}/5", {})
    assert again.headers["location"] == f"/returns/{row['rma']}"
    back = await client.get(f"{base}/2", follow_redirects=False)
    assert back.headers["location"] == f"/returns/{row['rma']}"
    assert await ReturnRequest.count() == 1


async def test_steps_have_their_own_urls_and_keep_what_was_saved(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, item_ids = await _start(client, merchant, now)
    base = f"/returns/drafts/{draft_id}/step"
    await post(client, f"{base}/2", {"reason": "other", "description": "换个颜色"})
    back = await client.get(f"{base}/2")
    assert 'value="other" checked' in back.text and "换个颜色" in back.text
    step1 = await client.get(f"{base}/1")
    assert f'name="item" value="{item_ids[0]}" checked' in step1.text
    assert "SN SN-A1" in step1.text


async def test_resume_after_closing_the_browser(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    await post(client, f"/returns/drafts/{draft_id}/step/2", {"reason": "change_of_mind"})
    session = client.cookies["rd_session"]
    async with AsyncTestClient(app=client.app, base_url="http://127.0.0.1") as fresh:
        fresh.cookies.set("rd_session", session, domain="127.0.0.1")
        response = await fresh.get("/returns/new", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/returns/drafts/{draft_id}/step/3"
        # and a new, separate return can still be started
        other = await fresh.get("/returns/new", params={"new": "1"})
        assert other.status_code == 200 and 'name="order_no"' in other.text


async def test_other_reason_needs_a_description(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    response = await post(client, f"/returns/drafts/{draft_id}/step/2", {"reason": "other"})
    assert response.status_code == 422
    assert "Tell us in a few words" in response.text
    assert 'value="other" checked' in response.text


async def test_missing_evidence_is_refused_where_the_reason_needs_it(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    base = f"/returns/drafts/{draft_id}/step"
    await post(client, f"{base}/2", {"reason": "quality_defect", "description": "屏幕不亮"})
    step3 = await client.get(f"{base}/3")
    assert "we need at least one photo" in step3.text
    refused = await post(client, f"{base}/3", {})
    assert refused.status_code == 422
    assert "Add at least one photo: this reason needs evidence." in refused.text
    await post(
        client,
        f"{base}/4",
        {"resolution": "exchange", "contact_phone": "13812345678"},
    )
    submitted = await post(client, f"{base}/5", {})
    assert submitted.status_code == 422
    assert "Add at least one photo: this reason needs evidence." in submitted.text
    assert f'href="{base}/3">Put it right' in submitted.text
    assert "SN-A1" in submitted.text  # everything is still there
    row = await ReturnRequest.select(ReturnRequest.state).first()
    assert row == {"state": "draft"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {
                "refund_method": "bank_transfer",
                "account_holder": "杨",
                "bank": "工行",
                "bank_account": "1234",
            },
            "A bank account number has 12 to 19 digits.",
        ),
        (
            {
                "refund_method": "bank_transfer",
                "account_holder": "杨",
                "bank": "工行",
                "bank_account": "62220212345678901234",
            },
            "A bank account number has 12 to 19 digits.",
        ),
        (
            {"refund_method": "alipay", "alipay_account": "someone"},
            "An Alipay account is a mobile number or an e-mail",
        ),
        (
            {"refund_method": "bank_transfer", "bank_account": "6222021234567890"},
            "Enter the name on the bank account.",
        ),
        ({}, "Choose how you want the refund paid."),
    ],
)
async def test_bad_refund_accounts_are_refused_with_values_kept(
    client: Client, merchant: int, now: datetime, fields: dict[str, str], message: str
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    response = await post(
        client,
        f"/returns/drafts/{draft_id}/step/4",
        {"resolution": "refund", "contact_phone": "13812345678", **fields},
    )
    assert response.status_code == 422
    assert message in response.text
    for value in fields.values():
        assert f'value="{value}"' in response.text
    row = await ReturnRequest.select(ReturnRequest.refund_account_enc).first()
    assert row == {"refund_account_enc": ""}


async def test_alipay_by_email_and_a_kept_account(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    path = f"/returns/drafts/{draft_id}/step/4"
    form = {"resolution": "refund", "refund_method": "alipay", "contact_phone": "13812345678"}
    await post(client, path, {**form, "alipay_account": "Yang.Shop@Example.com"})
    row = await ReturnRequest.select(ReturnRequest.refund_account_last4).first()
    assert row == {"refund_account_last4": "shop"}
    page = await client.get(path)
    assert "Leave empty to keep the account ending in shop" in page.text
    kept = await post(client, path, {**form, "alipay_account": ""})
    assert kept.status_code == 303
    row = await ReturnRequest.select(ReturnRequest.refund_account_enc).first()
    assert row is not None
    assert decrypt_account(client.app.state.settings.secret_key, row["refund_account_enc"]) == (
        "yang.shop@example.com"
    )


async def test_the_as_you_type_check_answers_with_the_field_alone(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    response = await client.post(
        f"/returns/drafts/{draft_id}/check/bank_account",
        data={"bank_account": "12ab", "_csrf_token": await token(client)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="check-bank_account">')
    assert "12 to 19 digits" in response.text and "<html" not in response.text


async def test_a_refused_submit_keeps_the_draft_and_says_why(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    # the same terminal is already on someone's submitted request
    other_order, other_items = await factories.order(
        merchant, now - timedelta(days=3), serials=("SN-A1",)
    )
    held = await factories.draft(merchant, other_order, other_items)
    base = f"/returns/drafts/{draft_id}/step"
    await post(client, f"{base}/2", {"reason": "change_of_mind"})
    await post(client, f"{base}/4", {"resolution": "exchange", "contact_phone": "13812345678"})
    # submitted from another tab after this draft passed step 1
    submitted = await factories.submit(held, merchant, now)
    response = await post(client, f"{base}/5", {})
    assert response.status_code == 422
    assert f"Serial number SN-A1 is already on return request {submitted.rma}." in response.text
    assert "Changed my mind" in response.text


async def test_discard_asks_once_then_deletes_the_draft(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    ask = await client.get(f"/returns/drafts/{draft_id}/discard")
    assert ask.status_code == 200 and "cannot be undone" in ask.text
    response = await post(client, f"/returns/drafts/{draft_id}/discard", {})
    assert response.status_code == 303
    assert await ReturnRequest.count() == 0
    gone = await client.get(f"/returns/drafts/{draft_id}/step/2")
    assert gone.status_code == 404


async def test_another_merchant_gets_404_on_every_draft_url(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, item_ids = await _start(client, merchant, now)
    intruder = await factories.merchant()
    await factories.sign_in(client, intruder)
    for step in range(1, 6):
        assert (await client.get(f"/returns/drafts/{draft_id}/step/{step}")).status_code == 404
    assert (
        await post(
            client, f"/returns/drafts/{draft_id}/step/2", {"reason": "other", "description": "x"}
        )
    ).status_code == 404
    assert (await post(client, f"/returns/drafts/{draft_id}/step/5", {})).status_code == 404
    assert (await client.get(f"/returns/drafts/{draft_id}/discard")).status_code == 404
    assert (await post(client, f"/returns/drafts/{draft_id}/discard", {})).status_code == 404
    # nor can the intruder's own new draft take the first merchant's order
    order_id = (await ReturnRequest.select(ReturnRequest.order).first() or {})["order"]
    taken = await post(
        client,
        "/returns/new",
        [("order_id", str(order_id)), ("item", str(item_ids[0])), (f"sn-{item_ids[0]}", "SN-A1")],
    )
    assert taken.status_code == 404
    assert await ReturnRequest.count() == 1
    # and their /returns/new does not resume someone else's draft
    assert (await client.get("/returns/new", follow_redirects=False)).status_code == 200


async def test_a_refused_step_says_what_to_put_right_at_the_top_once(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    page = await client.get(f"/returns/drafts/{draft_id}/step/2")
    assert f'action="/returns/drafts/{draft_id}/step/2#problems"' in page.text
    response = await post(client, f"/returns/drafts/{draft_id}/step/2", {"reason": "other"})
    assert response.status_code == 422
    summary = response.text.split('id="problems"')[1].split("</div>")[0]
    assert 'href="#f-description"' in summary and "Describe the problem" in summary
    # the words themselves sit once, next to the field the summary links to
    assert response.text.count("Tell us in a few words why you are returning it.") == 1
    assert 'id="f-description-error"' in response.text


async def test_a_reload_after_an_upload_opens_the_step_not_a_405(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    again = await client.get(f"/returns/drafts/{draft_id}/evidence", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"] == f"/returns/drafts/{draft_id}/step/3"
    refused = await client.post(
        f"/returns/drafts/{draft_id}/evidence",
        files=[("files", ("x.jpg", b"not a photo", "image/jpeg"))],
        headers={"HX-Request": "true", "HX-Boosted": "true", "x-csrftoken": await token(client)},
    )
    assert refused.status_code == 422
    assert refused.headers["hx-replace-url"] == f"/returns/drafts/{draft_id}/step/3"


async def test_uploading_and_removing_files_replace_the_history_entry(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    step3 = await client.get(f"/returns/drafts/{draft_id}/step/3")
    upload_form = step3.text.split('class="upload-form"')[1].split(">")[0]
    assert 'data-hx-push-url="false" data-hx-replace-url="true"' in upload_form
