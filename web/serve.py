"""`python -m web.serve`: ReturnDesk's web server, the one command `make dev`, `make stack`, the
tests, the benchmarks and production start — uvicorn with every limit bounded.

uvicorn alone lets a client that dribbles its request head (a byte a second) hold a connection
for as long as it likes: its keep-alive timer restarts on every byte. `HeadDeadline` gives the
head of each request a deadline from the moment the connection is idle, and a size, and closes
connections that miss either. Production still puts a reverse proxy with header and body
timeouts in front (deploy/nginx.conf); this is the bound when nothing is in front.

Options, each defaulting to its environment variable: --host HOST (127.0.0.1), --port PORT
(8000), --processes WEB_PROCESSES (1), --trusted-proxies TRUSTED_PROXIES (whose X-Forwarded-For
is believed; nobody's by default); HEADER_TIMEOUT_SECONDS (10) from the environment alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from lifetime import end_with
from settings import whole_number_from_env

APP = "web.app:app_from_env"
# a request head (request line + headers) larger than this is refused: ours are a few hundred
# bytes, a browser's with every cookie a few KB
HEAD_BYTES = 32 * 1024
KEEP_ALIVE_SECONDS = 5
# past this many connections and tasks at once a process answers 503 at once rather than queue
# without bound (each is memory; a proxy in front holds the rest)
CONCURRENCY = 1024
# the supervisor's pid, for its processes (a process of a supervisor killed with SIGKILL would
# otherwise go on serving the shared socket, with no one left to stop it)
SUPERVISOR = "RETURNDESK_WEB_SUPERVISOR"


class HeadDeadline(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, with each request head due within the header timeout and
    no larger than HEAD_BYTES."""

    head_seconds = float(whole_number_from_env("HEADER_TIMEOUT_SECONDS", 10))

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_bytes = self._parsed_head = 0
        self._head_due: asyncio.TimerHandle | None = None
        self._await_head()

    def _await_head(self) -> None:
        self._drop_deadline()
        self._head_bytes = self._parsed_head = 0
        self._head_due = self.loop.call_later(self.head_seconds, self._head_overdue)

    def _drop_deadline(self) -> None:
        if self._head_due is not None:
            self._head_due.cancel()
            self._head_due = None

    def _head_overdue(self) -> None:
        self._head_due = None
        if not self.transport.is_closing():
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        awaiting = self._head_due is not None
        if awaiting:
            self._head_bytes += len(data)
        super().data_received(data)
        # the bytes of a head still unfinished once this data is parsed (a packet that brings a
        # whole head and the start of a large body is a request; a whole head's size is
        # counted by the parser's callbacks below)
        if awaiting and self._head_due is not None and self._head_bytes > HEAD_BYTES:
            self._drop_deadline()
            if not self.transport.is_closing():
                self.send_400_response("Request head too large")

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value))
        super().on_header(name, value)

    def _count_head(self, size: int) -> None:
        """Within the parser: raising here makes it refuse the request (400) before anything
        of it reaches the app."""
        self._parsed_head += size
        if self._parsed_head > HEAD_BYTES:
            raise ValueError("request head too large")

    def on_headers_complete(self) -> None:
        self._drop_deadline()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._drop_deadline()
        super().connection_lost(exc)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="ReturnDesk's web server")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=whole_number_from_env("PORT", 8000))
    parser.add_argument("--processes", type=int, default=whole_number_from_env("WEB_PROCESSES", 1))
    parser.add_argument("--trusted-proxies", default=os.environ.get("TRUSTED_PROXIES", ""))
    parser.add_argument("--app", default=APP, help="module:factory (or an app object, below)")
    parser.add_argument("--not-factory", action="store_true", help="--app names an app object")
    args = parser.parse_args(argv)
    # the app reads who its proxies are (web.observe believes their headers, uvicorn does not)
    os.environ["TRUSTED_PROXIES"] = args.trusted_proxies.strip()
    if args.app == APP and args.processes > 1:
        # several processes: a database that is not ReturnDesk's, or not migrated, is said once,
        # here, and the server does not start (one process says it on start-up)
        refusal = asyncio.run(_database_refusal())
        if refusal:
            print(f"ReturnDesk will not start: {refusal}", file=sys.stderr)
            raise SystemExit(3)
        os.environ[SUPERVISOR] = str(os.getpid())
    with _metrics_folder():
        uvicorn.run(
            args.app,
            factory=not args.not_factory,
            host=args.host,
            port=args.port,
            workers=max(1, args.processes),
            http=HeadDeadline,
            loop="uvloop",
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            limit_concurrency=CONCURRENCY,
            proxy_headers=False,
            # one line per request comes from the app itself (web.observe), not uvicorn
            access_log=False,
            log_level="warning",
        )


def end_with_supervisor() -> None:
    """In one of the server's processes: end, gracefully, when the supervisor does."""
    supervisor = os.environ.get(SUPERVISOR, "")
    if supervisor.isdigit() and int(supervisor) != os.getpid():
        end_with(int(supervisor), gracefully=True)


async def _database_refusal() -> str:
    from db.engine import bind_database, close_database
    from db.health import DatabaseNotReady, wait_for_served_database
    from settings import database_url_from_env

    bind_database(database_url_from_env(), 0)
    try:
        await wait_for_served_database(whole_number_from_env("DATABASE_WAIT_SECONDS", 60))
    except DatabaseNotReady as refusal:
        return str(refusal)
    finally:
        await close_database()
    return ""


@contextlib.contextmanager
def _metrics_folder() -> Iterator[None]:
    """The processes of this server count requests in files of one folder of their own (read
    whole by /metrics), made fresh and removed when the server stops. Set before any process
    imports prometheus-client, which chooses how to count when imported."""
    folder = tempfile.mkdtemp(prefix="returndesk-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    try:
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
