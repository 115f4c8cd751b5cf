"""The web server as production starts it (dev.web_command, one uvicorn process) on the test
database, for tests that must speak HTTP to a real server."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from dev import web_command
from settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def web_server(folder: Path, processes: int = 1, **env: str) -> Iterator[tuple[str, int]]:
    """A running server's address and process id; its log is in `folder`/web.log."""
    port = free_port()
    environment = {**os.environ, "PORT": str(port), "DATABASE_POOL_SIZE": "5",
                   "FILES_DIR": str(folder), **env}  # fmt: skip
    log = folder / "web.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            web_command(port, processes=processes), cwd=PROJECT_ROOT, env=environment, stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while not healthy(url):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(log.read_text()[-3000:])
                time.sleep(0.1)
            yield url, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
