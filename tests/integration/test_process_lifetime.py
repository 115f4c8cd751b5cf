"""Helper processes end with the process that started them: a worker or web process killed
with SIGKILL leaves no PDF renderer, image decoder, forkserver or resource tracker behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from settings import PROJECT_ROOT
from tests.process_memory import process_tree

# each starts a pool the way the worker or the web process does, uses it once, says so, waits
USES = {
    "pdf renderer": """
import asyncio
from workers.pdf import PdfPool
pool = PdfPool()
asyncio.run(pool.render("<p>ReturnDesk</p>"))
""",
    "image decoder": """
import io
from PIL import Image
from web.images import _image_process
photo = io.BytesIO()
Image.new("RGB", (64, 64), "red").save(photo, "JPEG")
_image_process.prepare("a.jpg", photo.getvalue())
""",
}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; it waits only for its parent to collect it


@pytest.mark.parametrize("helper", sorted(USES))
def test_helpers_end_when_their_process_is_killed(helper: str) -> None:
    script = USES[helper] + "\nprint('ready', flush=True)\nimport time\ntime.sleep(600)\n"
    parent = subprocess.Popen(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None and parent.stdout.readline().strip() == "ready"
        helpers = process_tree(parent.pid)[1:]
        assert helpers, "the pool started no process"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in helpers) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [pid for pid in helpers if _alive(pid)]
    finally:
        parent.kill()
    for pid in left:
        os.kill(pid, signal.SIGKILL)  # not left behind by the test either
    assert left == [], f"{helper}: processes left running after their parent was killed"
