"""Pages anyone may open: the signed-out home, the language switch, the health check."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import Cookie
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from redis.asyncio import Redis

from db.tables import ReturnRequest
from web import i18n
from web.navigation import local_path


@get("/lang", name="switch_language")
async def switch_language(request: Request[Any, Any, Any]) -> Redirect:
    to = request.query_params.get("to", "")
    locale = to if to in i18n.LOCALES else i18n.LOCALES[0]
    return Redirect(
        path=local_path(request.query_params.get("next")),
        status_code=303,
        cookies=[
            Cookie(
                key=i18n.LANG_COOKIE,
                value=locale,
                max_age=365 * 24 * 3600,
                samesite="lax",
                httponly=True,
            )
        ],
    )


@get("/healthz", name="health", cache_control=None)
async def health(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    """Liveness for load balancers: the database answers a query and Redis answers PING."""
    checks: dict[str, str] = {}
    try:
        await ReturnRequest.count()
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"error: {type(error).__name__}"
    redis: Redis = request.app.state.redis
    try:
        await redis.ping()
        checks["redis"] = "ok"
    except Exception as error:
        checks["redis"] = f"error: {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return Response(
        content={"status": "ok" if healthy else "unavailable", **checks},
        status_code=HTTP_200_OK if healthy else HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Cache-Control": "no-store"},
    )
