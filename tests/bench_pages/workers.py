"""`make bench`, workers section: the authorization's render time against a bare one-page
WeasyPrint document with the same font, PDFs per second through one worker's job, 1,000 state
changes until their 1,000 SMS are in the dev outbox against arq draining 1,000 no-op jobs with
the same settings, and a sign-in code's way to the outbox while 20 PDFs render. Figures."""

from __future__ import annotations

import asyncio
import functools
import os
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import texts
from tests.bench_pages.summary import record
from workers.pdf import PdfPool, code128_data_uri, html_of, qr_data_uri, render_pdf

BARE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@font-face { font-family: "ReturnDesk CJK"; src: url("fonts/wqy-microhei.ttf"); }
@page { size: A4; } html { font-family: "ReturnDesk CJK"; }
</style></head><body><h1>退货授权书</h1><p>RD2612-D7J7-H7X2 杭州小笼包</p></body></html>"""


def _authorization_html() -> str:
    url = "https://returns.example.com/v/RD2612-D7J7-H7X2.abcdefghijklmnop"
    facts = {"rma": "RD2612-D7J7-H7X2", "verification_url": url, "merchant": "杭州小笼包（西湖店）",
             "order_no": "DD20261118", "reason": "质量问题", "resolution": "退款",
             "fee_payer": "由我们承担退货运费", "ship_by": "2026年12月16日 17:43",
             "approved_at": "2026年12月2日 17:43", "return_address": "上海市浦东新区张江路 88 号",
             "items": [{"name": "智能 POS 终端 P8", "serial": "P8A0000AU01", "quantity": 1}]}  # fmt: skip
    return html_of("authorization.html", {**facts, "qr": qr_data_uri(url),
                   "barcode": code128_data_uri(facts["rma"]), "number": 1, "lang": "zh-CN",
                   "_": texts.translations("zh_CN").gettext, "generated_at": "2026年12月2日"})  # fmt: skip


@functools.cache
def _font_only() -> tuple[Any, Any, Any]:
    """The bare page's style (the font, A4) as a stylesheet, made once like the renderer's."""
    from weasyprint import CSS

    from workers.pdf import DOCUMENTS_DIR, _prepared

    fetcher, fonts, _css = _prepared()
    style = BARE.split("<style>")[1].split("</style>")[0]
    sheet = CSS(string=style, base_url=str(DOCUMENTS_DIR) + "/", font_config=fonts,
                url_fetcher=fetcher)  # fmt: skip
    return fetcher, fonts, sheet


def _unstyled(html: str) -> bytes:
    """`html` with only the font: what WeasyPrint's layout of the words costs by itself."""
    from weasyprint import HTML

    from workers.pdf import DOCUMENTS_DIR

    fetcher, fonts, sheet = _font_only()
    document = HTML(string=html, base_url=str(DOCUMENTS_DIR) + "/", url_fetcher=fetcher)
    return bytes(document.write_pdf(stylesheets=[sheet], font_config=fonts))


def _median_ms(render: Any, html: str, runs: int = 20) -> float:
    for _ in range(3):  # warm: fonts parsed, caches filled
        render(html)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        render(html)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


async def _noop(ctx: dict[str, Any], n: int) -> int:
    return n


async def _drain(redis_url: str, functions: list[Any], ctx: dict[str, Any], done: Any) -> float:
    """Run a worker with the production settings until `done()`; seconds it took."""
    from arq import Worker
    from arq.connections import create_pool

    from workers.settings import WorkerSettings, redis_settings

    pool = await create_pool(redis_settings(redis_url))
    worker = Worker(functions=functions, redis_pool=pool, burst=False, handle_signals=False,
                    max_jobs=WorkerSettings.max_jobs, poll_delay=WorkerSettings.poll_delay, ctx=ctx)  # fmt: skip
    started = time.perf_counter()
    task = asyncio.create_task(worker.async_run())
    while not await done():  # noqa: ASYNC110 - a database another task writes to
        await asyncio.sleep(0.02)
    took = time.perf_counter() - started
    task.cancel()
    await worker.close()
    await pool.aclose()
    return took


async def workers_section() -> None:
    print("workers")
    html = _authorization_html()
    bare = _median_ms(render_pdf, BARE)
    full = _median_ms(render_pdf, html)
    words = _median_ms(_unstyled, re.sub(r"<img[^>]*>", "", html))
    print(f"  bare one-page PDF, same font (baseline)     median {bare:7.1f} ms")
    record("pdf", full / bare)
    print(
        f"  return authorization PDF                    median {full:7.1f} ms   ratio {full / bare:.2f}x (target <= 2.0)"
    )
    print(
        f"  its words alone: no styles, no codes        median {words:7.1f} ms   (authorization / words {full / words:.2f}x)"
    )
    await _pdfs_per_second()
    await _sms_pipeline()
    await _code_while_rendering()


async def _approved(count: int) -> list[int]:
    from domain.lifecycle import Action
    from tests.integration import factories

    merchant = await factories.merchant()
    now, ids = datetime.now(UTC), []
    for _ in range(count):
        request_id, _rma = await factories.submitted(merchant, now)
        await factories.staff_decides(request_id, Action.APPROVE, now)
        ids.append(request_id)
    return ids


