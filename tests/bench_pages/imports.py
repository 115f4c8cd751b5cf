"""`make bench`, imports (BENCH_SECTIONS=imports): 10,000 orders with 20,000 lines and 20,000
terminals taken in from XLSX by the import's own code in a process of its own (records/s and
that process's peak RSS; target >= 2,000 records/s, <= 300 MB), the same number through the sync
API on a real server (records/s), both against plain inserts of as many rows in the same run;
then a merchant's order list (step 1 of the return form) at 500 orders per merchant (p95 of
200 requests in a row; target <= 50 ms). Figures, not a test."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from dev import web_command
from tests.bench_pages.server import _free_port, serving
from web.cookies import SESSION, cookie_name

MERCHANTS, ORDERS_EACH = 20, 500  # 10,000 orders, two terminals each
CHILD = """
import asyncio, json, sys, time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo
from db.engine import bind_database, open_database, close_database
from db.imports import new_run, take_reads, finish_run
from db.spreadsheets import open_sheet
from domain.imports import match_headers, read_records
from domain.sync import Kind

async def main(kind, path):
    bind_database(sys.argv[3], 10)
    await open_database()
    started = time.perf_counter()
    sheet = open_sheet(__import__("pathlib").Path(path))
    layout = match_headers(Kind(kind), sheet.header)
    run_id = await new_run(Kind(kind), path, "", 0, 0, "bench")
    now = datetime.now(UTC)
    await take_reads(run_id, Kind(kind), read_records(Kind(kind), layout, sheet.rows(),
                     ZoneInfo("Asia/Shanghai"), now), now)
    await finish_run(run_id, now)
    took = time.perf_counter() - started
    from db.imports import run_view
    run = await run_view(run_id)
    await close_database()
    # VmHWM, this process's own peak: ru_maxrss would carry over the peak of the process that
    # forked it (Linux keeps it across exec)
    peak_kb = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
    print(json.dumps({"seconds": took, "rss_mb": peak_kb / 1024,
                      "added": run.added, "updated": run.updated, "refused": run.refused}))

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def _orders(prefix: str, completed: datetime) -> list[list[Any]]:
    rows = []
    for m in range(MERCHANTS):
        for n in range(ORDERS_EACH):
            order_no = f"{prefix}{m:02d}{n:04d}"
            for line in (1, 2):
                rows.append([order_no, f"BM-{m:02d}", completed, 2560, line, "P8", 1, 1280,
                             f"{prefix}{m:02d}{n:04d}{line}"])  # fmt: skip
    return rows


def _workbook(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)


async def _prepare(directory: Path) -> dict[str, Any]:
    from db.engine import bind_database, close_database, open_database, run_migrations
    from db.partners import create_client
    from db.sync import upsert_merchants, upsert_products
    from domain.imports import COLUMNS
    from domain.sync import Kind, check_merchant, check_product

    bind_database(os.environ["DATABASE_URL"], 0)
    await open_database()
    await run_migrations()
    now = datetime.now(UTC)
    merchants = [check_merchant(external_id=f"BM-{m:02d}", name=f"商户{m}",
                                phones=[f"1391000{m:04d}"]) for m in range(MERCHANTS)]  # fmt: skip
    await upsert_merchants(list(enumerate(merchants)), now)
    product = check_product(sku="P8", name_zh="智能POS终端 P8", name_en="P8",
                            category="terminal", has_serial=True, unit_price_fen=128000)  # fmt: skip
    await upsert_products([(0, product)], now)
    _client, key = await create_client("bench-sync", "partner", None, ["sync"], 10**9, now)
    await close_database()
    completed = now - timedelta(days=5)
    # a sheet's times are local and naive, as Excel keeps them
    orders = _orders("BX", completed.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None))
    _workbook(directory / "orders.xlsx", ["订单号", "商户编号", "完成时间", "实付金额（元）", "行号",
                                          "商品编码", "数量", "单价（元）", "序列号"], orders)  # fmt: skip
    terminals = [[row[8], "898310058120001", f"T{i:07d}", "是", "是", None]
                 for i, row in enumerate(orders)]  # fmt: skip
    _workbook(directory / "terminals.xlsx", [c.headers[0] for c in COLUMNS[Kind.TERMINALS]],
              terminals)  # fmt: skip
    return {"key": key, "completed": completed}


async def _baseline(records: int) -> float:
    """Plain inserts of as many terminal rows, in batches of 1,000: what the database takes."""
    from db.engine import bind_database, close_database, open_database
    from db.tables import Terminal

    bind_database(os.environ["DATABASE_URL"], 10)
    await open_database()
    started = time.perf_counter()
    for start in range(0, records, 1000):
        await Terminal.insert(*(Terminal(serial_number=f"BASE{n:07d}", tid="T")
                                for n in range(start, min(records, start + 1000))))  # fmt: skip
    took = time.perf_counter() - started
    await Terminal.delete().where(Terminal.serial_number.like("BASE%"))
    await close_database()
    return records / took


