"""Hostile uploads cost little and never give a 500: each file of the corpus is refused in
words that name it, or accepted re-encoded with nothing of its payload left — and the real web
server, taking the whole corpus four uploads at a time, stays under 400 MB."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from db.evidence import draft_files
from dev import web_command
from domain.evidence import STORED_EDGE
from settings import PROJECT_ROOT
from tests.hostile_files import SCRIPT_BYTES, Hostile, corpus
from tests.integration import factories
from tests.integration.test_return_form import _start, token

CORPUS = list(corpus())
RSS_LIMIT_MB = 400


@pytest.fixture
async def merchant(client: Any) -> int:
    merchant_id = await factories.merchant(phone="13812345678")
    await factories.sign_in(client, merchant_id)
    client.headers["Accept-Language"] = "en"
    return merchant_id


@pytest.mark.parametrize("hostile", CORPUS, ids=[h.name for h in CORPUS])
async def test_each_hostile_file_is_refused_by_name_or_kept_harmless(
    client: Any, merchant: int, now: datetime, hostile: Hostile
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    response = await client.post(
        f"/returns/drafts/{draft_id}/evidence",
        files=[("files", (hostile.name, hostile.content, "image/jpeg"))],
        data={"_csrf_token": await token(client)},
        follow_redirects=False,
    )
    files = await draft_files(draft_id)
    if hostile.outcome != "accepted":
        assert response.status_code == 422
        assert f"“{hostile.name}”" in response.text and hostile.outcome in response.text
        assert files == []
        return
    assert response.status_code == 303
    [row] = files
    stored = (client.app.state.files.directory / row["stored_name"]).read_bytes()
    assert not any(payload in stored for payload in SCRIPT_BYTES)  # the "profile" is gone
    assert b"PK\x03\x04" not in stored  # so is what rode after the picture
    image = Image.open(BytesIO(stored))
    assert max(image.size) <= STORED_EDGE and "icc_profile" not in image.info


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """The production command (dev.web_command), one process, on the test database."""
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "DATABASE_POOL_SIZE": "5", "FILES_DIR": str(tmp_path)}
    log = (tmp_path / "web.log").open("wb")
    process = subprocess.Popen(
        web_command(port), cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not _healthy(url):
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError((tmp_path / "web.log").read_text())
        time.sleep(0.1)
    yield url, process.pid
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _memory_mb(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {name: int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM")}


async def test_the_web_server_stays_under_400_mb_through_the_corpus_four_at_a_time(
    server: tuple[str, int], now: datetime
) -> None:
    url, pid = server
    merchant_id = await factories.merchant(phone="13812345678")
    order_id, items = await factories.order(merchant_id, now - timedelta(days=2))
    drafts = [await factories.draft(merchant_id, order_id, items, evidence=0) for _ in range(4)]
    session = await factories.session_for(merchant_id)
    async with httpx.AsyncClient(
        base_url=url, cookies={"rd_session": session}, timeout=120
    ) as http:
        page = await http.get(f"/returns/drafts/{drafts[0]}/step/3")
        csrf = factories.token_in(page.text)

        async def upload(draft_id: int, hostile: Hostile) -> int:
            response = await http.post(
                f"/returns/drafts/{draft_id}/evidence",
                files=[("files", (hostile.name, hostile.content, "image/png"))],
                headers={"x-csrftoken": csrf},
            )
            return response.status_code

        for hostile in CORPUS:
            codes = await asyncio.gather(*(upload(d, hostile) for d in drafts))
            assert all(code in (200, 303, 422) for code in codes), (hostile.name, codes)
    memory = _memory_mb(pid)
    assert memory["VmHWM"] < RSS_LIMIT_MB, memory  # the peak, not just what is left
