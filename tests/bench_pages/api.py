"""`make bench`, the partner API section (BENCH_SECTIONS=api): ReturnDesk with the production
command and a bare Litestar + Jinja page started the same way; wrk reads one request over the
API (as a ratio to the bare page; target ≥ 0.30); then a partner's create + submit round trip,
one after another, p50 and p99. Figures, not a test: nothing here passes or fails."""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from dev import web_command
from tests.bench_pages.server import (
    _free_port,
    drive,
    ensure_wrk,
    headers_script,
    report,
    serving,
)

ROUND_TRIPS = int(os.environ.get("BENCH_API_ROUND_TRIPS", "100"))


async def prepare_api_data() -> dict[str, Any]:
    """A partner client (no rate limit to speak of: the bench measures the API, not the limit),
    a merchant, one request it filed, and one order per round trip to file against."""
    from db.engine import bind_database, close_database, open_database, run_migrations
    from db.partners import create_client
    from db.tables import Order, ReturnRequest
    from tests.integration import factories

    bind_database(os.environ["DATABASE_URL"], 0)
    await open_database()
    await run_migrations()
    now = datetime.now(UTC)
    client_id, key = await create_client("bench", "partner", None,
                                         ["returns:read", "returns:write"], 10**9, now)  # fmt: skip
    merchant_id = await factories.merchant(name="上海小杨生煎（静安店）")
    request_id, _rma = await factories.submitted(merchant_id, now, evidence=2)
    await ReturnRequest.update({ReturnRequest.partner_client: client_id}).where(
        ReturnRequest.id == request_id
    )
    orders = []
    for n in range(ROUND_TRIPS):
        order_id, items = await factories.order(merchant_id, now - timedelta(days=2),
                                                serials=(f"BENCH{n:06d}",))  # fmt: skip
        row = await Order.select(Order.order_no).where(Order.id == order_id).first()
        orders.append((str(row["order_no"]), items[0]))  # type: ignore[index]
    await close_database()
    return {"key": key, "request_id": request_id, "merchant_id": merchant_id, "orders": orders}


def _round_trips(url: str, data: dict[str, Any]) -> list[float]:
    """Create a draft and submit it, as a partner's system does, one after another (ms each)."""
    headers = {"Authorization": f"Bearer {data['key']}"}
    took = []
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        for order_no, line in data["orders"]:
            started = time.perf_counter()
            made = client.post("/api/v1/returns", json={
                "merchant_id": data["merchant_id"], "order_no": order_no,
                "items": [{"order_item_id": line}], "reason": "change_of_mind"})  # fmt: skip
            submitted = client.post(f"/api/v1/returns/{made.json()['id']}/submit")
            took.append((time.perf_counter() - started) * 1000)
            assert submitted.status_code == 200, submitted.text
    return took


def api_section(data: dict[str, Any]) -> None:
    wrk = ensure_wrk()
    env = {**os.environ, "DEBUG": "0", "DATABASE_POOL_SIZE": "10"}
    print("the partner API through a real server (uvicorn, one process; wrk -c32)")
    port = _free_port()
    with serving(web_command(port, app="tests.bench_pages.bare:app"), env, port) as url:
        bare = drive(wrk, url + "/")
    report("baseline: bare Litestar + Jinja", bare, bare)
    port = _free_port()
    # DEBUG off would refuse the test key the factories make: this client's key is a live one
    with serving(web_command(port), env, port) as url:
        script = headers_script({"Authorization": f"Bearer {data['key']}"})
        report(
            "GET a request (API)",
            drive(wrk, f"{url}/api/v1/returns/{data['request_id']}", script),
            bare,
        )
        took = sorted(_round_trips(url, data))
    p99 = took[min(len(took) - 1, int(len(took) * 0.99))]
    print(f"  {'create + submit round trip':<34} {len(took)} in a row   p50 "
          f"{statistics.median(took):7.2f} ms   p99 {p99:7.2f} ms")  # fmt: skip
