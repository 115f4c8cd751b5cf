"""What a web process tells its operators: a request id on every request and response, one log
line per request, request counts and latencies by route, and /metrics (Prometheus text) for
those who may read it.

Counts and latencies are kept per process in prometheus-client's multiprocess files where the
server runs several processes (web.serve names the folder), so a scrape of any process reports
them all. What the database knows (backlog, dead work, deliveries, queues) is read at scrape
time (db.operations): the same answer from any process on any machine.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get
from litestar.types import Message, Receive, Scope, Send
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from db.operations import Operations, operations
from logs import REQUEST_ID, REQUEST_ID_SHAPE
from web.i18n import local_day_start, local_time

log = logging.getLogger("returndesk.request")

REQUESTS = Counter(
    "returndesk_http_requests", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "returndesk_http_request_duration_seconds",
    "Time to answer an HTTP request, from its head to its last byte",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
# a path that matched no route is counted under one name, not its own (no unbounded labels)
UNMATCHED = "unmatched"
# the methods counted by name; anything else a client invents is counted as "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class Observed:
    """The outermost layer of the app for HTTP: it believes X-Forwarded-For and X-Request-ID from the
    trusted proxies alone (the peer is known only here, before the forwarded address replaces
    it), gives each request its id, and counts and logs each answer."""

    def __init__(self, app: Any, trusted_proxies: tuple[str, ...]) -> None:
        self._trusted = frozenset(trusted_proxies)
        # uvicorn's own reading of X-Forwarded-For, run here rather than by the server
        self._app: Any = (
            ProxyHeadersMiddleware(app, list(trusted_proxies)) if trusted_proxies else app
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = self._given_id(scope) or uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500  # what the client sees if the app ends without answering
        header = (b"x-request-id", request_id.encode())

        async def answering(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        try:
            await self._app(scope, receive, answering)
        finally:
            _record(scope, status, time.perf_counter() - started)
            REQUEST_ID.reset(token)

    def _given_id(self, scope: Scope) -> str:
        peer = scope.get("client")
        if not peer or peer[0] not in self._trusted:
            return ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                given = value.decode("latin-1")
                return given if REQUEST_ID_SHAPE.fullmatch(given) else ""
        return ""


def _record(scope: Any, status: int, seconds: float) -> None:
    method = scope["method"] if scope["method"] in METHODS else "other"
    route = scope.get("path_template") or UNMATCHED
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)
    fields = {"method": method, "route": route, "status": status, "ms": round(seconds * 1000, 1)}
    log.info("request", extra={"fields": fields})


# -- /metrics --


def _allowed(request: Request[Any, Any, Any]) -> bool:
    settings = request.app.state.settings
    given = request.headers.get("authorization", "")
    if settings.metrics_token and hmac.compare_digest(
        given.encode(), f"Bearer {settings.metrics_token}".encode()
    ):
        return True
    client = request.client.host if request.client else ""
    return _address_listed(client, settings.metrics_addresses)


def _address_listed(client: str, listed: Iterable[str]) -> bool:
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    for entry in listed:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


@get("/metrics", name="metrics", include_in_schema=False)
async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Not public: 404 where no reader is configured, 401 to a caller who is not one."""
    settings = request.app.state.settings
    if not (settings.metrics_token or settings.metrics_addresses):
        return Response(b"Not Found", status_code=404, media_type="text/plain")
    if not _allowed(request):
        return Response(
            b"Unauthorized",
            status_code=401,
            media_type="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    now = datetime.now(UTC)
    known = await operations(now, local_day_start(local_time(now).date()))
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    text = generate_latest(registry) + generate_latest(_Known(known))
    return Response(text, media_type=CONTENT_TYPE_LATEST)


class _Known:
    """db.operations' answer as Prometheus gauges (a collector of one scrape)."""

    def __init__(self, known: Operations) -> None:
        self.known = known

    def collect(self) -> Iterable[Metric]:
        known = self.known
        durations = {
            (figures.job, quantile): took.total_seconds()
            for figures in known.jobs
            for quantile, took in (("0.5", figures.median), ("0.9", figures.p90))
        }
        table: list[tuple[str, str, list[str], Mapping[Any, float]]] = [
            ("outbox_rows", "Outbox rows not done, by job and state", ["job", "state"],
             known.outbox),
            ("outbox_oldest_waiting_seconds", "Age of the oldest outbox row due and not done",
             [], {(): known.oldest_waiting_seconds}),
            ("outbox_dead_rows", "Outbox rows out of tries", [], {(): known.dead}),
            ("jobs_done_last_hour", "Jobs finished in the last hour", ["job"],
             {(f.job,): f.done for f in known.jobs}),
            ("job_duration_seconds_last_hour", "Median and 90th percentile of the last hour's"
             " job durations", ["job", "quantile"], durations),
            ("job_claims_held", "Jobs running now under a live lease", [],
             {(): known.claims_held}),
            ("webhook_attempts_last_hour", "Webhook attempts in the last hour by result",
             ["result"], {(r,): n for r, n in known.webhook_attempts.items()}),
            ("webhook_deliveries_failing", "Deliveries tried and not yet taken, per partner",
             ["partner"], {(p.partner,): p.failing for p in known.partners}),
            ("webhook_deliveries_dead", "Deliveries out of tries, per partner", ["partner"],
             {(p.partner,): p.dead for p in known.partners}),
            ("messages_last_hour", "SMS and e-mail sent in the last hour by result",
             ["channel", "status"], known.messages),
            ("requests_queued", "Return requests waiting in the staff queues, by state",
             ["state"], {(s,): n for s, n in known.queued.items()}),
            ("review_deadlines_missed_today", "Review deadlines that fell today with no"
             " decision before them", [], {(): known.review_missed_today}),
        ]  # fmt: skip
        for name, help_text, labels, values in table:
            family = GaugeMetricFamily(f"returndesk_{name}", help_text, labels=labels)
            for key, value in values.items():
                family.add_metric(list(key), value)
            yield family
