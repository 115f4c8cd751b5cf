"""Hostile input costs little and never gives a 500: bodies over the limit, bytes that are not
UTF-8, crafted numbers, redirects that would leave the site, texts far longer than any field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from db.tables import Message, Notification, ReturnRequest
from tests.integration import factories

NOT_UTF8 = b'--b\r\nContent-Disposition: form-data; name="phone"\r\n\r\n\xff\xfe\xfd\r\n--b--\r\n'
CRLF_NAME = (
    b'--b\r\nContent-Disposition: form-data; name="files"; filename="a\r\nb.jpg"\r\n'
    b"Content-Type: image/jpeg\r\n\r\nxx\r\n--b--\r\n"
)


def multipart(token: str, part: bytes) -> bytes:
    field = b'--b\r\nContent-Disposition: form-data; name="_csrf_token"\r\n\r\n' + token.encode()
    return field + b"\r\n" + part


@pytest.fixture
async def signed_in(client: Any, now: datetime) -> tuple[int, int, str]:
    merchant_id = await factories.merchant()
    await factories.sign_in(client, merchant_id)
    request_id, rma = await factories.submitted(merchant_id, now)
    return merchant_id, request_id, rma


@pytest.mark.parametrize("path", ["/login", "/login/code", "/logout", "/track"])
@pytest.mark.parametrize("body", [NOT_UTF8, CRLF_NAME], ids=["not-utf8", "crlf-filename"])
async def test_bytes_no_browser_sends_are_a_400_before_any_sign_in(
    client: Any, path: str, body: bytes
) -> None:
    token = await factories.csrf_token(client, "/login")
    response = await client.post(
        path,
        content=multipart(token, body),
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 400
    assert "无法识别" in response.text  # in the visitor's language, not a traceback


async def test_a_body_over_the_limit_is_a_413_page_in_the_users_language(client: Any) -> None:
    client.headers["Accept-Language"] = "en"
    token = await factories.csrf_token(client, "/track")
    response = await client.post(
        "/track",
        content=b"rma=" + b"x" * 400_000,
        headers={"content-type": "application/x-www-form-urlencoded", "x-csrftoken": token},
    )
    assert response.status_code == 413
    assert "What you sent is too large" in response.text
    assert "content-security-policy" in response.headers


@pytest.mark.parametrize(
    "path",
    [
        "/files/99999999999999999999/original",
        "/files/²/original",
        "/returns/drafts/99999999999999999999/step/1",
        "/returns/drafts/1/step/99999999999999999999",
        "/returns/{rma}/cases/99999999999999999999",
        "/returns/{rma}/cases/-1",
    ],
)
async def test_numbers_no_row_can_have_are_a_404(
    client: Any, signed_in: tuple[int, int, str], path: str
) -> None:
    assert (await client.get(path.format(rma=signed_in[2]))).status_code == 404


async def test_a_crafted_notification_id_is_a_404(
    client: Any, signed_in: tuple[int, int, str]
) -> None:
    token = await factories.csrf_token(client)
    response = await client.post(
        "/notifications/99999999999999999999/read", data={"_csrf_token": token}
    )
    assert response.status_code == 404
    assert await Notification.count().where(Notification.read_at.is_not_null()) == 0


async def test_a_version_that_is_not_a_number_is_a_400_and_changes_nothing(
    client: Any, signed_in: tuple[int, int, str]
) -> None:
    _merchant, request_id, rma = signed_in
    token = await factories.csrf_token(client, f"/returns/{rma}")
    response = await client.post(
        f"/returns/{rma}/cancel", data={"version": "²", "_csrf_token": token}
    )
    assert response.status_code == 400
    row = await ReturnRequest.select(ReturnRequest.state).where(ReturnRequest.id == request_id)
    assert row[0]["state"] == "submitted"


async def test_an_order_id_that_is_not_a_number_is_a_404(
    client: Any, signed_in: tuple[int, int, str]
) -> None:
    token = await factories.csrf_token(client, "/returns/new?new=1")
    response = await client.post(
        "/returns/new", data={"order_id": "²", "item": "1", "_csrf_token": token}
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "target", ["/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example"]
)
async def test_next_only_ever_leads_to_this_site(client: Any, target: str) -> None:
    response = await client.get(
        "/lang", params={"to": "en", "next": target}, follow_redirects=False
    )
    assert response.headers["location"] == "/"
    token = await factories.csrf_token(client, "/login")
    login = await client.post(
        "/login",
        data={"phone": "13800138000", "next": target, "_csrf_token": token},
        headers={"HX-Request": "true", "x-csrftoken": token},
    )
    assert login.headers["hx-location"].startswith("/login/code?next=%2F")
    assert "evil" not in login.headers["hx-location"]


async def test_a_newline_in_next_neither_splits_a_header_nor_breaks_the_connection(
    client: Any,
) -> None:
    response = await client.get(
        "/lang", params={"to": "en", "next": "/\r\nSet-Cookie: x=1"}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert "x=1" not in response.headers.get("set-cookie", "")


async def test_a_message_longer_than_its_field_is_refused_and_not_kept(
    client: Any, signed_in: tuple[int, int, str]
) -> None:
    client.headers["Accept-Language"] = "en"
    _merchant, _request_id, rma = signed_in
    token = await factories.csrf_token(client, f"/returns/{rma}")
    response = await client.post(
        f"/returns/{rma}/messages", data={"body": "长" * 4001, "_csrf_token": token}
    )
    assert response.status_code == 422
    assert "Please keep this under 4000 characters" in response.text
    assert await Message.count() == 0
    page = await client.get(f"/returns/{rma}")
    assert 'maxlength="4000"' in page.text  # the field says so where it is typed


@pytest.mark.parametrize("case", ["-1", "9" * 30, "other-request", "²"])
async def test_a_staff_reply_to_a_case_not_of_this_request_is_refused_and_posts_nothing(
    client: Any, now: datetime, case: str
) -> None:
    from db.tables import SideCase

    merchant_id = await factories.merchant()
    _request_id, rma = await factories.submitted(merchant_id, now)
    other_id, _other = await factories.submitted(merchant_id, now)
    foreign = await SideCase.insert(
        SideCase(request=other_id, kind="logistics", body="lost", opened_by="merchant:1")
    ).returning(SideCase.id)
    if case == "other-request":
        case = str(foreign[0]["id"])
    await factories.staff_session(client, await factories.staff("wangfang", "reviewer"))
    token = await factories.csrf_token(client, f"/staff/requests/{rma}")

    response = await client.post(
        f"/staff/requests/{rma}/messages",
        data={
            "body": "Your courier will call you",
            "kind": "reply",
            "case": case,
            "_csrf_token": token,
        },
        follow_redirects=False,
    )

    assert response.status_code in (400, 404)
    assert "<html" in response.text  # a page for a person, in their language
    assert await Message.count() == 0


@pytest.mark.parametrize("path", ["/returns/{rma}/messages", "/staff/requests/{rma}/messages"])
async def test_more_staged_files_than_a_form_holds_is_a_400_and_nothing_is_posted(
    client: Any, now: datetime, path: str
) -> None:
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now)
    if path.startswith("/staff"):
        staff_id = await factories.staff("wangfang", "reviewer")
        await factories.staff_session(client, staff_id)
        actor = f"staff:{staff_id}"
    else:
        await factories.sign_in(client, merchant_id)
        actor = f"merchant:{merchant_id}"
    staged = [str(await factories.staged(request_id, actor)) for _ in range(11)]
    token = await factories.csrf_token(client, path.format(rma=rma).rsplit("/", 1)[0])

    response = await client.post(
        path.format(rma=rma),
        data={"body": "photos", "kind": "reply", "staged": staged, "_csrf_token": token},
        follow_redirects=False,
    )

    assert response.status_code == 400
    assert await Message.count() == 0


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true", "HX-Boosted": "true"}])
async def test_the_as_you_type_check_sends_anything_but_htmx_to_its_step(
    client: Any, now: datetime, headers: dict[str, str]
) -> None:
    merchant_id = await factories.merchant()
    await factories.sign_in(client, merchant_id)
    order_id, items = await factories.order(merchant_id, now)
    draft_id = await factories.draft(merchant_id, order_id, items)
    token = await factories.csrf_token(client, f"/returns/drafts/{draft_id}/step/4")

    response = await client.post(
        f"/returns/drafts/{draft_id}/check/contact_phone",
        data={"contact_phone": "12", "_csrf_token": token},
        headers=headers,
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/returns/drafts/{draft_id}/step/4"
    htmx = await client.post(
        f"/returns/drafts/{draft_id}/check/contact_phone",
        data={"contact_phone": "12", "_csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 200 and "<html" not in htmx.text
