"""The web server's processes and the database's absences: a process its supervisor starts again
while the database does not answer waits for it (the server goes on serving), and the
processes end with a supervisor killed with SIGKILL.

The load run also kills a web process while PostgreSQL refuses connections
(tests/load/run.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.integration.live import free_port, healthy, web_server
from tests.process_memory import server_processes

ABSENT_SECONDS = 4


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a child ended but not yet reaped by its (killed) parent is a zombie: gone for our purposes
    status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return status != "Z"


class _Relay:
    """A TCP relay from 127.0.0.1:`port` to `upstream`, started on demand in a thread."""

    def __init__(self, port: int, upstream: tuple[str, int]) -> None:
        self.port, self.upstream = port, upstream
        self.loop = asyncio.new_event_loop()

    def start(self) -> None:
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        opened = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._pipe, "127.0.0.1", self.port), self.loop
        )
        opened.result(timeout=5)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        await asyncio.gather(_copy(reader, up_writer), _copy(up_reader, writer))


async def _copy(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
    try:
        while chunk := await source.read(65536):
            target.write(chunk)
            await target.drain()
    except OSError:
        pass
    finally:
        target.close()


def _wait_for(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="a PostgreSQL server that is not there yet: run with DATABASE_URL=postgresql://…",
)
def test_a_process_started_while_the_database_does_not_answer_waits_for_it(
    tmp_path: Path,
) -> None:
    """What a process its supervisor starts again during a database restart does: it waits,
    then serves, instead of failing its start (which stops the whole server). The database's
    address answers nothing at first; after a few seconds a relay to the real server opens
    there."""
    port = free_port()
    real = urlsplit(os.environ["DATABASE_URL"])
    env = {"DATABASE_URL": real._replace(netloc=f"{real.username}@127.0.0.1:{port}").geturl(),
           "DATABASE_WAIT_SECONDS": "60"}  # fmt: skip
    relay = _Relay(port, (real.hostname or "127.0.0.1", real.port or 5432))
    threading.Timer(ABSENT_SECONDS, relay.start).start()
    started = time.monotonic()
    try:
        with web_server(tmp_path, **env) as (url, _):
            assert time.monotonic() - started >= ABSENT_SECONDS
            assert "waiting for the database" in _log(tmp_path)
            assert httpx.get(url + "/readyz", timeout=5).status_code == 200
    finally:
        relay.stop()


def test_a_database_that_is_not_migrated_is_refused_without_waiting(tmp_path: Path) -> None:
    database = tmp_path / "empty.sqlite3"
    sqlite3.connect(database).close()
    env = {"DATABASE_URL": f"sqlite:///{database}", "DATABASE_WAIT_SECONDS": "60"}
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="Is it ReturnDesk's"), web_server(tmp_path, **env):
        pass
    assert time.monotonic() - started < 20


def test_the_processes_end_with_a_killed_supervisor(tmp_path: Path) -> None:
    with web_server(tmp_path, processes=2) as (url, supervisor):
        assert _wait_for(lambda: len(server_processes(supervisor)) == 2, 20)
        processes = server_processes(supervisor)
        os.kill(supervisor, signal.SIGKILL)
        # each finishes what it holds and ends; none goes on serving the shared socket
        assert _wait_for(lambda: not any(_alive(pid) for pid in processes), 15)
        assert not healthy(url)


def _log(folder: Path) -> str:
    return (folder / "web.log").read_text(errors="replace")
