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
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import barcode
import jinja2
import segno
from PIL import Image

from lifetime import end_with
from settings import PROJECT_ROOT

DOCUMENTS_DIR = (PROJECT_ROOT / "templates" / "documents").resolve()

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(DOCUMENTS_DIR),
    autoescape=True,
    undefined=jinja2.StrictUndefined,  # a missing fact fails the job, never prints blank
)


# Both codes are tiny grayscale PNGs, one pixel per module, printed at an exact module size
# without smoothing (image-rendering: pixelated in documents.css): sharp in print, and cheap
# to embed. WeasyPrint converts a 1-bit or palette PNG to RGB and encodes it twice per page;
# an 8-bit gray one it takes as it is. An SVG of hundreds of modules cost a quarter of the
# page's render time.

# a Code 128 module (its X-dimension) that a warehouse scanner reads at arm's length
BARCODE_MODULE_MM = 0.34
BARCODE_HEIGHT_MM = 12.0
BARCODE_QUIET_MODULES = 10  # Code 128's quiet zone on each side


def _gray_png(rows: list[list[bool]]) -> str:
    """A data: URI of an 8-bit grayscale PNG: a True cell is a black pixel."""
    image = Image.new("L", (len(rows[0]), len(rows)), 255)
    image.putdata([0 if dark else 255 for row in rows for dark in row])
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def qr_data_uri(text: str) -> str:
    """The QR code of `text` (black on white, for black-and-white print)."""
    qr = segno.make(text, error="m")
    return _gray_png([[bool(cell) for cell in row] for row in qr.matrix_iter(border=2)])


def code128_data_uri(text: str) -> dict[str, str]:
    """A Code 128 barcode of `text` (a warehouse scanner reads the RMA): one row of modules
    with its quiet zones, and the size it prints at, so each module is exactly as wide."""
    modules = barcode.get("code128", text).build()[0]
    quiet = "0" * BARCODE_QUIET_MODULES
    row = [module == "1" for module in quiet + modules + quiet]
    return {"src": _gray_png([row]), "width": f"{len(row) * BARCODE_MODULE_MM:.2f}mm",
            "height": f"{BARCODE_HEIGHT_MM:.2f}mm"}  # fmt: skip


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
                max_workers=self.processes,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=end_with,
                initargs=(os.getpid(),),
            )
        return await asyncio.get_running_loop().run_in_executor(self._pool, render_pdf, html)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
