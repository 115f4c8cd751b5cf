"""A camera for the browser tests: Chromium's fake capture device playing a Y4M file of a printed
code, as a phone's camera would see a label held in front of it."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import barcode
import segno
from PIL import Image, ImageDraw
from playwright.async_api import Browser, async_playwright

from tests.chromium import CHROMIUM, CHROMIUM_ARGS

FRAME = (640, 480)


def code128_label(text: str) -> Image.Image:
    """A white label with a Code 128 of `text` across it, 3 px a module, as a sticker prints."""
    modules = barcode.get("code128", text).build()[0]
    frame = Image.new("L", FRAME, 255)
    draw = ImageDraw.Draw(frame)
    left = (FRAME[0] - 3 * len(modules)) // 2
    assert left > 30, "the code does not fit the frame with its quiet zones"
    for i, module in enumerate(modules):
        if module == "1":
            draw.rectangle([left + 3 * i, 160, left + 3 * i + 2, 320], fill=0)
    return frame.convert("RGB")


def qr_label(text: str) -> Image.Image:
    frame = Image.new("RGB", FRAME, "white")
    png = io.BytesIO()
    segno.make_qr(text, error="m").save(png, kind="png", scale=6, border=4)
    code = Image.open(png).convert("RGB")
    frame.paste(code, ((FRAME[0] - code.width) // 2, (FRAME[1] - code.height) // 2))
    return frame


def write_y4m(image: Image.Image, path: Path, frames: int = 10) -> Path:
    """`image` as a Y4M video (4:2:0), the format Chromium's fake camera plays in a loop."""
    width, height = image.size
    y, cb, cr = image.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + (b"FRAME\n" + planes) * frames)
    return path


@asynccontextmanager
async def browser_with_camera(video: Path) -> AsyncIterator[Browser]:
    """Chromium whose one camera shows `video`."""
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            yield browser
        finally:
            await browser.close()
