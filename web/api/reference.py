"""The partner API's reference page: Redoc, served from our own static files, reading the OpenAPI
document at /api/v1/openapi.json. Public, like the document itself: it says how to call the
API, not anything a key would open."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get

from web.rendering import render

# Redoc lays out the document with styles it writes at run time and searches it in a worker
# made from a blob: this page alone allows those; the rest of the site stays as strict as ever
REFERENCE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    ]
)


@get("/api/v1/openapi.json", name="api_openapi", include_in_schema=False, cache_control=None)
async def openapi_document(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The OpenAPI 3.1 document Litestar generates from the API's own handlers and types."""
    document: bytes | None = getattr(request.app.state, "openapi_json", None)
    if document is None:
        document = msgspec.json.encode(request.app.openapi_schema.to_schema())
        request.app.state.openapi_json = document
    return Response(document, media_type="application/vnd.oai.openapi+json",
                    headers={"Cache-Control": "public, max-age=300"})  # fmt: skip


@get("/api/v1/reference", name="api_reference", include_in_schema=False, cache_control=None)
async def reference(request: Request[Any, Any, Any]) -> Response[Any]:
    return render(
        request,
        "api/reference.html",
        headers={
            "Content-Security-Policy": REFERENCE_POLICY,
            "Cache-Control": "public, max-age=300",
        },
    )
