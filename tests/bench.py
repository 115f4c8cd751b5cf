"""`make bench`: figures for the hot paths, each with a baseline measured in the same run.

- store: applying a domain action (load → decide → write state, event, outbox in one
  transaction) against a plain single-row insert into the same database;
- pages: rendering the Chinese home page through the whole app against /healthz;
- domain: `decide` alone, against building the snapshot it reads;
- and the sections in tests/bench_pages/ (BENCH_SECTIONS=server, staff, workers, images,
  photos, phone, api, webhooks or imports).
Run on the embedded default, or with DATABASE_URL / REDIS_URL set like the tests.
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH_DIR = Path(tempfile.mkdtemp(prefix="returndesk-bench-"))
os.environ.setdefault("SECRET_KEY", "bench")
os.environ["DEBUG"] = "1"
os.environ["DATA_DIR"] = str(BENCH_DIR)
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}"
# a line per request and per job would bury the figures; the real-server sections' processes
# log as production does, so that cost stays in what they measure
for _chatty in ("returndesk.request", "returndesk.jobs"):
    logging.getLogger(_chatty).setLevel(logging.WARNING)


async def _timed(label: str, runs: int, action: Callable[[int], Awaitable[object]]) -> float:
    samples = []
    for i in range(runs):
        started = time.perf_counter()
        await action(i)
        samples.append(time.perf_counter() - started)
    median = statistics.median(samples)
    p95 = sorted(samples)[int(len(samples) * 0.95) - 1]
    print(f"  {label:<44} median {median * 1000:8.3f} ms   p95 {p95 * 1000:8.3f} ms   (n={runs})")
    return median


async def _staff_at_scale() -> None:
    from litestar.testing import AsyncTestClient

    from db.engine import bind_database, close_database, open_database, run_migrations
    from db.policies import ensure_policy
    from settings import Settings
    from tests.bench_pages.staff_queue import dashboard_section, seed, staff_section
    from tests.integration import factories
    from web.app import create_app

    logging.getLogger("httpx").setLevel(logging.WARNING)
    bind_database(os.environ["DATABASE_URL"], 0)
    await open_database()
    await run_migrations()
    now = datetime.now(UTC)
    merchant_id = await factories.merchant()
    orders = [(await factories.order(merchant_id, now - timedelta(days=3)))[0] for _ in range(50)]
    started = time.perf_counter()
    await seed(merchant_id, await ensure_policy(), orders)
    print(f"seeded in {time.perf_counter() - started:.0f} s")
    if os.environ["DATABASE_URL"].startswith("postgres"):
        from db.tables import ReturnRequest

        await ReturnRequest.raw("ANALYZE")  # as autovacuum would soon: the planner knows the table
    reviewer = await factories.staff_token(await factories.staff("bench-reviewer", "reviewer"))
    supervisor = await factories.staff_token(await factories.staff("bench-boss", "supervisor"))
    async with AsyncTestClient(app=create_app(Settings.from_env())) as client:
        await staff_section(client, reviewer)
        await dashboard_section(client, supervisor)
    await close_database()


async def _workers() -> None:
    from db.engine import bind_database, close_database, open_database, run_migrations
    from tests.bench_pages.workers import workers_section

    # as a worker process runs: its connection pool (one connection for SQLite)
    bind_database(os.environ["DATABASE_URL"], 10)
    await open_database()
    await run_migrations()
    await workers_section()
    await close_database()


async def _api(*, pages: bool = True) -> None:
    """The partner API through a real server, then webhook deliveries through a worker."""
    from db.engine import bind_database, close_database, open_database, run_migrations
    from tests.bench_pages.api import api_section, prepare_api_data
    from tests.bench_pages.webhooks import webhook_section

    if pages:
        api_section(await prepare_api_data())
    bind_database(os.environ["DATABASE_URL"], 10)  # pooled, as a worker runs
    await open_database()
    await run_migrations()
    await webhook_section()
    await close_database()


async def main() -> int:
    from workers.embedded_redis import EmbeddedRedis

    redis = None
    if not os.environ.get("REDIS_URL"):
        redis = EmbeddedRedis(BENCH_DIR / "redis", persist=False)
        redis.start()
        os.environ["REDIS_URL"] = redis.url
    try:
        return await _run()
    finally:
        if redis:
            redis.stop()


async def _run() -> int:
    if os.environ.get("BENCH_SECTIONS") == "server":  # only the real-server pages
        from tests.bench_pages.server import prepare_data, real_server_section
        from tests.bench_pages.summary import bench_line

        real_server_section(await prepare_data())
        print(bench_line())
        return 0
    if os.environ.get("BENCH_SECTIONS") == "api":  # only the partner API
        await _api()
        return 0
    if os.environ.get("BENCH_SECTIONS") == "imports":  # only the data coming in
        from tests.bench_pages.imports import imports_section

        await imports_section()
        return 0
    if os.environ.get("BENCH_SECTIONS") == "webhooks":  # only the webhook deliveries
        await _api(pages=False)
        return 0
    if os.environ.get("BENCH_SECTIONS") == "staff":  # only the queue and dashboard at scale
        await _staff_at_scale()
        return 0
    if os.environ.get("BENCH_SECTIONS") == "workers":  # only PDFs and the SMS pipeline
        await _workers()
        return 0
    if os.environ.get("BENCH_SECTIONS") == "photos":  # only the re-used photo lookup
        from tests.bench_pages.photo_lookup import photos_section

        await photos_section()
        return 0
    if os.environ.get("BENCH_SECTIONS") == "phone":  # only the photo step on a phone's link
        from tests.bench_pages.phone import phone_section
        from tests.bench_pages.summary import bench_line

        await phone_section()
        print(bench_line())
        return 0
    if os.environ.get("BENCH_SECTIONS") == "images":  # only what hostile uploads cost
        from tests.bench_pages.images import images_bench

        await images_bench()
        return 0
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from litestar.testing import AsyncTestClient

    from db.engine import bind_database, close_database, open_database, run_migrations
    from db.returns import apply_action
    from db.snapshots import load_snapshot
    from db.tables import PolicyVersion, ReturnRequest
    from domain.lifecycle import Action, Actor, Command, Role, decide
    from settings import Settings
    from tests.integration import factories
    from web.app import create_app

    bind_database(os.environ["DATABASE_URL"], 0)
    await open_database()
    await run_migrations()
    now = datetime.now(UTC)
    merchant_id = await factories.merchant()
    requests = []
    for i in range(200):
        order_id, items = await factories.order(
            merchant_id, now - timedelta(days=3), serials=(f"B{i}",)
        )
        requests.append(await factories.draft(merchant_id, order_id, items))
    merchant = Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id)

    print(f"ReturnDesk benchmarks on {os.environ['DATABASE_URL'].split(':')[0]}")
    print("store")
    baseline = await _timed(
        "baseline: one-row insert",
        200,
        lambda i: PolicyVersion.insert(PolicyVersion(version=1000 + i, body={}, reason="bench")),
    )
    submit = await _timed(
        "apply_action(submit) incl. risk + outbox",
        200,
        lambda i: apply_action(requests[i], Command(Action.SUBMIT), merchant, now),
    )
    print(f"  ratio submit / insert: {submit / baseline:.1f}x")

    print("domain")
    snapshot = await load_snapshot(requests[0])
    build = await _timed("baseline: load_snapshot (db)", 100, lambda i: load_snapshot(requests[i]))

    async def decide_many(_: int) -> None:
        for _ in range(1000):
            decide(snapshot, Command(Action.APPROVE), Actor(Role.REVIEWER, "staff:1"), now)

    decided = await _timed("decide x1000 (pure)", 20, decide_many)
    print(f"  ratio one decide / one snapshot load: {decided / 1000 / build:.4f}x")

    print("pages")
    rma = (
        await ReturnRequest.select(ReturnRequest.rma).where(ReturnRequest.id == requests[0]).first()
    )["rma"]
    # the app's lifespan opens its own pool on the test client's loop: while it runs, this
    # loop reads nothing from the database (a PostgreSQL pool belongs to one loop)
    async with AsyncTestClient(app=create_app(Settings.from_env())) as client:
        health = await _timed("baseline: GET /healthz", 200, lambda i: client.get("/healthz"))
        home = await _timed("GET / (zh-CN home page)", 200, lambda i: client.get("/"))
        print(f"  ratio home / healthz: {home / health:.1f}x")
        size = len((await client.get("/")).content)
        print(f"  home page size: {size} bytes uncompressed")

        await factories.sign_in(client, merchant_id)
        mine = await _timed("GET / signed in (200 requests listed)", 50, lambda i: client.get("/"))
        print(f"  ratio signed-in home / healthz: {mine / health:.1f}x")
        page = await _timed(f"GET /returns/{rma}", 100, lambda i: client.get(f"/returns/{rma}"))
        print(f"  ratio request page / healthz: {page / health:.1f}x")
        poll = await _timed(
            "GET /returns/{rma}/status (poll, unchanged)",
            200,
            lambda i: client.get(f"/returns/{rma}/status?v=2.0", headers={"HX-Request": "true"}),
        )
        print(f"  ratio poll / healthz: {poll / health:.1f}x")
    # the workers' figures as a worker process runs: its own pool, on this loop
    bind_database(os.environ["DATABASE_URL"], 10)
    await open_database()
    from tests.bench_pages.workers import workers_section

    await workers_section()
    await close_database()

    from tests.bench_pages.server import prepare_data, real_server_section

    real_server_section(await prepare_data())

    from tests.bench_pages.images import images_bench

    await images_bench()
    await _api()

    from tests.bench_pages.imports import imports_section

    await imports_section()
    await _staff_at_scale()
    from tests.bench_pages.photo_lookup import photos_section

    await photos_section()
    from tests.bench_pages.phone import phone_section

    await phone_section()
    from tests.bench_pages.summary import bench_line

    print(bench_line())
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
