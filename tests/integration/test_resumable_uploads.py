"""Resumable uploads (tus 1.0.0) for the return form's photos, spoken as tus-js-client speaks it:
a photo sent in chunks lands in the draft as a form upload does; a chunk cut off midway keeps
what arrived and the rest follows; the protocol's refusals (409, 460, 404 for another session,
410 once expired, 412, 415, 413); a completed upload that is a bomb, a script or a cut-off file
is refused as the form refuses it, and nothing is added; a polyglot is kept as its photo alone."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from db.evidence import draft_files
from db.resumable import purge_expired_uploads
from db.tables import ResumableUpload
from tests.hostile_files import Hostile, corpus, small_jpeg
from tests.integration import factories
from tests.integration.live import web_server
from tests.photo_scenes import jpeg, scene

TUS = {"Tus-Resumable": "1.0.0"}
CHUNK = {**TUS, "Content-Type": "application/offset+octet-stream"}


@pytest.fixture
async def draft(client: Any, now: datetime) -> int:
    merchant_id = await factories.merchant(phone="13812345678")
    await factories.sign_in(client, merchant_id)
    client.headers["Accept-Language"] = "en"
    client.headers["X-CSRFToken"] = await factories.csrf_token(client, "/")
    order_id, items = await factories.order(merchant_id, now - timedelta(days=3))
    return await factories.draft(merchant_id, order_id, items, evidence=0)


def _meta(filename: str) -> str:
    return "filename " + base64.b64encode(filename.encode()).decode()


async def _create(client: Any, draft: int, content: bytes, name: str = "柜台.jpg") -> str:
    created = await client.post(f"/returns/drafts/{draft}/uploads", headers={
        **TUS, "Upload-Length": str(len(content)), "Upload-Metadata": _meta(name)})  # fmt: skip
    assert created.status_code == 201, created.text
    assert created.headers["Tus-Resumable"] == "1.0.0" and "Upload-Expires" in created.headers
    return str(created.headers["Location"])


async def _send(client: Any, url: str, offset: int, piece: bytes, **headers: str) -> Any:
    return await client.patch(
        url, content=piece, headers={**CHUNK, "Upload-Offset": str(offset), **headers}
    )


async def _offset(client: Any, url: str) -> int:
    answer = await client.head(url, headers=TUS)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    return int(answer.headers["Upload-Offset"])


async def test_a_photo_sent_in_chunks_lands_in_the_draft(client: Any, draft: int) -> None:
    photo = jpeg(scene(7))
    url = await _create(client, draft, photo)
    step = 200_000
    for offset in range(0, len(photo), step):
        answer = await _send(client, url, offset, photo[offset : offset + step])
        assert answer.status_code == 204, answer.text
        assert int(answer.headers["Upload-Offset"]) == min(offset + step, len(photo))
    files = await draft_files(draft)
    assert [f["original_name"] for f in files] == ["柜台.jpg"]
    assert (await client.head(url, headers=TUS)).status_code == 404  # done: the upload is gone
    assert await ResumableUpload.count() == 0


async def test_a_chunk_cut_off_midway_keeps_what_arrived(tmp_path: Path, now: datetime) -> None:
    """On the real server: the connection drops halfway through a PATCH; what arrived is kept
    and the rest follows from there (a resume sends only what is missing)."""
    photo = jpeg(scene(8))
    half = len(photo) // 2
    merchant_id = await factories.merchant(phone="13812345678")
    order_id, items = await factories.order(merchant_id, now - timedelta(days=3))
    draft = await factories.draft(merchant_id, order_id, items, evidence=0)
    session = await factories.session_for(merchant_id)
    with web_server(tmp_path) as (url, _):
        async with httpx.AsyncClient(base_url=url, cookies={"rd_session": session}) as http:
            page = await http.get(f"/returns/drafts/{draft}/step/3")
            http.headers["X-CSRFToken"] = factories.token_in(page.text)
            upload = await _create(http, draft, photo)
            _send_and_drop(url, upload, session, http.headers["X-CSRFToken"], photo, half)
            for _ in range(100):  # the server records the part once it sees the drop
                if await _offset(http, upload) >= half:
                    break
                await asyncio.sleep(0.1)
            assert await _offset(http, upload) == half  # the bytes that came are kept
            answer = await _send(http, upload, half, photo[half:])
            assert answer.status_code == 204, answer.text
    assert len(await draft_files(draft)) == 1


def _send_and_drop(url: str, upload: str, session: str, csrf: str, photo: bytes, sent: int) -> None:
    """A PATCH announcing all of the photo whose connection is lost after `sent` bytes."""
    parts = urlsplit(url)
    head = (f"PATCH {upload} HTTP/1.1\r\nHost: {parts.netloc}\r\nCookie: rd_session={session}\r\n"
            f"X-CSRFToken: {csrf}\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
            f"Content-Type: application/offset+octet-stream\r\nContent-Length: {len(photo)}\r\n\r\n")  # fmt: skip
    with socket.create_connection((parts.hostname, parts.port)) as connection:
        connection.sendall(head.encode() + photo[:sent])
        time.sleep(0.5)  # the server reads what came before the connection is lost


async def test_the_protocols_refusals(client: Any, draft: int, second_browser: Any) -> None:
    photo = jpeg(scene(9))
    url = await _create(client, draft, photo)
    assert (await _send(client, url, 100, photo[100:200])).status_code == 409
    wrong = base64.b64encode(hashlib.sha1(b"something else").digest()).decode()
    mismatch = await _send(client, url, 0, photo[:1000], **{"Upload-Checksum": f"sha1 {wrong}"})
    assert mismatch.status_code == 460 and await _offset(client, url) == 0
    right = base64.b64encode(hashlib.sha1(photo[:1000]).digest()).decode()
    assert (
        await _send(client, url, 0, photo[:1000], **{"Upload-Checksum": f"sha1 {right}"})
    ).status_code == 204
    assert (
        await client.patch(url, content=b"x", headers={**TUS, "Upload-Offset": "1000"})
    ).status_code == 415
    assert (
        await client.patch(
            url,
            content=b"x",
            headers={"Content-Type": CHUNK["Content-Type"], "Upload-Offset": "1000"},
        )
    ).status_code == 412

    other = await factories.merchant(phone="13900000000")
    await factories.sign_in(second_browser, other)
    assert (await second_browser.head(url, headers=TUS)).status_code == 404  # another session's

    too_big = await client.post(f"/returns/drafts/{draft}/uploads",
                                headers={**TUS, "Upload-Length": str(11 * 1024 * 1024)})  # fmt: skip
    assert too_big.status_code == 413

    await ResumableUpload.update(
        {ResumableUpload.expires_at: datetime.now(UTC) - timedelta(minutes=1)}
    ).where(ResumableUpload.key == url.rsplit("/", 1)[1])
    assert (await client.head(url, headers=TUS)).status_code == 410
    assert (await _send(client, url, 1000, photo[1000:])).status_code == 410


async def test_termination_forgets_the_upload(client: Any, draft: int) -> None:
    url = await _create(client, draft, b"x" * 5000)
    assert (await _send(client, url, 0, b"x" * 1000)).status_code == 204
    assert (await client.delete(url, headers=TUS)).status_code == 204
    assert (await client.head(url, headers=TUS)).status_code == 404
    assert await ResumableUpload.count() == 0


@pytest.mark.parametrize(
    "hostile",
    [h for h in corpus() if h.name in ("bomb.png", "svg.jpg", "page.png", "cut.jpg")],
    ids=lambda h: h.name,
)
async def test_a_completed_upload_refused_by_content_adds_nothing(
    client: Any, draft: int, hostile: Hostile
) -> None:
    url = await _create(client, draft, hostile.content, name=hostile.name)
    answer = await _send(client, url, 0, hostile.content)
    assert answer.status_code == 422
    assert hostile.name in answer.text and hostile.outcome in answer.text  # as the form says
    assert await draft_files(draft) == []


async def test_a_completed_polyglot_is_kept_as_the_photo_alone(client: Any, draft: int) -> None:
    """A JPEG with a ZIP after it: re-encoded, as the form's uploads are, the ZIP left behind."""
    polyglot = small_jpeg() + b"PK\x03\x04" + b"\0" * 200
    url = await _create(client, draft, polyglot, name="polyglot.jpg")
    assert (await _send(client, url, 0, polyglot)).status_code == 204
    [kept] = await draft_files(draft)
    stored = await client.app.state.files.read(kept["stored_name"])
    assert stored.startswith(b"\xff\xd8") and b"PK\x03\x04" not in stored


async def test_housekeeping_purges_expired_uploads_and_their_parts(client: Any, draft: int) -> None:
    url = await _create(client, draft, b"x" * 5000)
    assert (await _send(client, url, 0, b"x" * 1000)).status_code == 204
    key = url.rsplit("/", 1)[1]
    row = (
        await ResumableUpload.select(ResumableUpload.parts)
        .where(ResumableUpload.key == key)
        .first()
    )
    parts = row["parts"].split()
    store = client.app.state.files
    assert len(parts) == 1 and store.local_path(parts[0]) is not None
    assert await purge_expired_uploads(store, datetime.now(UTC)) == 0  # not expired yet
    later = datetime.now(UTC) + timedelta(days=2)
    assert await purge_expired_uploads(store, later) == 1
    assert store.local_path(parts[0]) is None  # the part is gone from the file store
    assert await ResumableUpload.count() == 0