def _child(kind: str, path: Path) -> dict[str, float]:
    import json

    out = subprocess.run([sys.executable, "-c", CHILD, kind, str(path), os.environ["DATABASE_URL"]],
                         check=True, capture_output=True, text=True)  # fmt: skip
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def _through_api(url: str, key: str, completed: datetime) -> float:
    """The same count of orders (new numbers) and terminals posted in batches of 1,000."""
    orders: dict[str, dict[str, Any]] = {}
    for row in _orders("BY", completed):
        order = orders.setdefault(row[0], {
            "order_no": row[0], "merchant_external_id": row[1],
            "completed_at": completed.isoformat(), "paid_total_fen": 256000, "items": []})  # fmt: skip
        order["items"].append({"line_no": row[4], "sku": "P8", "quantity": 1,
                               "unit_price_fen": 128000, "serial_numbers": [row[8]]})  # fmt: skip
    records = list(orders.values())
    terminals = [{"serial_number": item["serial_numbers"][0], "bound": True, "activated": True}
                 for order in records for item in order["items"]]  # fmt: skip
    started = time.perf_counter()
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120) as c:
        for kind, batch in (("orders", records), ("terminals", terminals)):
            for start in range(0, len(batch), 1000):
                answer = c.post(
                    f"/api/v1/sync/{kind}", json={"records": batch[start : start + 1000]}
                )
                assert answer.status_code == 200 and not answer.json()["errors"], answer.text[:300]
    took = time.perf_counter() - started
    return (len(records) + sum(len(o["items"]) for o in records) + len(terminals)) / took


async def _session() -> str:
    from db.engine import bind_database, close_database, open_database
    from db.tables import Merchant
    from tests.integration import factories

    bind_database(os.environ["DATABASE_URL"], 0)
    await open_database()
    row = await Merchant.select(Merchant.id).where(Merchant.external_id == "BM-00").first()
    assert row is not None
    session = await factories.session_for(int(row["id"]))
    await close_database()
    return session


def _order_list(url: str, session: str) -> list[float]:
    cookie = {"Cookie": f"{cookie_name(SESSION, secure=True)}={session}"}
    took = []
    with httpx.Client(base_url=url, headers=cookie, timeout=30) as client:
        for _ in range(220):
            started = time.perf_counter()
            answer = client.get("/returns/new?new=1")
            took.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.status_code
    shown = answer.text.count('class="choice-link')
    print(f"    (the page lists {shown} orders, {len(answer.content) // 1024} KB)")
    return sorted(took[20:])  # the first are warming up


async def imports_section() -> None:
    with tempfile.TemporaryDirectory(prefix="returndesk-bench-import-") as name:
        directory = Path(name)
        data = await _prepare(directory)
        records = MERCHANTS * ORDERS_EACH * 5  # orders, their two lines, two terminals: 50,000
        baseline = await _baseline(records)
        print("imports: 10,000 orders, 20,000 lines, 20,000 terminals")
        print(f"  baseline: plain inserts of {records:,} rows        {baseline:8.0f} rows/s")
        orders = _child("orders", directory / "orders.xlsx")
        terminals = _child("terminals", directory / "terminals.xlsx")
        rate = records / (orders["seconds"] + terminals["seconds"])
        rss = max(orders["rss_mb"], terminals["rss_mb"])
        for name, figures in (("orders", orders), ("terminals", terminals)):
            print(
                f"    ({name}: {figures['added']:.0f} added, {figures['updated']:.0f} updated, "
                f"{figures['refused']:.0f} not imported)"
            )
        print(f"  from XLSX (the import job's code)        {rate:8.0f} records/s   ratio "
              f"{rate / baseline:.2f}   peak RSS {rss:.0f} MB (targets >= 2,000/s, <= 300 MB)")  # fmt: skip
    env = {**os.environ, "DEBUG": "0", "DATABASE_POOL_SIZE": "10"}
    port = _free_port()
    session = await _session()
    with serving(web_command(port), env, port) as url:
        took = _order_list(url, session)  # the merchant's 500 orders, before the API adds more
        p95 = took[int(len(took) * 0.95)]
        print(f"  a merchant's order list, 500 orders      p50 {statistics.median(took):6.1f} ms"
              f"   p95 {p95:6.1f} ms (target <= 50 ms)")  # fmt: skip
        rate = _through_api(url, data["key"], data["completed"])
        print(f"  through the sync API (batches of 1,000)  {rate:8.0f} records/s   ratio "
              f"{rate / baseline:.2f} (target >= 2,000/s)")  # fmt: skip
