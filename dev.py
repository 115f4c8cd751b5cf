"""`make dev`: one command that runs ReturnDesk on this machine with demo data.

Starts the embedded Redis (unless REDIS_URL is set), migrates and seeds the database, then runs
the arq worker and the web server as child processes; Ctrl-C or SIGTERM stops all it started.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

from db.engine import close_database, open_database, run_migrations
from db.seed import DEMO_MERCHANT_PHONES, DEMO_STAFF, seed_demo
from settings import Settings
from workers.embedded_redis import EmbeddedRedis

# The worker, and the web server on a port: the same two processes production runs.
WORKER_COMMAND = [sys.executable, "-m", "arq", "workers.settings.WorkerSettings"]


def web_command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "--factory", "web.app:app_from_env",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip


async def prepare_database() -> None:
    await open_database()
    try:
        await run_migrations()
        await seed_demo()
    finally:
        await close_database()


def main() -> int:
    os.environ.setdefault("DEBUG", "1")  # before settings are read, and for the children
    settings = Settings.from_env()
    redis: EmbeddedRedis | None = None
    if not settings.redis_url:
        redis = EmbeddedRedis(settings.data_dir)
        redis.start()
        os.environ["REDIS_URL"] = redis.url
    children: list[subprocess.Popen[bytes]] = []
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        asyncio.run(prepare_database())
        children.append(subprocess.Popen(WORKER_COMMAND))  # noqa: S603
        children.append(subprocess.Popen(web_command(settings.port)))  # noqa: S603
        print(banner(settings), flush=True)
        while not stopping:
            if any(child.poll() is not None for child in children):
                print("A ReturnDesk process exited; stopping the others.", file=sys.stderr)
                break
            time.sleep(0.3)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        if redis is not None:
            redis.stop()
        print("ReturnDesk stopped.", flush=True)
    return 0


def banner(settings: Settings) -> str:
    staff = "\n".join(
        f"      {member.role:<11} {member.username:<12} / {member.password}"
        for member in DEMO_STAFF
    )
    phones = ", ".join(DEMO_MERCHANT_PHONES)
    return f"""
  ReturnDesk is running at http://127.0.0.1:{settings.port}

  Demo sign-ins
    Merchants (phone + one-time code; in development codes appear at /dev/outbox):
      {phones}
    Staff (user / password):
{staff}

  Data: {settings.database_url}   Queue: {os.environ.get("REDIS_URL")}
  Press Ctrl-C to stop.
"""


if __name__ == "__main__":
    sys.exit(main())
