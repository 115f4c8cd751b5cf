"""Files join a request inside its transaction: a file sent with an action is staged first and
attached by the action itself, so guards count real files and a refused action attaches none."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from PIL import Image

from db.files import LocalFileStore
from db.staging import purge_staged
from db.tables import Event, EvidenceFile, ReturnRequest, StagedFile
from domain.lifecycle import Action
from tests.integration import factories


def photo() -> bytes:
    out = BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 30)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
async def asked(client: Any, now: datetime) -> tuple[int, str]:
    """A request the reviewer asked about: the merchant may answer with a photo alone."""
    merchant_id = await factories.merchant()
    await factories.sign_in(client, merchant_id)
    request_id, rma = await factories.submitted(merchant_id, now)
    await factories.staff_decides(request_id, Action.ASK_INFO, now, message="Photo of the SN?")
    client.headers["Accept-Language"] = "en"
    return request_id, rma


async def _post(client: Any, rma: str, path: str, fields: dict[str, str], files: Any) -> Any:
    token = await factories.csrf_token(client, f"/returns/{rma}")
    row = await ReturnRequest.select(ReturnRequest.version).where(ReturnRequest.rma == rma).first()
    version = str(row["version"])
    return await client.post(
        f"/returns/{rma}/{path}",
        data={**fields, "version": version, "_csrf_token": token},
        files=files,
        follow_redirects=False,
    )


async def test_an_answer_of_photos_only_counts_the_files_that_really_attach(
    client: Any, asked: tuple[int, str]
) -> None:
    request_id, rma = asked
    response = await _post(
        client, rma, "answer", {"answer": ""}, [("files", ("sn.jpg", photo(), "image/jpeg"))]
    )
    assert response.status_code == 303
    event = (
        await Event.select(Event.id)
        .where((Event.request == request_id) & (Event.action == "resubmit"))
        .first()
    )
    [attached] = await EvidenceFile.select().where(EvidenceFile.event == event["id"])
    assert attached["original_name"] == "sn.jpg"
    assert await StagedFile.count() == 0


async def test_a_refused_action_attaches_nothing_and_its_files_are_purged_later(
    client: Any, asked: tuple[int, str], tmp_path: Any
) -> None:
    request_id, rma = asked
    await ReturnRequest.update({ReturnRequest.state: "rejected"}).where(
        ReturnRequest.id == request_id
    )  # an appeal is not possible from here (no appeal window): the action is refused
    response = await _post(
        client,
        rma,
        "appeal",
        {"statement": "see photo"},
        [("files", ("a.jpg", photo(), "image/jpeg"))],
    )
    assert response.status_code == 422
    assert await EvidenceFile.count().where(EvidenceFile.request == request_id) == 1  # the draft's
    [staged] = await StagedFile.select()
    store: LocalFileStore = client.app.state.files
    assert store.local_path(staged["stored_name"]) is not None
    assert await purge_staged(store, datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert store.local_path(staged["stored_name"]) is None
    assert await StagedFile.count() == 0


async def test_files_another_actor_staged_are_not_attached(
    client: Any, asked: tuple[int, str], now: datetime
) -> None:
    request_id, rma = asked
    stranger = await StagedFile.insert(
        StagedFile(
            request=request_id,
            uploaded_by="merchant:999",
            kind="image",
            original_name="theirs.jpg",
            stored_name="0" * 32 + ".jpg",
            content_type="image/jpeg",
            size=1,
            sha256="0" * 64,
            created_at=now,
        )
    ).returning(StagedFile.id)
    response = await _post(
        client, rma, "answer", {"answer": "here", "staged": str(stranger[0]["id"])}, None
    )
    assert response.status_code == 303
    assert await EvidenceFile.count().where(EvidenceFile.original_name == "theirs.jpg") == 0
    assert await StagedFile.count() == 1


async def test_removing_a_draft_file_moves_the_drafts_version(client: Any, now: datetime) -> None:
    merchant_id = await factories.merchant()
    await factories.sign_in(client, merchant_id)
    order_id, items = await factories.order(merchant_id, now - timedelta(days=2))
    draft_id = await factories.draft(merchant_id, order_id, items, evidence=0)
    token = await factories.csrf_token(client, f"/returns/drafts/{draft_id}/step/3")
    await client.post(
        f"/returns/drafts/{draft_id}/evidence",
        files=[("files", ("a.jpg", photo(), "image/jpeg"))],
        data={"_csrf_token": token},
    )
    [file] = await EvidenceFile.select(EvidenceFile.id).where(EvidenceFile.request == draft_id)
    version = (
        await ReturnRequest.select(ReturnRequest.version).where(ReturnRequest.id == draft_id)
    )[0]
    await client.post(
        f"/returns/drafts/{draft_id}/evidence/{file['id']}/delete", data={"_csrf_token": token}
    )
    after = (await ReturnRequest.select(ReturnRequest.version).where(ReturnRequest.id == draft_id))[
        0
    ]
    # a submit that counted the files before the removal now meets a newer version
    assert after["version"] == version["version"] + 1


async def test_the_picker_stages_shows_and_takes_back_files_then_the_form_attaches_them(
    client: Any, asked: tuple[int, str]
) -> None:
    _request_id, rma = asked
    page = await client.get(f"/returns/{rma}")
    assert f'data-hx-post="/returns/{rma}/staged"' in page.text  # the answer form's picker
    token = factories.token_in(page.text)
    picked = await client.post(
        f"/returns/{rma}/staged",
        files=[
            ("files", ("a.jpg", photo(), "image/jpeg")),
            ("files", ("b.jpg", photo(), "image/jpeg")),
        ],
        headers={"HX-Request": "true", "x-csrftoken": token},
    )
    assert picked.status_code == 200 and "<html" not in picked.text
    ids = re.findall(r'name="staged" value="(\d+)"', picked.text)
    assert len(ids) == 2
    thumb = await client.get(f"/returns/{rma}/staged/{ids[0]}/thumb")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    removed = await client.post(
        f"/returns/{rma}/staged/{ids[1]}/remove",
        headers={"HX-Request": "true", "x-csrftoken": token},
    )
    assert removed.status_code == 200
    response = await _post(client, rma, "answer", {"answer": "", "staged": ids[0]}, None)
    assert response.status_code == 303
    names = [
        f["original_name"]
        for f in await EvidenceFile.select().where(EvidenceFile.event.is_not_null())
    ]
    assert names == ["a.jpg"]
    assert await StagedFile.count() == 0


async def test_a_stranger_cannot_see_or_take_back_a_staged_file(
    client: Any, asked: tuple[int, str]
) -> None:
    _request_id, rma = asked
    token = await factories.csrf_token(client, f"/returns/{rma}")
    picked = await client.post(
        f"/returns/{rma}/staged",
        files=[("files", ("a.jpg", photo(), "image/jpeg"))],
        headers={"HX-Request": "true", "x-csrftoken": token},
    )
    [file_id] = re.findall(r'name="staged" value="(\d+)"', picked.text)
    await factories.sign_in(client, await factories.merchant())
    assert (await client.get(f"/returns/{rma}/staged/{file_id}/thumb")).status_code == 404
    other = await factories.csrf_token(client)
    gone = await client.post(f"/returns/{rma}/staged/{file_id}/remove", data={"_csrf_token": other})
    assert gone.status_code == 404
    assert await StagedFile.count() == 1
