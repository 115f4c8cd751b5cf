"""`make bench`, the phone section: the return form's photo step in Chromium on a 4G uplink
(500 KB/s, 80 ms), against ReturnDesk started with the production command. What a 12 MP photo
sends with and without being made the kept size on the phone first, and how soon an upload
whose connection drops at half goes on once the connection is back. Figures, not a test."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.async_api import Page, Request, async_playwright

from dev import web_command
from tests.bench_pages.server import _free_port, serving
from tests.bench_pages.summary import record
from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.photo_scenes import phone_photo
from web.cookies import SESSION, cookie_name

UPLINK = 500_000  # bytes a second up: a fair 4G link
LATENCY_MS = 80
DROPS = 3  # the median of three


async def _prepare() -> tuple[str, list[int]]:
    """A merchant's session and drafts at the photo step, one per upload measured."""
    from db.engine import bind_database, close_database, open_database, run_migrations
    from tests.integration import factories

    bind_database(os.environ["DATABASE_URL"], 0)
    await open_database()
    await run_migrations()
    merchant_id = await factories.merchant(name="杭州小笼包")
    order_id, items = await factories.order(merchant_id, datetime.now(UTC) - timedelta(days=2))
    drafts = [
        await factories.draft(merchant_id, order_id, items, evidence=0) for _ in range(2 + DROPS)
    ]
    session = await factories.session_for(merchant_id)
    await close_database()
    return session, drafts


class Link:
    """The page's network as DevTools emulates it: the 4G uplink, or none at all. One for the
    page: a second DevTools session's conditions would stand beside the first's."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.cdp: Any = None

    async def set(self, *, offline: bool) -> None:
        if self.cdp is None:
            self.cdp = await self.page.context.new_cdp_session(self.page)
            await self.cdp.send("Network.enable")
        await self.cdp.send("Network.emulateNetworkConditions", {
            "offline": offline, "latency": LATENCY_MS, "downloadThroughput": 2 * UPLINK,
            "uploadThroughput": UPLINK})  # fmt: skip


async def _at_photo_step(page: Page, url: str, draft: int) -> None:
    await page.goto(f"{url}/returns/drafts/{draft}/step/3")
    await page.wait_for_function(
        "typeof htmx !== 'undefined' && document.readyState === 'complete'"
    )


async def _send(link: Link, url: str, draft: int, photo: Path, *, on_the_phone: bool) -> tuple[int, float]:  # fmt: skip
    """Bytes the upload sent and the seconds until its thumbnail shows."""
    page = link.page
    await _at_photo_step(page, url, draft)
    if not on_the_phone:  # as if the phone sent the file as it is
        await page.evaluate("document.querySelector('[data-resumable]').dataset.keptEdge = 1e6")
    lengths: list[int] = []

    def created(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/uploads"):
            lengths.append(int(request.headers["upload-length"]))

    page.on("request", created)
    await link.set(offline=False)
    started = time.monotonic()
    await page.locator("#f-files").set_input_files(str(photo))
    await page.locator(".thumbs img").first.wait_for(timeout=120_000)
    page.remove_listener("request", created)
    return lengths[0], time.monotonic() - started


async def _drop_at_half(link: Link, url: str, draft: int, photo: Path) -> tuple[float, float]:
    """Cut the connection once half is sent, give it back 2 s later: the milliseconds from its
    return to the next chunk going out, and the seconds from its return to the thumbnail."""
    page = link.page
    await _at_photo_step(page, url, draft)
    await link.set(offline=False)
    chunks: list[float] = []
    page.on("request", lambda r: chunks.append(time.monotonic()) if r.method == "PATCH" else None)
    await page.locator("#f-files").set_input_files(str(photo))
    await page.wait_for_function("(document.querySelector('.uploads progress') || {}).value >= 50")
    await link.set(offline=True)
    await page.wait_for_timeout(2000)
    back = time.monotonic()
    await link.set(offline=False)
    await page.locator(".thumbs img").first.wait_for(timeout=120_000)
    done = time.monotonic() - back
    resumed = min(t for t in chunks if t >= back)
    return (resumed - back) * 1000, done


async def phone_section() -> None:
    session, drafts = await _prepare()
    # DEBUG on: the session cookie without its __Host- prefix, which asks for https
    env = {**os.environ, "DEBUG": "1", "DATABASE_POOL_SIZE": "5"}
    print(f"the phone (Chromium, 390×844, uplink {UPLINK // 1000} KB/s, {LATENCY_MS} ms)")
    with tempfile.TemporaryDirectory() as scratch:
        photo = Path(scratch) / "IMG_0001.jpg"
        photo.write_bytes(phone_photo(11))
        size = photo.stat().st_size
        port = _free_port()
        with serving(web_command(port), env, port) as url:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS
                )
                # bypass_csp: the measuring waits are page-side expressions, which the CSP (rightly) refuses
                context = await browser.new_context(
                    viewport={"width": 390, "height": 844}, bypass_csp=True
                )
                await context.add_cookies(
                    [{"name": cookie_name(SESSION, secure=False), "value": session, "url": url}]
                )
                link = Link(await context.new_page())
                scaled = await _send(link, url, drafts[0], photo, on_the_phone=True)
                unscaled = await _send(link, url, drafts[1], photo, on_the_phone=False)
                drops = [await _drop_at_half(link, url, d, photo) for d in drafts[2:]]
                await browser.close()
    print(f"  12 MP photo ({size / 1024:.0f} KB) made the kept size on the phone:"
          f" {scaled[0] / 1024:6.0f} KB sent, {scaled[1]:5.1f} s to its thumbnail")  # fmt: skip
    print(f"  the same photo sent as it is:               {unscaled[0] / 1024:6.0f} KB sent,"
          f" {unscaled[1]:5.1f} s   (ratio {scaled[0] / unscaled[0]:.2f})")  # fmt: skip
    resume = statistics.median(ms for ms, _ in drops)
    finish = statistics.median(s for _, s in drops)
    print(f"  connection cut at half for 2 s: the next chunk {resume:.0f} ms after it is back,"
          f" the photo done {finish:.1f} s after (median of {DROPS})")  # fmt: skip
    record("phone_photo_kb", scaled[0] / 1024)
    record("resume_ms", resume)
