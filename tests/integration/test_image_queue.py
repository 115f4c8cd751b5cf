"""Files wait their turn for the image process one at a time: the file of the upload with the
fewest files left goes first, then first come, first served; a file whose request went away
while it waited is never decoded."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

from web.images import ImageProcess


def test_a_single_photo_goes_before_the_files_of_larger_uploads_already_waiting() -> None:
    queue = ImageProcess()
    busy = threading.Event()
    done: list[str] = []
    first = queue.submit(1, busy.wait)  # the file being decoded while the others arrive
    arrivals = [(10, "A1 of 10"), (10, "B1 of 10"), (2, "C9 of 10"), (1, "photo"), (2, "D1 of 2")]
    waiting: list[Future[Any]] = [
        queue.submit(files_left, lambda name=name: done.append(name))
        for files_left, name in arrivals
    ]
    busy.set()
    first.result(timeout=10)
    for future in waiting:
        future.result(timeout=10)
    assert done == ["photo", "C9 of 10", "D1 of 2", "A1 of 10", "B1 of 10"]


def test_a_file_whose_request_went_away_is_skipped() -> None:
    queue = ImageProcess()
    busy = threading.Event()
    done: list[str] = []
    first = queue.submit(1, busy.wait)
    gone = queue.submit(1, lambda: done.append("gone"))
    kept = queue.submit(2, lambda: done.append("kept"))
    assert gone.cancel()
    busy.set()
    first.result(timeout=10)
    kept.result(timeout=10)
    assert done == ["kept"] and gone.cancelled()
