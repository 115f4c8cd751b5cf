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
from datetime import UTC, datetime
from pathlib import Path

from db.demo import play_stories
from db.engine import bind_database, close_database, open_database, run_migrations
from db.s3_files import file_store_for
from db.seed import DEMO_MERCHANT_PHONES, DEMO_STAFF, seed_demo, seed_demo_api_client
from settings import Settings
from workers.embedded_redis import EmbeddedRedis

# The worker, and the web server on a port: the same two processes production runs.
WORKER_COMMAND = [sys.executable, "-m", "arq", "workers.settings.WorkerSettings"]
RESTART_DELAY = 1.0


def web_command(
    port: int, trusted_proxies: tuple[str, ...] = (), app: str = "", processes: int = 1
) -> list[str]:
    """The web server (web.serve: uvicorn with bounded limits). X-Forwarded-For is believed
    only from TRUSTED_PROXIES: by default from nobody, so a client cannot choose the address
    its limits count under. `app` names a plain app object instead of ReturnDesk's factory
    (the benchmarks' bare page)."""
    command = [sys.executable, "-m", "web.serve", "--port", str(port),
               "--processes", str(processes), "--trusted-proxies", ",".join(trusted_proxies)]  # fmt: skip
    return command + (["--app", app, "--not-factory"] if app else [])


DEMO_API_KEY_FILE = "demo_api_key"  # under DATA_DIR, beside the generated secret key


async def prepare_database(settings: Settings) -> str | None:
    """Migrate and seed; the demo API key to print (development only)."""
    bind_database(settings.database_url, 0)
    await open_database()
    try:
        # Piccolo narrates each migration; `make dev` says only what matters (the banner)
        with contextlib.redirect_stdout(io.StringIO()):
            await run_migrations()
        await seed_demo(zone=settings.timezone)
        key = await demo_api_key(settings)
        # a few weeks of activity on the sample orders, through the stores (once)
        await play_stories(datetime.now(UTC), file_store_for(settings), settings.secret_key)
        return key
    finally:
        await close_database()


async def demo_api_key(settings: Settings) -> str | None:
    """The demo API client's key where DEBUG is on, made once and the same on every run: the
    database keeps only its hash, so the key is kept in DATA_DIR (readable by its owner alone)
    beside the generated secret key, and goes when the SQLite database there goes. None
    elsewhere: a test key would not be accepted there."""
    if not settings.debug:
        return None
    path = settings.data_dir / DEMO_API_KEY_FILE
    kept = _read_key(path)
    key = await seed_demo_api_client(kept)
    if key != kept:
        _write_key(path, key)
    return key


def _read_key(path: Path) -> str:
    return path.read_text().strip() if path.exists() else ""


def _write_key(path: Path, key: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    path.chmod(0o600)  # a file left from before, too


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
        api_key = asyncio.run(prepare_database(settings))
        for child in children:
            child.start()
        print(banner(settings, api_key), flush=True)
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


def banner(settings: Settings, api_key: str | None = None) -> str:
    phones = ", ".join(DEMO_MERCHANT_PHONES)
    staff = ", ".join(f"{member.username} / {member.password}" for member in DEMO_STAFF)
    api = (
        f"\n  Partner API, the demo client's key (development only; kept in"
        f" {settings.data_dir / DEMO_API_KEY_FILE}):\n    Authorization: Bearer {api_key}"
        if api_key
        else ""
    )
    return f"""
  ReturnDesk is running at http://127.0.0.1:{settings.port}

  Merchant sign-in (phone + one-time code; codes appear at /dev/outbox):
    {phones}
  Staff sign-in at http://127.0.0.1:{settings.port}/staff/login (user / password):
    {staff}{api}

  Data: {settings.database_url}   Queue: {os.environ.get("REDIS_URL")}
  Press Ctrl-C to stop.
"""


if __name__ == "__main__":
    sys.exit(main())
