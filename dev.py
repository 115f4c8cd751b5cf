"""`make dev`: one command that runs ReturnDesk on this machine with demo data.

Starts the embedded Redis (unless REDIS_URL is set), migrates and seeds the database, then runs
the arq worker and the web server as child processes. A child that stops is started again
(the embedded Redis too), so one crash never takes the rest down; Ctrl-C or SIGTERM stops all.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import subprocess
import sys
import time

from db.engine import bind_database, close_database, open_database, run_migrations
from db.seed import DEMO_MERCHANT_PHONES, DEMO_STAFF, seed_demo
from settings import Settings
from workers.embedded_redis import EmbeddedRedis

# The worker, and the web server on a port: the same two processes production runs.
WORKER_COMMAND = [sys.executable, "-m", "arq", "workers.settings.WorkerSettings"]
RESTART_DELAY = 1.0


def web_command(
    port: int, trusted_proxies: tuple[str, ...] = (), app: str = "--factory web.app:app_from_env"
) -> list[str]:
    """uvicorn with one process. X-Forwarded-For is believed only from TRUSTED_PROXIES: by
    default from nobody, so a client cannot choose the address its limits count under."""
    proxies = (
        ["--proxy-headers", "--forwarded-allow-ips", ",".join(trusted_proxies)]
        if trusted_proxies
        else ["--no-proxy-headers"]
    )
    return [
        sys.executable, "-m", "uvicorn", *app.split(),
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", *proxies,
    ]  # fmt: skip


async def prepare_database(settings: Settings) -> None:
    bind_database(settings.database_url, 0)
    await open_database()
    try:
        # Piccolo narrates each migration; `make dev` says only what matters (the banner)
        with contextlib.redirect_stdout(io.StringIO()):
            await run_migrations()
        await seed_demo()
    finally:
        await close_database()


class Child:
    """A process `make dev` keeps running: started again when it stops on its own."""

    def __init__(self, name: str, command: list[str]) -> None:
        self.name, self.command = name, command
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command)  # noqa: S603 - our own fixed commands

    def stopped(self) -> bool:
        return self.process is None or self.process.poll() is not None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def main() -> int:
    os.environ.setdefault("DEBUG", "1")  # before settings are read, and for the children
    settings = Settings.from_env()
    redis: EmbeddedRedis | None = None
    if not settings.redis_url:
        redis = EmbeddedRedis(settings.data_dir)
        redis.start()
        os.environ["REDIS_URL"] = redis.url
    children = [
        Child("worker", WORKER_COMMAND),
        Child("web server", web_command(settings.port, settings.trusted_proxies)),
    ]
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        asyncio.run(prepare_database(settings))
        for child in children:
            child.start()
        print(banner(settings), flush=True)
        while not stopping:
            time.sleep(0.3)
            if redis is not None and not redis.running():
                print("The embedded Redis stopped; starting it again.", file=sys.stderr)
                redis.start()
            for child in children:
                if child.stopped() and not stopping:
                    print(f"The {child.name} stopped; starting it again.", file=sys.stderr)
                    time.sleep(RESTART_DELAY)
                    child.start()
    finally:
        for child in children:
            child.stop()
        if redis is not None:
            redis.stop()
        print("ReturnDesk stopped.", flush=True)
    return 0


def banner(settings: Settings) -> str:
    phones = ", ".join(DEMO_MERCHANT_PHONES)
    staff = ", ".join(f"{member.username} / {member.password}" for member in DEMO_STAFF)
    return f"""
  ReturnDesk is running at http://127.0.0.1:{settings.port}

  Merchant sign-in (phone + one-time code; codes appear at /dev/outbox):
    {phones}
  Staff sign-in at http://127.0.0.1:{settings.port}/staff/login (user / password):
    {staff}

  Data: {settings.database_url}   Queue: {os.environ.get("REDIS_URL")}
  Press Ctrl-C to stop.
"""


if __name__ == "__main__":
    sys.exit(main())
