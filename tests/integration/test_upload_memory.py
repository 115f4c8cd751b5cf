"""What hostile uploads cost the real server: the web process started with the production command,
its image process and every other child together stay under 400 MB while they take the hostile
corpus (files just under every limit among them) four uploads at a time, and ten bombs in one
request beside three requests of the costliest files still accepted; an ordinary photo uploaded
meanwhile is stored; twenty resumable uploads at once. The image process itself cannot grow past a hard limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from db.evidence import draft_files
from tests.hostile_files import (
    TOO_LARGE,
    Hostile,
    corpus,
    just_under_the_limits,
    ordinary_photo,
    zero_png,
)
from tests.integration import factories
from tests.integration.live import web_server
from tests.photo_scenes import phone_photo
from tests.process_memory import TreeMemory, process_tree

RSS_LIMIT_MB = 400
Upload = list[tuple[str, bytes]]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """The production command (dev.web_command), one process, on the test database."""
    with web_server(tmp_path) as running:
        yield running


class Merchant:
    """A signed-in merchant with drafts, uploading to the real server."""

    def __init__(self, http: httpx.AsyncClient, drafts: list[int], csrf: str) -> None:
        self.http, self.drafts, self.csrf = http, drafts, csrf

    async def upload(self, draft_id: int, files: Upload) -> httpx.Response:
        return await self.http.post(
            f"/returns/drafts/{draft_id}/evidence",
            files=[("files", (name, content, "image/png")) for name, content in files],
            headers={"x-csrftoken": self.csrf, "Accept-Language": "en"},
        )


@asynccontextmanager
async def signed_in(url: str, now: datetime, drafts: int) -> AsyncIterator[Merchant]:
    merchant_id = await factories.merchant(phone="13812345678")
    session = await factories.session_for(merchant_id)
    order_id, items = await factories.order(merchant_id, now - timedelta(days=2))
    ids = [await factories.draft(merchant_id, order_id, items, evidence=0) for _ in range(drafts)]
    async with httpx.AsyncClient(
        base_url=url, cookies={"rd_session": session}, timeout=300
    ) as http:
        page = await http.get(f"/returns/drafts/{ids[0]}/step/3")
        yield Merchant(http, ids, factories.token_in(page.text))


async def test_the_server_and_its_children_stay_under_400_mb_through_the_corpus_four_at_a_time(
    server: tuple[str, int], now: datetime
) -> None:
    url, pid = server
    hostile_files = list(corpus())
    async with signed_in(url, now, drafts=4) as merchant:
        with TreeMemory(pid) as memory:
            for hostile in hostile_files:
                responses = await asyncio.gather(
                    *(
                        merchant.upload(d, [(hostile.name, hostile.content)])
                        for d in merchant.drafts
                    )
                )
                codes = [r.status_code for r in responses]
                assert all(code in (303, 422) for code in codes), (hostile.name, codes)
    assert memory.peak_mb < RSS_LIMIT_MB, memory.report()


async def test_ten_bombs_in_one_request_are_refused_while_a_photo_uploaded_meanwhile_is_stored(
    server: tuple[str, int], now: datetime
) -> None:
    url, pid = server
    bombs = [(f"bomb{i}.png", zero_png(7071, "RGBA")) for i in range(10)]
    costliest: list[Hostile] = list(just_under_the_limits())
    heavy = [(h.name, h.content) for h in costliest]
    photo = [("photo.jpg", ordinary_photo())]
    async with signed_in(url, now, drafts=5) as merchant:
        with TreeMemory(pid) as memory:
            uploads = [
                asyncio.create_task(merchant.upload(d, files))
                for d, files in zip(merchant.drafts, [bombs, heavy, heavy, heavy], strict=False)
            ]
            stored = await merchant.upload(merchant.drafts[4], photo)
            refused, *accepted = await asyncio.gather(*uploads)
    assert stored.status_code == 303
    assert [f["original_name"] for f in await draft_files(merchant.drafts[4])] == ["photo.jpg"]
    assert refused.status_code == 422
    assert all(f"“{name}” is {TOO_LARGE}" in refused.text for name, _ in bombs), refused.text
    assert await draft_files(merchant.drafts[0]) == []
    assert [r.status_code for r in accepted] == [303, 303, 303]
    assert memory.peak_mb < RSS_LIMIT_MB, memory.report()


async def _resumably(merchant: Merchant, draft_id: int, photo: bytes) -> int:
    """One photo sent over tus as the return form's script sends it: created, then 1 MB chunks;
    the status of the last chunk."""
    from tests.integration.test_resumable_uploads import CHUNK, TUS, _meta

    headers = {"x-csrftoken": merchant.csrf, "Accept-Language": "en"}
    created = await merchant.http.post(f"/returns/drafts/{draft_id}/uploads", headers={
        **headers, **TUS, "Upload-Length": str(len(photo)), "Upload-Metadata": _meta("p.jpg")})  # fmt: skip
    assert created.status_code == 201, created.text
    status = 0
    for offset in range(0, len(photo), 1024 * 1024):
        sent = await merchant.http.patch(created.headers["Location"],
            content=photo[offset : offset + 1024 * 1024],
            headers={**headers, **CHUNK, "Upload-Offset": str(offset)})  # fmt: skip
        status = sent.status_code
    return status


async def test_twenty_resumable_uploads_at_once_stay_under_400_mb_and_all_land(
    server: tuple[str, int], now: datetime
) -> None:
    """Twenty phones sending a 12 MP photo each over tus at the same moment: every chunk kept as
    it arrives, each whole photo checked in the one image process in turn."""
    url, pid = server
    photos = [phone_photo(40 + i) for i in range(20)]  # about 4 MB each
    async with signed_in(url, now, drafts=20) as merchant:
        with TreeMemory(pid) as memory:
            statuses = await asyncio.gather(
                *(_resumably(merchant, d, p) for d, p in zip(merchant.drafts, photos, strict=True))
            )
    assert statuses == [204] * 20
    for draft_id in merchant.drafts:
        assert [f["original_name"] for f in await draft_files(draft_id)] == ["p.jpg"]
    assert memory.peak_mb < RSS_LIMIT_MB, memory.report()


def _image_processes(pid: int) -> list[int]:
    """The server's children that multiprocessing spawned to work (not its resource tracker)."""
    return [
        child
        for child in process_tree(pid)[1:]
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def _data_limit(pid: int) -> tuple[float, float]:
    """The soft and hard limit on a process's writable memory (RLIMIT_DATA), in bytes."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max data size"):
            soft, hard = (float(v.replace("unlimited", "inf")) for v in line.split()[3:5])
            return soft, hard
    raise AssertionError(f"no data limit listed for {pid}")


async def test_the_image_process_runs_under_a_hard_memory_limit(
    server: tuple[str, int], now: datetime
) -> None:
    url, pid = server
    async with signed_in(url, now, drafts=1) as merchant:
        response = await merchant.upload(merchant.drafts[0], [("photo.jpg", ordinary_photo())])
    assert response.status_code == 303
    decoders = _image_processes(pid)
    assert len(decoders) == 1  # one image process, however many uploads
    soft, hard = _data_limit(decoders[0])
    assert soft == hard < RSS_LIMIT_MB * 1024 * 1024
