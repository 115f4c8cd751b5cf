"""Where uploads are decoded: one image process per web process, never the web process itself.

Decoding a photo needs up to a hundred megabytes (web.decode_cost keeps it there), and hostile
files are built to make it need more. In a process of its own that memory never lands in the
web process, which does not even load the decoders; a hard limit on the process's memory stops
whatever the header checks did not foresee, and a decoder that crashes takes no page down.

Files reach the process one at a time: one thread owns it and takes them from its queue.
Parallel uploads wait their turn instead of adding up; a file waiting is still in the upload's
temporary file, read into memory only when its turn comes. Each request sends its next file
only once the last is done, and the file of the upload with the fewest files left goes first
(then first come, first served): a merchant's one photo waits for the file being decoded, not
for someone else's ten, and every upload that is nearly done finishes soon. The process is
replaced after FILES_PER_PROCESS files, and after it met its limit, so what a file leaves
behind in its heap does not accumulate.
"""

from __future__ import annotations

import asyncio
import ctypes
import itertools
import multiprocessing
import os
import resource
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from queue import PriorityQueue
from typing import IO, Any

from domain.evidence import (
    MAX_BYTES,
    MAX_DECODED_BYTES,
    PreparedFile,
    clean_name,
    damaged,
    too_many_pixels,
)
from domain.text import Text
from lifetime import end_with

FILES_PER_PROCESS = 50
# What the image process may write beyond what it holds once started: one file's decoding
# (MAX_DECODED_BYTES), then its stored-size copies and the encoder's buffers, and the stacks of
# the HEIC decoder's threads. RLIMIT_DATA, not RLIMIT_AS: the address space also counts what
# is only reserved (each thread's malloc arena reserves 64 MB and touches little of it).
MEMORY_HEADROOM = MAX_DECODED_BYTES + 96 * 1024 * 1024
_M_MMAP_THRESHOLD = -3  # mallopt(3)


def _start_image_process(parent_pid: int) -> None:
    """The image process's first step: it ends with its web process, the decoders are loaded,
    then its memory capped."""
    end_with(parent_pid)
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)  # glibc's; others go without
    if mallopt is not None:
        # a buffer of more than 256 KB is mapped on its own and given back the moment it is
        # freed, so one file's decoded pixels never stay in the heap while the next decodes
        mallopt(_M_MMAP_THRESHOLD, 256 * 1024)
    # one file at a time: numpy's BLAS (under the photo hashes) needs no threads of its own,
    # each of which would reserve memory the cap below counts
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    from web import image_work  # noqa: F401  (imported now, not on the first file)

    limit = _writable_bytes() + MEMORY_HEADROOM
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))  # hard: never raised again


def _writable_bytes() -> int:
    """What RLIMIT_DATA counts of this process now (VmData)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmData:"):
            return int(line.split()[1]) * 1024
    return 0


def _prepare_in_image_process(filename: str, content: bytes) -> tuple[PreparedFile | Text, bool]:
    """The file checked and re-encoded; and whether the process met its memory limit doing it
    (then it is replaced)."""
    from web import image_work

    try:
        return image_work.prepare(filename, content), False
    except MemoryError:
        return too_many_pixels(clean_name(filename)), True


Job = tuple["Future[Any]", Callable[[], Any]]


class ImageProcess:
    """The image process and the one thread that hands it files, one at a time."""

    def __init__(self) -> None:
        # (files its upload has left, order of arrival, job)
        self._queue: PriorityQueue[tuple[int, int, Job]] = PriorityQueue()
        self._arrivals = itertools.count()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._files = 0

    def submit(self, files_left: int, work: Callable[[], Any]) -> Future[Any]:
        """`work` done on the owning thread in its turn; cancelled before it, it is skipped."""
        future: Future[Any] = Future()
        self._queue.put((files_left, next(self._arrivals), (future, work)))
        with self._starting:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="image-process", daemon=True)
                self._thread.start()
        return future

    def _run(self) -> None:
        while True:
            _files_left, _arrival, (future, work) = self._queue.get()
            if not future.set_running_or_notify_cancel():
                continue  # its request went away while it waited
            try:
                future.set_result(work())
            except BaseException as error:  # handed to whoever waits for it
                future.set_exception(error)

    def prepare(self, filename: str, content: bytes | IO[bytes]) -> PreparedFile | Text:
        """Runs on the owning thread: nothing else is ever queued in the process."""
        if not isinstance(content, bytes):
            try:  # one byte more than allowed is enough to say "too large"
                content = content.read(MAX_BYTES + 1)
            except (OSError, ValueError):  # the upload went away (its request was cancelled)
                return damaged(clean_name(filename))
        pool = self._pool or self._start()
        self._files += 1
        try:
            result, exhausted = pool.submit(_prepare_in_image_process, filename, content).result()
        except BrokenProcessPool:
            # the decoder died on this file (a crash in native code, killed): refuse the file,
            # and start a fresh process for the next one
            self._pool = None
            return damaged(clean_name(filename))
        if exhausted or self._files >= FILES_PER_PROCESS:
            self.close()
            self._start()  # the next one starts while this answer goes out, not when a file waits
        return result

    def _start(self) -> ProcessPoolExecutor:
        # spawn: a fresh interpreter that imports only what decoding needs, not a copy of us
        context = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(
            1, context, initializer=_start_image_process, initargs=(os.getpid(),)
        )
        self._pool.submit(int)  # starts the process now
        self._files = 0
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


_image_process = ImageProcess()


async def prepare_upload(
    filename: str, content: bytes | IO[bytes], files_left: int = 1
) -> PreparedFile | Text:
    """The file (its bytes, or a file to read them from when its turn comes) checked and
    re-encoded, or the words for why it cannot be accepted. `files_left`: how many files its
    upload still has to prepare, this one included; it waits behind files of uploads with fewer
    left, and those that came first."""
    future = _image_process.submit(files_left, lambda: _image_process.prepare(filename, content))
    result: PreparedFile | Text = await asyncio.wrap_future(future)
    return result


def shutdown_image_process() -> None:
    """Stop the image process once the files already queued are done."""
    _image_process.submit(sys.maxsize, _image_process.close).result()
