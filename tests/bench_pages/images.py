"""`make bench`, the images section: ReturnDesk started with the production command (uvicorn, one
process) taking hostile uploads. For each load, the peak memory of the web process and all its
children together (read from /proc while they work: each process's own peak, summed over those
alive at once), how long it took, and how long an ordinary 12 MP photo uploaded meanwhile took
to be stored. The baseline, measured in the same run: the server at rest after storing one
ordinary photo alone, and that photo's time. Figures, not a test: nothing here passes or fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests import hostile_files
from tests.hostile_files import corpus, just_under_the_limits, zero_png
from tests.process_memory import TreeMemory

PHOTO_DELAY = 1.0  # seconds into a load when the ordinary photo is sent (most take many)
Files = list[tuple[str, bytes]]


async def prepare_drafts(count: int) -> tuple[str, list[int]]:
    """A merchant's session and `count` drafts to upload evidence to."""
    from db.engine import bind_database, close_database, open_database, run_migrations
    from tests.integration import factories

    bind_database(os.environ["DATABASE_URL"], 0)
    await open_database()
    await run_migrations()
    merchant_id = await factories.merchant(name="上海小杨生煎（静安店）")
    order_id, items = await factories.order(merchant_id, datetime.now(UTC) - timedelta(days=2))
    drafts = [await factories.draft(merchant_id, order_id, items, evidence=0) for _ in range(count)]
    session = await factories.session_for(merchant_id)
    await close_database()
    return session, drafts


class Uploader:
    def __init__(self, http: httpx.AsyncClient, drafts: list[int], token: str) -> None:
        self.http, self.drafts, self.token = http, drafts, token
        self.used = 0

    def draft(self) -> int:
        """A draft not used yet, so that no upload finds a draft already full."""
        self.used += 1
        return self.drafts[self.used - 1]

    async def upload(self, files: Files) -> tuple[int, float]:
        started = time.perf_counter()
        response = await self.http.post(
            f"/returns/drafts/{self.draft()}/evidence",
            files=[("files", (name, content, "image/png")) for name, content in files],
            headers={"x-csrftoken": self.token},
        )
        return response.status_code, time.perf_counter() - started


def ordinary_photo() -> Files:
    return [("photo.jpg", hostile_files.ordinary_photo())]


async def _measured(
    pid: int,
    label: str,
    uploader: Uploader,
    load: Callable[[], Awaitable[list[Any]]],
    photo_after: float = PHOTO_DELAY,
) -> None:
    """Run `load`, an ordinary photo sent `photo_after` seconds into it; print the figures."""
    with TreeMemory(pid) as memory:
        started = time.perf_counter()
        running = asyncio.ensure_future(load())
        await asyncio.sleep(photo_after)
        code, photo_seconds = await uploader.upload(ordinary_photo())
        answers = await running
        seconds = time.perf_counter() - started
    photo = f"photo meanwhile {photo_seconds:5.2f} s ({code})"
    print(f"  {label:<44} peak {memory.peak_mb:4.0f} MB   {seconds:6.1f} s   {photo}")
    if answers:
        print("    each request:", ", ".join(f"{code} in {s:.1f} s" for code, s in answers))
    print(f"    {memory.report()}")


async def _corpus(uploader: Uploader) -> list[tuple[int, float]]:
    for hostile in corpus():
        files = [(hostile.name, hostile.content)]
        await asyncio.gather(*(uploader.upload(files) for _ in range(4)))
    return []


async def _parallel(uploader: Uploader, requests: list[Files]) -> list[tuple[int, float]]:
    return list(await asyncio.gather(*(uploader.upload(files) for files in requests)))


async def images_section(url: str, pid: int, drafts: list[int], session: str) -> None:
    from web.cookies import SESSION, cookie_name
    from web.csrf import token_for

    token = token_for(os.environ["SECRET_KEY"], session)
    # DEBUG off: the production name, host-bound (web.cookies)
    cookies = {cookie_name(SESSION, secure=True): session}
    costliest = [(h.name, h.content) for h in just_under_the_limits()]
    costliest = (costliest * 2)[:10]
    bombs = [(f"bomb{i}.png", zero_png(7071, "RGBA")) for i in range(10)]
    async with httpx.AsyncClient(base_url=url, cookies=cookies, timeout=600) as http:
        uploader = Uploader(http, drafts, token)
        await uploader.upload(ordinary_photo())  # the image process started, warm
        with TreeMemory(pid) as memory:
            code, seconds = await uploader.upload(ordinary_photo())
        print(f"  {'baseline: one ordinary photo, alone':<44} peak {memory.peak_mb:4.0f} MB"
              f"   stored in {seconds:5.2f} s ({code})")  # fmt: skip
        print(f"    {memory.report()}")
        await _measured(pid, "hostile corpus, four uploads at a time", uploader,
                        lambda: _corpus(uploader))  # fmt: skip
        await _measured(pid, "ten bombs in one request", uploader,
                        lambda: _parallel(uploader, [bombs]), photo_after=0.0)  # fmt: skip
        await _measured(pid, "four requests of the ten costliest accepted", uploader,
                        lambda: _parallel(uploader, [costliest] * 4))  # fmt: skip
        await _measured(pid, "ten bombs beside three costliest requests", uploader,
                        lambda: _parallel(uploader, [bombs] + [costliest] * 3))  # fmt: skip


def _server_pid() -> int:
    """The uvicorn process `serving` started (a child of this one)."""
    from tests.process_memory import process_tree

    for pid in process_tree(os.getpid())[1:]:
        with contextlib.suppress(OSError):
            if b"web.serve" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
    raise RuntimeError("no uvicorn process found")


async def images_bench() -> None:
    from dev import web_command
    from tests.bench_pages.server import _free_port, serving

    session, drafts = await prepare_drafts(200)
    env = {**os.environ, "DEBUG": "0", "DATABASE_POOL_SIZE": "10"}
    port = _free_port()
    print("images: the real server (uvicorn, one process) and its children, taking uploads")
    with serving(web_command(port), env, port) as url:
        await images_section(url, _server_pid(), drafts, session)
