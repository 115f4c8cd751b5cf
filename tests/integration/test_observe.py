"""What operators see: /metrics for those allowed (requests by route, the outbox, the queues),
a request id on every answer that its log line and the job it caused share, and log lines that
are JSON with no phone number in clear."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families

from db.outbox import add_to_outbox
from db.tables import OutboxRow
from logs import JsonLines, mask_phones
from settings import Settings
from tests.integration import factories
from tests.integration.live import web_server
from tests.process_memory import process_tree
from web.app import create_app
from web.observe import _address_listed

TOKEN = "metrics-reader-token"
PHONE = "13912345678"


@pytest.fixture
async def watched(settings: Settings) -> Any:
    """ReturnDesk with a metrics reader configured."""
    app = create_app(dataclasses.replace(settings, metrics_token=TOKEN))
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
def lines() -> Iterator[list[dict[str, Any]]]:
    """Every ReturnDesk log line written meanwhile, as the JSON the processes write."""
    seen: list[dict[str, Any]] = []

    class Kept(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(json.loads(self.format(record)))

    handler = Kept()
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("returndesk")
    logger.addHandler(handler)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)


async def _scrape(client: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    return _figures(answer)


def _requests(figures: dict[Any, float], route: str, status: str) -> float:
    labels = (("method", "GET"), ("route", route), ("status", status))
    return figures.get(("returndesk_http_requests_total", labels), 0.0)


async def test_metrics_are_not_public(client: Any, watched: Any) -> None:
    assert (await client.get("/metrics")).status_code == 404  # no reader configured
    assert (await watched.get("/metrics")).status_code == 401
    wrong = await watched.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"].startswith("Bearer")
    assert _address_listed("10.0.0.7", ("10.0.0.0/24",))
    assert not _address_listed("10.0.1.7", ("10.0.0.0/24",))
    assert not _address_listed("testclient", ("10.0.0.0/24",))


async def test_requests_are_counted_by_route_template(watched: Any) -> None:
    before = await _scrape(watched)
    for _ in range(2):
        assert (await watched.get("/track")).status_code == 200
    assert (await watched.get("/returns/RD2612-0000-0000/nothing-here")).status_code == 404
    after = await _scrape(watched)
    assert _requests(after, "/track", "200") - _requests(before, "/track", "200") == 2
    assert _requests(after, "unmatched", "404") - _requests(before, "unmatched", "404") == 1
    # a path is never a label of its own
    assert not any("RD2612" in str(labels) for _name, labels in after)


async def test_metrics_show_the_outbox_and_the_queues(watched: Any, now: datetime) -> None:
    merchant_id = await factories.merchant()
    await factories.submitted(merchant_id, now)
    await add_to_outbox(key="probe:late", job="send_notification", payload={},
                        due_at=now - timedelta(minutes=30))  # fmt: skip
    await add_to_outbox(key="probe:dead", job="send_notification", payload={}, due_at=now)
    await OutboxRow.update({OutboxRow.dead_at: now}).where(OutboxRow.key == "probe:dead")
    figures = await _scrape(watched)
    assert figures[("returndesk_outbox_dead_rows", ())] == 1
    waiting = (("job", "send_notification"), ("state", "waiting"))
    assert figures[("returndesk_outbox_rows", waiting)] >= 1
    assert figures[("returndesk_outbox_oldest_waiting_seconds", ())] >= 30 * 60
    assert figures[("returndesk_requests_queued", (("state", "submitted"),))] == 1


async def test_every_answer_has_a_request_id_its_log_line_shares(
    client: Any, lines: list[dict[str, Any]]
) -> None:
    answer = await client.get("/track", headers={"X-Request-ID": "chosen-by-the-client"})
    request_id = answer.headers["x-request-id"]
    assert request_id != "chosen-by-the-client"  # believed from a trusted proxy alone
    assert len(request_id) == 32
    logged = [line for line in lines if line.get("request_id") == request_id]
    assert [(line["route"], line["status"]) for line in logged] == [("/track", 200)]


async def test_a_trusted_proxy_names_the_request_id(settings: Settings) -> None:
    behind = create_app(dataclasses.replace(settings, trusted_proxies=("testclient",)))
    async with AsyncTestClient(app=behind, base_url="http://127.0.0.1") as proxied:
        named = await proxied.get("/track", headers={"X-Request-ID": "nginx-4f2a9c"})
        assert named.headers["x-request-id"] == "nginx-4f2a9c"
        odd = await proxied.get("/track", headers={"X-Request-ID": "x" * 65})
        assert len(odd.headers["x-request-id"]) == 32  # not its shape: one is made


async def test_the_job_a_request_caused_logs_under_its_id(
    client: Any, lines: list[dict[str, Any]], deliver_outbox: Any
) -> None:
    await factories.merchant(phone=PHONE)
    token = await factories.csrf_token(client, "/login")
    answer = await client.post("/login", data={"phone": PHONE, "next": "/", "_csrf_token": token},
                               follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    request_id = answer.headers["x-request-id"]
    await deliver_outbox()
    jobs = [line for line in lines if line.get("job") == "send_sign_in_code"]
    assert [(line["request_id"], line["result"]) for line in jobs] == [(request_id, "sent")]
    assert not any(PHONE in json.dumps(line, ensure_ascii=False) for line in lines)


def test_the_processes_of_one_server_are_counted_together(tmp_path: Path) -> None:
    """Whichever process answers a scrape reports what both served: each scrape (a connection
    of its own, taken by either process) counts every scrape before it."""
    with web_server(tmp_path, processes=2, METRICS_TOKEN=TOKEN) as (url, server_pid):
        serving = [pid for pid in process_tree(server_pid) if b"spawn_main" in _cmdline(pid)]
        for _ in range(40):
            assert httpx.get(url + "/track").status_code == 200
        scrapes = [_figures(httpx.get(url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}))
                   for _ in range(10)]  # fmt: skip
    assert len(serving) == 2
    assert [_requests(figures, "/track", "200") for figures in scrapes] == [40] * 10
    assert [_requests(figures, "/metrics", "200") for figures in scrapes] == list(range(10))


def _figures(answer: httpx.Response) -> dict[Any, float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_phone_numbers_are_masked_in_log_text() -> None:
    assert mask_phones("to 13912345678: refused") == "to 139****5678: refused"
    assert mask_phones("+86 13912345678") == "+86 139****5678"
    # serial numbers and amounts are not phone numbers
    assert mask_phones("SN 000013912345678901") == "SN 000013912345678901"
    assert mask_phones("12345678901") == "12345678901"
