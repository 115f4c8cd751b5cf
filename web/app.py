"""The Litestar application: `create_app(settings)` wires the database, routes, security,
language and lifespan, top to bottom."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Router
from litestar.config.compression import CompressionConfig
from litestar.datastructures import CacheControlHeader
from litestar.enums import ScopeType
from litestar.plugins.problem_details import ProblemDetailsPlugin
from litestar.static_files import create_static_files_router
from litestar.types import Receive, Scope, Send
from redis.asyncio import Redis

from db.engine import bind_database, close_database
from db.health import DatabaseNotReady, wait_for_served_database
from db.s3_files import file_store_for
from logs import configure_logging
from settings import PROJECT_ROOT, Settings
from web import api, i18n, merchant, public, staff, verify
from web.auth import SignInRequired, sign_in_required_handler
from web.csrf import csrf_middleware_factory
from web.dev_outbox import dev_outbox
from web.errors import EXCEPTION_HANDLERS
from web.images import shutdown_image_process
from web.observe import Observed, metrics
from web.page_cache import PageCache
from web.rendering import build_environment
from web.security import head_as_get, locale_middleware, with_security_headers
from web.serve import end_with_supervisor
from web.uploads import FORM_BODY_LIMIT

log = logging.getLogger("returndesk.web")


class ReturnDeskApp(Litestar):
    """Litestar with promises kept outside its router, so they hold for every response — the
    router's own 404 and 405, a CSRF 403, a 413, a 500 and static files alike: the request id,
    count and log line (web.observe), the security headers, and HEAD answered wherever GET is."""

    observed: Observed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # type: ignore[override]
        if scope["type"] == ScopeType.HTTP:
            await self.observed(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    async def _answer(self, scope: Any, receive: Receive, send: Send) -> None:
        send = with_security_headers(send)
        if scope["method"] == "HEAD":
            scope = {**scope, "method": "GET"}
            send = head_as_get(send)
        await super().__call__(scope, receive, send)


def _lifespan(settings: Settings) -> Any:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        end_with_supervisor()
        try:
            await wait_for_served_database(settings.database_wait_seconds)
        except DatabaseNotReady as refusal:
            # said in one line before the server's traceback, then the server exits
            log.critical("ReturnDesk will not start: %s", refusal)
            raise
        app.state.redis = Redis.from_url(settings.effective_redis_url())
        # everything made at start-up lives as long as the process: keep it out of the garbage
        # collector's full passes, which otherwise walk it all and stall requests for tens of ms
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            shutdown_image_process()
            await app.state.redis.aclose()
            await close_database()

    return lifespan


def _routes(settings: Settings) -> list[Any]:
    pages: list[Any] = [*public.ROUTES, *verify.ROUTES, *merchant.ROUTES, *staff.ROUTES, metrics]
    if settings.debug:
        pages.append(dev_outbox)  # never routed in production
    return [
        # the OpenAPI document describes the partner API alone
        Router(path="/", route_handlers=[*pages, *api.ROUTES], include_in_schema=False),
        api.api_router(),
        create_static_files_router(
            path="/static",
            directories=[PROJECT_ROOT / "static"],
            # every page links static files by a versioned URL (static() adds ?v=mtime)
            cache_control=CacheControlHeader(max_age=365 * 24 * 3600, public=True),
            include_in_schema=False,
        ),
    ]


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    bind_database(settings.database_url, settings.database_pool_size)
    app = ReturnDeskApp(
        route_handlers=_routes(settings),
        middleware=[
            locale_middleware,
            csrf_middleware_factory(settings.secret_key, secure_cookie=not settings.debug),
        ],
        # merchants are often on slow 4G: pages, CSS and htmx go out gzipped
        # (not the poller's answers: mostly empty 204s, asked for every few seconds)
        # (nor the partner API's: an answer kept for an Idempotency-Key is replayed as it was)
        compression_config=CompressionConfig(
            backend="gzip", gzip_compress_level=6, exclude=["/returns/[^/]+/status", "/api/"]
        ),
        exception_handlers={**EXCEPTION_HANDLERS, SignInRequired: sign_in_required_handler},
        lifespan=[_lifespan(settings)],
        # a form without files needs far less; upload routes raise it for themselves
        request_max_body_size=FORM_BODY_LIMIT,
        debug=False,
        openapi_config=api.openapi_config(),
        plugins=[ProblemDetailsPlugin()],
        # logs.configure_logging sets the format; Litestar's own would write each line again
        logging_config=None,
    )
    app.observed = Observed(app._answer, settings.trusted_proxies)
    app.state.settings = settings
    app.state.files = file_store_for(settings)
    app.state.jinja = build_environment(reload=settings.debug)
    app.state.page_cache = PageCache()
    i18n.set_display_timezone(settings.timezone)
    configure_logging(json_lines=settings.log_json)
    return app


def app_from_env() -> Litestar:
    """Entry point for `uvicorn --factory web.app:app_from_env`."""
    return create_app(Settings.from_env())
