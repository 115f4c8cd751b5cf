"""Who is given a request's files: one rule (domain.file_access) for every route that serves or
lists one. The merchant never gets a staff note's file, however its id is found; staff see every
file of a request, each where it was attached."""

from __future__ import annotations

import re
from datetime import datetime
from io import BytesIO

from litestar.testing import AsyncTestClient
from PIL import Image

from db.conversations import post_message
from db.returns import apply_action
from db.tables import EvidenceFile, SideCase
from domain.lifecycle import Action, Actor, Command, Role
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (40, 40), colour).save(buffer, "PNG")
    return buffer.getvalue()


async def _staff_posts(client: Client, rma: str, kind: str, body: str, name: str) -> int:
    """A reviewer posts a reply or an internal note with one photo, through the screen's form;
    the id of the file it made."""
    screen = await client.get(f"/staff/requests/{rma}")
    before = {row["id"] for row in await EvidenceFile.select(EvidenceFile.id)}
    response = await client.post(
        f"/staff/requests/{rma}/messages",
        data={"body": body, "kind": kind, "_csrf_token": factories.token_in(screen.text)},
        files=[("files", (name, _png((200, 30, 30)), "image/png"))],
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    after = {row["id"] for row in await EvidenceFile.select(EvidenceFile.id)}
    (made,) = after - before
    return made


async def test_a_merchant_is_not_given_the_file_of_a_staff_note(
    client: Client, second_browser: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    _, rma = await factories.submitted(merchant_id, now)
    await factories.staff_session(second_browser, await factories.staff("wangfang", "reviewer"))
    note_file = await _staff_posts(second_browser, rma, "note", "Same SN as RD-old", "internal.png")
    reply_file = await _staff_posts(second_browser, rma, "reply", "Label please", "example.png")

    await factories.sign_in(client, merchant_id)
    for kind in ("original", "thumb"):
        refused = await client.get(f"/files/{note_file}/{kind}")
        assert refused.status_code == 404, kind
        assert "internal.png" not in refused.text and "internal" not in refused.headers.get(
            "content-disposition", ""
        )
        assert (await client.get(f"/files/{reply_file}/{kind}")).status_code == 200, kind
    page = await client.get(f"/returns/{rma}")
    assert f"/files/{reply_file}/thumb" in page.text
    assert f"/files/{note_file}/" not in page.text
    for kind in ("original", "thumb"):  # staff are given both
        assert (await second_browser.get(f"/staff/files/{note_file}/{kind}")).status_code == 200


async def test_a_merchant_is_not_given_a_file_of_another_merchants_request(
    client: Client, now: datetime
) -> None:
    owner = await factories.merchant()
    request_id, _ = await factories.submitted(owner, now)
    staged = await factories.staged(request_id, f"merchant:{owner}")
    actor = Actor(Role.MERCHANT, f"merchant:{owner}", owner)
    message_id = await post_message(request_id, actor, "商户", "box", now, staged_files=[staged])
    assert isinstance(message_id, int)
    (file_id,) = [
        row["id"]
        for row in await EvidenceFile.select(EvidenceFile.id).where(
            EvidenceFile.message == message_id
        )
    ]

    await factories.sign_in(client, await factories.merchant("13900139000"))
    assert (await client.get(f"/files/{file_id}/original")).status_code == 404


async def test_staff_see_every_file_of_a_request_where_it_was_attached(
    client: Client, second_browser: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now)
    merchant = Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id)
    await factories.staff_session(second_browser, await factories.staff("wangfang", "reviewer"))

    in_message = await factories.staged(request_id, merchant.id, "in-message.jpg")
    assert isinstance(
        await post_message(request_id, merchant, "商户", "box", now, staged_files=[in_message]),
        int,
    )
    opened = await SideCase.insert(
        SideCase(request=request_id, kind="logistics", body="Lost", opened_by=merchant.id)
    ).returning(SideCase.id)
    in_case = await factories.staged(request_id, merchant.id, "in-case.jpg")
    in_case_message = await post_message(
        request_id,
        merchant,
        "商户",
        "The courier lost it",
        now,
        side_case_id=opened[0]["id"],
        staged_files=[in_case],
    )
    assert isinstance(in_case_message, int), in_case_message
    await factories.staff_decides(
        request_id, Action.REJECT, now, reason_code="other", message="worn"
    )
    with_appeal = await factories.staged(request_id, merchant.id, "with-appeal.jpg")
    appealed = await apply_action(
        request_id,
        Command(Action.APPEAL, "It was broken on arrival"),
        merchant,
        now,
        staged_files=[with_appeal],
    )
    assert not hasattr(appealed, "code"), appealed
    in_note = await _staff_posts(second_browser, rma, "note", "Check the courier", "in-note.png")

    screen = await second_browser.get(f"/staff/requests/{rma}")

    files = {row["original_name"]: row["id"] for row in await EvidenceFile.select()}
    assert {"in-message.jpg", "in-case.jpg", "with-appeal.jpg", "in-note.png"} <= set(files)
    history = screen.text.split('id="timeline-heading"', 1)[1].split("</ol>", 1)[0]
    assert f"/staff/files/{files['with-appeal.jpg']}/" in history
    case = re.search(r'id="case-\d+".*?</section>', screen.text, re.S)
    assert case and f"/staff/files/{files['in-case.jpg']}/" in case.group(0)
    thread = screen.text.split('id="thread-heading"', 1)[1]
    assert f"/staff/files/{files['in-message.jpg']}/" in thread
    assert f"/staff/files/{in_note}/" in thread
    # the merchant's side shows theirs, in the same places, and not the note's
    await factories.sign_in(client, merchant_id)
    page = await client.get(f"/returns/{rma}")
    for name in ("in-message.jpg", "with-appeal.jpg"):
        assert f"/files/{files[name]}/" in page.text, name
    case_page = await client.get(f"/returns/{rma}/cases/{opened[0]['id']}")
    assert f"/files/{files['in-case.jpg']}/" in case_page.text
    for seen in (page, case_page):
        assert f"/files/{in_note}/" not in seen.text


async def test_staff_pick_files_as_merchants_do_and_send_them_with_a_note(
    client: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    _, rma = await factories.submitted(merchant_id, now)
    await factories.staff_session(client, await factories.staff("wangfang", "reviewer"))
    client.headers["Accept-Language"] = "en"
    screen = await client.get(f"/staff/requests/{rma}")
    assert 'class="picker-input" id="f-write-files"' in screen.text  # the merchant's picker
    assert f'data-hx-post="/staff/requests/{rma}/staged"' in screen.text
    token = factories.token_in(screen.text)

    staged = await client.post(
        f"/staff/requests/{rma}/staged",
        files=[("files", ("label.png", _png((10, 10, 10)), "image/png"))],
        data={"_csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert staged.status_code == 200 and "<html" not in staged.text
    (file_id,) = re.findall(r'name="staged" value="(\d+)"', staged.text)
    thumb = await client.get(f"/staff/requests/{rma}/staged/{file_id}/thumb")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    sent = await client.post(
        f"/staff/requests/{rma}/messages",
        data={"body": "SN label", "kind": "note", "staged": file_id, "_csrf_token": token},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    (row,) = await EvidenceFile.select(EvidenceFile.id).where(
        EvidenceFile.original_name == "label.png"
    )
    assert f"/staff/files/{row['id']}/thumb" in (await client.get(f"/staff/requests/{rma}")).text
    # a merchant's session cannot stage on the staff screen, nor see what staff staged
    await factories.sign_in(client, merchant_id)
    refused = await client.get(
        f"/staff/requests/{rma}/staged/{file_id}/thumb", follow_redirects=False
    )
    assert refused.status_code == 303 and refused.headers["location"].startswith("/staff/login")


async def test_the_staff_screen_names_the_channel_in_words(client: Client, now: datetime) -> None:
    _, rma = await factories.submitted(await factories.merchant(), now)
    await factories.staff_session(client, await factories.staff("wangfang", "reviewer"))
    client.headers["Accept-Language"] = "en"
    screen = await client.get(f"/staff/requests/{rma}")
    assert "<dd>Merchant portal</dd>" in screen.text and "<dd>web</dd>" not in screen.text
    client.headers["Accept-Language"] = "zh-CN"
    assert "<dd>web</dd>" not in (await client.get(f"/staff/requests/{rma}")).text
