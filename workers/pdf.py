"""PDF rendering: Jinja templates from templates/documents/ to WeasyPrint, in a process of its
own so that a render never holds the worker's event loop (or its GIL) while SMS jobs wait.

WeasyPrint fetches nothing but the documents' own assets (the font, the stylesheet) and
data: URIs: a merchant-typed "file:///etc/passwd" or "http://169.254.169.254/" stays text."""

from __future__ import annotations

import asyncio
import atexit
import base64
import functools
import io
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import barcode
import jinja2
import segno
from barcode.writer import ImageWriter
from PIL import Image

from settings import PROJECT_ROOT

DOCUMENTS_DIR = (PROJECT_ROOT / "templates" / "documents").resolve()

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(DOCUMENTS_DIR),
    autoescape=True,
    undefined=jinja2.StrictUndefined,  # a missing fact fails the job, never prints blank
)


# Both codes are small black-and-white PNGs, one pixel per module, scaled up without smoothing
# (image-rendering: pixelated in documents.css): sharp in print, and drawn at once, where an
# SVG of hundreds of modules cost a quarter of the page's render time.


def qr_data_uri(text: str) -> str:
    """The QR code of `text` (black on white, for black-and-white print)."""
    return str(segno.make(text, error="m").png_data_uri(scale=3, border=2))


BARCODE_DPI = 300  # the barcode's pixels are its print resolution: 4 pixels a module


def code128_data_uri(text: str) -> dict[str, str]:
    """A Code 128 barcode of `text` (a warehouse scanner reads the RMA): the PNG and its size
    in millimetres, so the page prints each module at exactly its width."""
    out = io.BytesIO()
    module = 4 / BARCODE_DPI * 25.4  # mm
    options = {"module_width": module, "module_height": 12.0, "write_text": False,
               "quiet_zone": 6.5, "dpi": BARCODE_DPI}  # fmt: skip
    barcode.get("code128", text, writer=ImageWriter(format="PNG", mode="1")).write(
        out, options=options
    )
    width, height = Image.open(io.BytesIO(out.getvalue())).size
    return {"src": "data:image/png;base64," + base64.b64encode(out.getvalue()).decode(),
            "width": f"{width / BARCODE_DPI * 25.4:.2f}mm", "height": f"{height / BARCODE_DPI * 25.4:.2f}mm"}  # fmt: skip


def html_of(template: str, context: dict[str, Any]) -> str:
    return _env.get_template(template).render(**context)


def _allowed_file(url: str) -> bool:
    parsed = urlparse(url)
    path = Path(unquote(parsed.path)).resolve()
    return parsed.scheme == "file" and path.is_relative_to(DOCUMENTS_DIR) and path.is_file()


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    class OwnAssetsOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:") or _allowed_file(url):
                return super().fetch(url, headers)
            raise ValueError(f"not fetched: {url[:120]}")

    return OwnAssetsOnly()


@functools.cache
def _prepared() -> tuple[Any, Any, Any]:
    """What every render shares, made once per renderer process: the fetcher, the fonts
    (the CJK font is parsed once, not per page) and the documents' stylesheet."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fetcher, fonts = _fetcher(), FontConfiguration()
    css = CSS(filename=str(DOCUMENTS_DIR / "documents.css"), font_config=fonts, url_fetcher=fetcher)
    return fetcher, fonts, css


# let the font configuration clean up its temporary folder while the interpreter still can
atexit.register(_prepared.cache_clear)


def render_pdf(html: str) -> bytes:
    """The PDF of `html` (run in the pool's process). Relative URLs resolve in DOCUMENTS_DIR;
    the documents' stylesheet is applied here, so templates do not link it."""
    from weasyprint import HTML

    fetcher, fonts, css = _prepared()
    document = HTML(string=html, base_url=str(DOCUMENTS_DIR) + "/", url_fetcher=fetcher)
    return bytes(document.write_pdf(stylesheets=[css], font_config=fonts))


class PdfPool:
    """One process renders PDFs (WeasyPrint holds the GIL for a hundred milliseconds a page):
    the worker's event loop keeps sending SMS meanwhile. Started lazily, once per worker."""

    def __init__(self, processes: int = 1) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None

    async def render(self, html: str) -> bytes:
        if self._pool is None:
            # forkserver: the renderer starts clean, not as a copy of a process holding an
            # event loop, database connections and threads
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes, mp_context=multiprocessing.get_context("forkserver")
            )
        return await asyncio.get_running_loop().run_in_executor(self._pool, render_pdf, html)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