def _ctx(pool: PdfPool, files: Path) -> dict[str, Any]:
    from db.files import LocalFileStore
    from workers.gateways import DevOutboxGateway

    return {"files": LocalFileStore(files), "pdf": pool, "secret_key": os.environ["SECRET_KEY"],
            "timezone": "Asia/Shanghai", "site_url": "http://127.0.0.1:8000", "return_address": "上海",
            "gateway": DevOutboxGateway(), "job_try": 1}  # fmt: skip


async def _pdfs_per_second() -> None:
    from db.tables import OutboxRow
    from workers.documents import render_document

    await _approved(20)
    keys = [
        r["key"]
        for r in await OutboxRow.select(OutboxRow.key).where(OutboxRow.job == "render_document")
    ]
    pool = PdfPool()
    ctx = _ctx(pool, Path(tempfile.mkdtemp(prefix="returndesk-bench-files-")))
    await render_document({**ctx}, keys.pop())  # starts the renderer process: not counted
    started = time.perf_counter()
    for key in keys:
        await render_document(ctx, key)
    rate = len(keys) / (time.perf_counter() - started)
    pool.close()
    print(
        f"  authorization jobs, one worker              {rate:7.1f} PDFs/s (job: facts, render, store, record)"
    )


async def _sms_pipeline() -> None:
    from arq.connections import create_pool

    from db.tables import GatewayMessage, OutboxRow
    from domain.lifecycle import Action
    from tests.integration import factories
    from workers.relay import relay_forever
    from workers.settings import FUNCTIONS, JOB_NAMES, redis_settings

    url = os.environ["REDIS_URL"]
    queue = await create_pool(redis_settings(url))
    for n in range(1000):
        await queue.enqueue_job("_noop", n)
    enqueued_noops = await queue.zcard("arq:queue")
    baseline = await _drain(url, [_noop], {}, lambda: _empty(queue))
    print(f"  arq draining {enqueued_noops} no-op jobs (baseline)         {baseline:7.2f} s")
    merchant = await factories.merchant()
    request_ids = [(await factories.submitted(merchant, datetime.now(UTC)))[0] for _ in range(1000)]
    await GatewayMessage.delete(force=True)
    await OutboxRow.update({OutboxRow.done_at: datetime.now(UTC)}).where(
        OutboxRow.job == "send_notification"
    )
    started = time.perf_counter()
    for request_id in request_ids:  # 1,000 state changes, each owing the merchant an SMS
        await factories.staff_decides(
            request_id, Action.ASK_INFO, datetime.now(UTC), message="请补充照片"
        )
    changes = time.perf_counter() - started
    relay = asyncio.create_task(relay_forever(queue, JOB_NAMES, lost_after=timedelta(minutes=5)))

    async def all_sent() -> bool:
        return bool(await GatewayMessage.count().where(GatewayMessage.status == "sent") >= 1000)

    ctx = _ctx(PdfPool(), Path(tempfile.mkdtemp(prefix="returndesk-bench-files-")))
    delivered = await _drain(url, FUNCTIONS, ctx, all_sent)
    relay.cancel()
    await queue.aclose()
    print(f"  1,000 state changes (ask for information)   {changes:7.2f} s")
    record("notify", baseline / delivered)
    print(
        f"  then all 1,000 SMS in the dev outbox        {delivered:7.2f} s   ratio to the baseline {baseline / delivered:.2f} (target >= 0.5)"
    )


async def _empty(queue: Any) -> bool:
    return bool(await queue.zcard("arq:queue") == 0)


async def _code_while_rendering() -> None:
    from db.crypto import seal_code
    from db.outbox import add_to_outbox
    from db.tables import GatewayMessage, OutboxRow
    from workers.documents import render_document
    from workers.notify import send_sign_in_code

    await _approved(20)
    keys = [r["key"] for r in await OutboxRow.select(OutboxRow.key).where(
        (OutboxRow.job == "render_document") & OutboxRow.done_at.is_null())]  # fmt: skip
    pool = PdfPool()
    ctx = _ctx(pool, Path(tempfile.mkdtemp(prefix="returndesk-bench-files-")))
    rendering = [asyncio.create_task(render_document(dict(ctx), key)) for key in keys[:20]]
    await asyncio.sleep(0.2)  # the renders are under way
    now = datetime.now(UTC)
    await add_to_outbox(key="signin:bench", job="send_sign_in_code", due_at=now, payload={
        "phone": "13800138000", "sealed_code": seal_code(os.environ["SECRET_KEY"], "123456"),
        "locale": "zh_CN", "expires_at": now.replace(year=now.year + 1).isoformat()})  # fmt: skip
    started = time.perf_counter()
    await send_sign_in_code(dict(ctx), "signin:bench")
    took = time.perf_counter() - started
    assert await GatewayMessage.exists().where(GatewayMessage.key == "signin:bench")
    busy = sum(not task.done() for task in rendering)
    await asyncio.gather(*rendering)
    pool.close()
    print(
        f"  sign-in code to the outbox while {len(rendering)} PDFs render ({busy} still rendering)  {took * 1000:7.1f} ms (target < 2,000 ms)"
    )
