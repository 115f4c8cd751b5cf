"""Pages anyone may open without a session: the language switch, the health check, the icon."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import Cookie
from litestar.response import File, Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from redis.asyncio import Redis

from db.health import database_health, migrations_current
from settings import PROJECT_ROOT
from texts import LOCALES
from web.cookies import LANGUAGE
from web.navigation import local_path

FAVICON = PROJECT_ROOT / "static" / "favicon.ico"


@get("/lang", name="switch_language")
async def switch_language(request: Request[Any, Any, Any]) -> Redirect:
    to = request.query_params.get("to", "")
    locale = to if to in LOCALES else LOCALES[0]
    return Redirect(
        path=local_path(request.query_params.get("next")),
        status_code=303,
        cookies=[
            Cookie(
                key=LANGUAGE,
                value=locale,
                max_age=365 * 24 * 3600,
                samesite="lax",
                httponly=True,
            )
        ],
    )


async def _service_checks(request: Request[Any, Any, Any]) -> dict[str, str]:
    checks = {"database": await database_health()}
    redis: Redis = request.app.state.redis
    try:
        await redis.ping()
        checks["redis"] = "ok"
    except Exception:
        checks["redis"] = "unavailable"
    return checks


def _verdict(checks: dict[str, str]) -> Response[dict[str, str]]:
    healthy = all(value == "ok" for value in checks.values())
    return Response(
        content={"status": "ok" if healthy else "unavailable", **checks},
        status_code=HTTP_200_OK if healthy else HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Cache-Control": "no-store"},
    )


@get("/healthz", name="health", cache_control=None)
async def health(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    """For load balancers: the database takes a write and Redis answers PING (no more detail
    than "ok" or "unavailable": nothing about the machinery behind it)."""
    return _verdict(await _service_checks(request))


@get("/readyz", name="ready", cache_control=None)
async def ready(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    """For orchestrators: whether this process can serve now — /healthz's checks, and the
    database migrated to this code's version (else "behind": a release's migrations not run)."""
    return _verdict({**await _service_checks(request), "migrations": await migrations_current()})


@get("/favicon.ico", name="favicon", include_in_schema=False)
async def favicon() -> File:
    return File(
        path=FAVICON,
        media_type="image/x-icon",
        content_disposition_type="inline",
        headers={"Cache-Control": "public, max-age=604800"},
    )


ROUTES: list[Any] = [switch_language, health, ready, favicon]
