"""The Litestar application: `create_app(settings)` wires routes, security, language and lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router
from redis.asyncio import Redis

from db.engine import close_database, open_database
from settings import PROJECT_ROOT, Settings
from web import i18n, merchant_home, request_page, returns_form
from web.dev_outbox import dev_outbox
from web.errors import EXCEPTION_HANDLERS
from web.merchant_signin import (
    SignInRequired,
    attach_merchant,
    code_form,
    code_submit,
    login_form,
    login_submit,
    logout,
    sign_in_required_handler,
)
from web.public import health, switch_language
from web.rendering import build_environment
from web.security import locale_middleware, security_headers_middleware


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await open_database()
        app.state.redis = Redis.from_url(settings.effective_redis_url())
        try:
            yield
        finally:
            await app.state.redis.aclose()
            await close_database()

    pages: list[Any] = [
        switch_language,
        health,
        login_form,
        login_submit,
        code_form,
        code_submit,
        logout,
    ]
    pages += [*merchant_home.ROUTES, *returns_form.ROUTES, *request_page.ROUTES]
    if settings.debug:
        pages.append(dev_outbox)  # never routed in production

    app = Litestar(
        route_handlers=[
            *pages,
            create_static_files_router(
                path="/static",
                directories=[PROJECT_ROOT / "static"],
                # every page links static files by a versioned URL (static() adds ?v=mtime)
                cache_control=CacheControlHeader(max_age=365 * 24 * 3600, public=True),
                include_in_schema=False,
            ),
        ],
        middleware=[
            security_headers_middleware,
            locale_middleware,
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="csrftoken",
            cookie_httponly=False,  # htmx reads nothing from it; the token is in the page
            cookie_samesite="lax",
            cookie_secure=not settings.debug,
            exclude=["/api/"],  # the partner API authenticates with keys, not cookies
        ),
        # merchants are often on slow 4G: pages, CSS and htmx go out gzipped
        compression_config=CompressionConfig(backend="gzip", gzip_compress_level=6),
        exception_handlers={**EXCEPTION_HANDLERS, SignInRequired: sign_in_required_handler},
        before_request=attach_merchant,
        lifespan=[lifespan],
        debug=False,
        openapi_config=None,
    )
    app.state.settings = settings
    app.state.jinja = build_environment()
    i18n.set_display_timezone(settings.timezone)
    if settings.debug:
        logging.basicConfig(level=logging.WARNING)
        logging.getLogger("returndesk").setLevel(logging.INFO)
    return app


def app_from_env() -> Litestar:
    """Entry point for `uvicorn --factory web.app:app_from_env`."""
    return create_app(Settings.from_env())
