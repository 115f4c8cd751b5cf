"""On a phone on a slow connection, a photo whose upload loses the connection halfway finishes by
itself when the connection returns (tus-js-client against web.merchant.resumable), and a
12 MP photo is made the kept size on the phone before it is sent."""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image
from playwright.async_api import BrowserContext, Request, expect

from tests.browser.conftest import PHONE_VIEWPORT
from tests.browser.test_phone_findings_browser import _merchant_with_an_order, to_step_3
from tests.photo_scenes import jpeg, scene


def _noisy_photo(path: Path, size: tuple[int, int], quality: int) -> Path:
    """A photo that compresses badly (sensor noise), so its bytes take a while to send."""
    rng = random.Random(3)
    image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    path.write_bytes(buffer.getvalue())
    return path


async def test_an_upload_cut_off_halfway_finishes_when_the_connection_returns(
    live_server: str, browser_contexts: list[BrowserContext], tmp_path: Path
) -> None:
    context = browser_contexts[0]  # with script
    page = await context.new_page()
    await page.set_viewport_size(PHONE_VIEWPORT)
    await _merchant_with_an_order()
    await to_step_3(page, live_server)
    photo = _noisy_photo(tmp_path / "cracked.jpg", (1800, 1200), 90)  # under the kept size
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")

    async def link(offline: bool) -> None:  # a weak 4G link: 400 KB/s up; or none
        await cdp.send("Network.emulateNetworkConditions", {
            "offline": offline, "latency": 80, "downloadThroughput": 1_000_000,
            "uploadThroughput": 400_000})  # fmt: skip

    await link(offline=False)
    chunks: list[str] = []
    page.on("request", lambda r: chunks.append(r.method) if "/returns/uploads/" in r.url else None)

    await page.locator("#f-files").set_input_files(str(photo))
    bar = page.locator(".uploads progress")
    await page.wait_for_function("(document.querySelector('.uploads progress') || {}).value >= 50")
    await link(offline=True)
    await expect(page.locator(".uploads .upload-state")).to_contain_text("网络恢复后将继续")
    sent_before = int(await bar.get_attribute("value") or 0)
    await page.wait_for_timeout(1500)
    await link(offline=False)

    await expect(page.locator(".thumbs img")).to_have_count(1, timeout=60_000)
    assert sent_before >= 50
    assert "HEAD" in chunks  # it asked where it was, and went on from there
    assert chunks.count("PATCH") <= 6  # 1 MB chunks of a ~3 MB photo, with one resumed: not re-sent


async def test_a_12_mp_photo_is_sent_at_the_kept_size(
    live_server: str, browser_contexts: list[BrowserContext], tmp_path: Path
) -> None:
    context = browser_contexts[0]
    page = await context.new_page()
    await _merchant_with_an_order()
    await to_step_3(page, live_server)
    photo = tmp_path / "big.jpg"  # 12 MP, as a phone takes it
    photo.write_bytes(jpeg(scene(11).resize((4000, 3000)), 95))
    lengths: list[int] = []

    def created(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/uploads"):
            lengths.append(int(request.headers["upload-length"]))

    page.on("request", created)
    await page.locator("#f-files").set_input_files(str(photo))
    await expect(page.locator(".thumbs img")).to_have_count(1, timeout=60_000)
    assert lengths and lengths[0] < photo.stat().st_size * 0.75, (lengths, photo.stat().st_size)
