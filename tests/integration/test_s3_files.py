"""The S3-compatible file store against a local emulator the test starts (moto in server
mode): files go in and out by name, and a file URL still checks who may have it before it
redirects to a short-lived presigned link."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from moto.server import ThreadedMotoServer

from db.s3_files import S3FileStore
from tests.integration import factories

BUCKET = "returndesk-test"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):  # fmt: skip
        monkeypatch.setenv(name, value)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


async def _store(endpoint: str) -> S3FileStore:
    store = S3FileStore(BUCKET, endpoint_url=endpoint)
    async with store._client() as client:
        await client.create_bucket(Bucket=BUCKET)
    return store


async def test_files_go_in_and_out_by_name_and_are_deleted(s3: str) -> None:
    store = await _store(s3)
    name = await store.save(b"%PDF-1.7 test", ".pdf")
    assert await store.read(name) == b"%PDF-1.7 test" and store.local_path(name) is None
    await store.delete([name])
    with pytest.raises(Exception, match=r"NoSuchKey|Not Found|404"):
        await store.read(name)
    with pytest.raises(ValueError):
        await store.read("../../etc/passwd")


async def test_a_file_url_checks_access_then_redirects_to_a_presigned_link(
    s3: str, client: Any, now: datetime
) -> None:
    from db.evidence import stage
    from db.staging import attach_staged
    from db.tables import EvidenceFile
    from web.images import prepare_upload

    store = await _store(s3)
    client.app.state.files = store
    client.follow_redirects = False
    merchant = await factories.merchant()
    request_id, _ = await factories.submitted(merchant, now, evidence=0, reason="change_of_mind")
    prepared = await prepare_upload("发票 照片.png", _png())
    await attach_staged(
        [await stage(store, request_id, f"merchant:{merchant}", prepared)], request_id
    )
    kept = await EvidenceFile.select(EvidenceFile.id, EvidenceFile.stored_name).first()
    file_id = kept["id"]
    await factories.staff_session(client, await factories.staff("wang", "reviewer"))
    answer = await client.get(f"/staff/files/{file_id}/original")
    assert answer.status_code == 303 and answer.headers["location"].startswith(s3)
    async with httpx.AsyncClient() as browser:  # as a browser follows the redirect
        fetched = await browser.get(answer.headers["location"])
    assert fetched.status_code == 200 and fetched.content == await store.read(kept["stored_name"])
    assert "filename*=UTF-8''" in fetched.headers["content-disposition"]
    client.cookies.clear()
    outlet = await factories.outlet("SZ01")
    await factories.staff_session(
        client, await factories.staff("desk", "counter", outlet_id=outlet)
    )
    assert (await client.get(f"/staff/files/{file_id}/original")).status_code == 404


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (20, 20), (200, 100, 0)).save(buffer, "PNG")
    return buffer.getvalue()
