"""Evidence uploads: checked by content, stripped of location, stored privately, served only to the owner."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import anyio
import pytest
from litestar.testing import AsyncTestClient
from PIL import Image

from db.evidence import add_to_draft, draft_files, remove_from_draft
from db.files import LocalFileStore
from db.tables import EvidenceFile, ReturnRequest
from domain.evidence import PreparedFile
from settings import PROJECT_ROOT
from tests.integration import factories
from tests.integration.test_return_form import _start, post, token

Client = AsyncTestClient  # type: ignore[type-arg]


def photo(size: tuple[int, int] = (640, 480), *, gps: bool = True, fmt: str = "JPEG") -> bytes:
    """A photo as a phone makes it: EXIF with DateTimeOriginal (Beijing time) and a GPS position."""
    image = Image.new("RGB", size, (180, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "Xiaomi"
    exif.get_ifd(0x8769)[0x9003] = "2026:11:02 14:05:09"
    if gps:
        position = exif.get_ifd(0x8825)
        position[1], position[2] = "N", (31.0, 13.0, 40.0)
        position[3], position[4] = "E", (121.0, 27.0, 30.0)
    out = BytesIO()
    image.save(out, fmt, exif=exif)
    return out.getvalue()


def stored_path(client: Any, name: str) -> Path:
    store: LocalFileStore = client.app.state.files
    return store.directory / name


def prepared(name: str = "a.jpg") -> PreparedFile:
    return PreparedFile(name, "image", "image/jpeg", ".jpg", photo(), None, "0" * 64, None)


@pytest.fixture
async def merchant(client: Any) -> int:
    merchant_id = await factories.merchant(phone="13812345678")
    await factories.sign_in(client, merchant_id)
    client.headers["Accept-Language"] = "en"
    return merchant_id


async def upload(client: Any, draft_id: int, files: list[tuple[str, bytes, str]]) -> Any:
    return await client.post(
        f"/returns/drafts/{draft_id}/evidence",
        files=[("files", file) for file in files],
        data={"_csrf_token": await token(client)},  # as a browser with JavaScript off sends it
        follow_redirects=False,
    )


async def test_a_photo_is_stored_without_location_and_keeps_when_it_was_taken(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    original = photo()
    assert Image.open(BytesIO(original)).getexif().get_ifd(0x8825)  # the upload has GPS
    response = await upload(client, draft_id, [("店里拍的.jpg", original, "image/jpeg")])
    assert response.status_code == 303
    assert response.headers["location"] == f"/returns/drafts/{draft_id}/step/3"

    [row] = await draft_files(draft_id)
    assert row["kind"] == "image" and row["content_type"] == "image/jpeg"
    assert row["original_name"] == "店里拍的.jpg"
    assert row["sha256"] == hashlib.sha256(original).hexdigest()
    taken = row["taken_at"] if row["taken_at"].tzinfo else row["taken_at"].replace(tzinfo=UTC)
    assert taken == datetime(2026, 11, 2, 6, 5, 9, tzinfo=UTC)  # 14:05:09 in Beijing

    stored = stored_path(client, row["stored_name"])
    assert not stored.is_relative_to(PROJECT_ROOT / "static")
    assert row["stored_name"] != "店里拍的.jpg"
    kept = Image.open(stored)
    assert not kept.getexif().get_ifd(0x8825) and not dict(kept.getexif())
    assert b"Xiaomi" not in stored.read_bytes()

    full = await client.get(f"/files/{row['id']}/original")
    assert full.status_code == 200
    assert full.headers["content-type"] == "image/jpeg"
    assert full.headers["x-content-type-options"] == "nosniff"
    assert full.headers["content-disposition"].startswith("inline")
    assert full.content == stored.read_bytes()
    thumb = await client.get(f"/files/{row['id']}/thumb")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert max(Image.open(BytesIO(thumb.content)).size) <= 320

    step3 = await client.get(f"/returns/drafts/{draft_id}/step/3")
    assert f'src="/files/{row["id"]}/thumb"' in step3.text


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "HEIF"])
async def test_png_webp_and_heic_photos_are_accepted(
    client: Client, merchant: int, now: datetime, fmt: str
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    response = await upload(client, draft_id, [(f"p.{fmt.lower()}", photo(fmt=fmt), "image/*")])
    assert response.status_code == 303
    [row] = await draft_files(draft_id)
    stored = Image.open(stored_path(client, row["stored_name"]))
    assert stored.format == {"PNG": "PNG", "WEBP": "WEBP", "HEIF": "JPEG"}[fmt]
    assert not stored.getexif().get_ifd(0x8825)
    assert row["taken_at"] is not None


async def test_a_pdf_is_accepted_and_downloaded_as_an_attachment(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = await upload(client, draft_id, [("发票.pdf", pdf, "application/pdf")])
    assert response.status_code == 303
    [row] = await draft_files(draft_id)
    assert row["kind"] == "pdf" and row["thumb_name"] == ""
    served = await client.get(f"/files/{row['id']}/original")
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("attachment")
    assert served.content == pdf
    assert (await client.get(f"/files/{row['id']}/thumb")).status_code == 404


async def test_a_text_file_named_jpg_is_refused_by_its_content(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    response = await upload(
        client, draft_id, [("照片.jpg", b"just some text, honest", "image/jpeg")]
    )
    assert response.status_code == 422
    assert "“照片.jpg” is not a photo or PDF we can accept" in response.text
    assert await EvidenceFile.count() == 0


async def test_a_damaged_photo_is_refused(client: Client, merchant: int, now: datetime) -> None:
    draft_id, _ = await _start(client, merchant, now)
    response = await upload(client, draft_id, [("cut.jpg", photo()[:600], "image/jpeg")])
    assert response.status_code == 422
    assert "“cut.jpg” could not be opened" in response.text


async def test_a_file_over_10_mb_is_refused_by_name(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    big = photo() + b"\0" * (10 * 1024 * 1024)
    response = await upload(
        client, draft_id, [("big.jpg", big, "image/jpeg"), ("ok.jpg", photo(), "image/jpeg")]
    )
    assert response.status_code == 422
    assert "“big.jpg” is larger than 10 MB" in response.text
    assert [row["original_name"] for row in await draft_files(draft_id)] == ["ok.jpg"]


async def test_the_eleventh_file_is_refused(client: Client, merchant: int, now: datetime) -> None:
    draft_id, _ = await _start(client, merchant, now)
    small = photo((32, 32), gps=False)
    first = await upload(client, draft_id, [(f"{i}.jpg", small, "image/jpeg") for i in range(9)])
    assert first.status_code == 303
    response = await upload(
        client, draft_id, [("ten.jpg", small, "image/jpeg"), ("eleven.jpg", small, "image/jpeg")]
    )
    assert response.status_code == 422
    assert "“eleven.jpg” was not added: at most 10 files" in response.text
    assert await EvidenceFile.count() == 10
    step3 = await client.get(f"/returns/drafts/{draft_id}/step/3")
    assert 'type="file"' not in step3.text  # no room left: the picker says so instead


async def test_the_store_refuses_an_eleventh_file_and_keeps_no_bytes_of_it(
    client: Client, merchant: int, now: datetime, tmp_path: Path
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    store = LocalFileStore(tmp_path)
    for i in range(10):
        assert isinstance(await add_to_draft(store, draft_id, merchant, prepared(f"{i}.jpg")), int)
    assert await add_to_draft(store, draft_id, merchant, prepared("x.jpg")) is None
    kept = [name async for name in anyio.Path(tmp_path).iterdir()]
    assert len(kept) == 10  # the refused file's bytes went with it


async def test_removing_a_file_while_the_request_is_a_draft(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    await upload(client, draft_id, [("a.jpg", photo(), "image/jpeg")])
    [row] = await draft_files(draft_id)
    response = await post(client, f"/returns/drafts/{draft_id}/evidence/{row['id']}/delete", {})
    assert response.status_code == 303
    assert await draft_files(draft_id) == []
    assert not stored_path(client, row["stored_name"]).exists()
    assert not stored_path(client, row["thumb_name"]).exists()


async def test_submitted_evidence_cannot_be_deleted(
    client: Client, merchant: int, now: datetime, tmp_path: Path
) -> None:
    order_id, items = await factories.order(merchant, now - timedelta(days=2))
    request_id = await factories.draft(merchant, order_id, items, evidence=0)
    store = LocalFileStore(tmp_path)
    file_id = await add_to_draft(store, request_id, merchant, prepared())
    assert isinstance(file_id, int)
    await ReturnRequest.update({ReturnRequest.state: "submitted"}).where(
        ReturnRequest.id == request_id
    )
    assert await remove_from_draft(store, request_id, merchant, file_id) is False
    assert len(await draft_files(request_id)) == 1


async def test_discarding_a_draft_deletes_its_files(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    await upload(client, draft_id, [("a.jpg", photo(), "image/jpeg")])
    [row] = await draft_files(draft_id)
    assert stored_path(client, row["stored_name"]).exists()
    await post(client, f"/returns/drafts/{draft_id}/discard", {})
    assert not stored_path(client, row["stored_name"]).exists()
    assert await EvidenceFile.count() == 0


async def test_another_merchant_gets_404_for_files_and_uploads(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    await upload(client, draft_id, [("a.jpg", photo(), "image/jpeg")])
    [row] = await draft_files(draft_id)
    intruder = await factories.merchant()
    await factories.sign_in(client, intruder)
    assert (await client.get(f"/files/{row['id']}/original")).status_code == 404
    assert (await client.get(f"/files/{row['id']}/thumb")).status_code == 404
    assert (await upload(client, draft_id, [("b.jpg", photo(), "image/jpeg")])).status_code == 404
    removed = await post(client, f"/returns/drafts/{draft_id}/evidence/{row['id']}/delete", {})
    assert removed.status_code == 404
    assert len(await draft_files(draft_id)) == 1


async def test_files_are_not_served_to_the_signed_out(
    client: Client, merchant: int, now: datetime
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    await upload(client, draft_id, [("a.jpg", photo(), "image/jpeg")])
    [row] = await draft_files(draft_id)
    client.cookies.delete("rd_session")
    response = await client.get(f"/files/{row['id']}/original", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
