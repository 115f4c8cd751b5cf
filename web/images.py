"""Where uploads are decoded: one image process per web process, never the web process itself.

Decoding a photo briefly needs hundreds of megabytes, and hostile files are built to make it
need more. In a process of its own that memory never lands in the web process (which stays
small however many uploads arrive), uploads queue one at a time instead of multiplying it,
and a decoder that crashes takes no page down. The process is replaced after a number of
files, so what one file leaves behind in its heap does not accumulate.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from domain.evidence import PreparedFile, clean_name, damaged
from domain.text import Text
from web import image_work

FILES_PER_PROCESS = 50
_pool: ProcessPoolExecutor | None = None
_files_in_pool = 0


def _executor() -> ProcessPoolExecutor:
    """The image process, replaced by a fresh one every FILES_PER_PROCESS files. (Python 3.11's
    own max_tasks_per_child can hang when a replacement starts while files are queued.)"""
    global _pool, _files_in_pool
    if _pool is not None and _files_in_pool >= FILES_PER_PROCESS:
        _pool.shutdown(wait=False)  # finishes what it holds, then its process exits
        _pool = None
    if _pool is None:
        # spawn: a fresh interpreter that imports only what decoding needs, not a copy of us
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        _files_in_pool = 0
    _files_in_pool += 1
    return _pool


async def prepare_upload(filename: str, content: bytes) -> PreparedFile | Text:
    """The file checked and re-encoded, or the words for why it cannot be accepted."""
    global _pool
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_executor(), image_work.prepare, filename, content)
    except BrokenProcessPool:
        # the decoder died on this file (out of memory, a crash in native code): refuse the
        # file, and start a fresh process for the next one
        _pool = None
        return damaged(clean_name(filename))


def shutdown_image_process() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None
