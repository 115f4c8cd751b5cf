"""PDF rendering: Jinja templates from templates/documents/ to WeasyPrint, in a process of its
own so that a render never holds the worker's event loop (or its GIL) while SMS jobs wait.

WeasyPrint fetches nothing but the documents' own assets (the font, the stylesheet) and
data: URIs: a merchant-typed "file:///etc/passwd" or "http://169.254.169.254/" stays text."""

from __future__ import annotations

import asyncio
import base64
import io
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import barcode
import jinja2
import segno
from barcode.writer import SVGWriter

from settings import PROJECT_ROOT

DOCUMENTS_DIR = (PROJECT_ROOT / "templates" / "documents").resolve()

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(DOCUMENTS_DIR),
    autoescape=True,
    undefined=jinja2.StrictUndefined,  # a missing fact fails the job, never prints blank
)


def qr_data_uri(text: str) -> str:
    """The QR code of `text` as an SVG data: URI (black on white, for black-and-white print)."""
    svg = segno.make(text, error="m").svg_data_uri(scale=4, border=2)
    return str(svg)


def code128_data_uri(text: str) -> str:
    """A Code 128 barcode of `text` as an SVG data: URI (a warehouse scanner reads the RMA)."""
    out = io.BytesIO()
    writer_options = {"module_height": 12.0, "write_text": False, "quiet_zone": 2.0}
    barcode.get("code128", text, writer=SVGWriter()).write(out, options=writer_options)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


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


def render_pdf(html: str) -> bytes:
    """The PDF of `html` (run in the pool's process). Relative URLs resolve in DOCUMENTS_DIR."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=str(DOCUMENTS_DIR) + "/", url_fetcher=_fetcher())
    return bytes(document.write_pdf())


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
