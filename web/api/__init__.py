"""The partner API (/api/v1): JSON for partner systems with a key, the third audience beside
merchants and staff. It calls the same db/ stores and domain/ rules as the pages."""

from __future__ import annotations

from typing import Any

from litestar import Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Tag

from web.api import actions, conversation, files, orders, reference, returns, subscriptions, sync
from web.api.access import access_middleware, scope_required
from web.api.idempotency import idempotency_middleware
from web.api.problems import API_EXCEPTION_HANDLERS

DESCRIPTION = """\
File and follow return requests for merchants from another system.

**Keys.** Send `Authorization: Bearer <key>`. A supervisor makes a client and its key at
/staff/api-clients; each operation names the scope it needs (`returns:read`, `returns:write`,
`sync`). A client sees only the requests it filed.

**Sync.** The provider's order system keeps merchants, products, orders and terminals current
under /sync (scope `sync`): batches of up to 1,000 records, each good record kept and each bad
one named in `errors` (index, field, code, words); the same batch twice changes nothing.

**Errors** are RFC 9457 problem details (`application/problem+json`): `code` is stable for
programs (the domain's refusal codes among them), `detail` is for people, in the language of
`Accept-Language` (Chinese unless it asks for `en`), `errors[]` names each field that was wrong.

**Retries.** Send `Idempotency-Key` with a POST: the same key and body again get the first
answer back and change nothing; the same key with another body is 422; while the first is still
being answered, 409. Keys are kept 24 hours.

**Concurrency.** GET answers with the request's version as `ETag`; send it in `If-Match` with a
change to make it only if nobody changed the request meanwhile (412 otherwise).

**Rate limits** are per client and minute: every answer carries `RateLimit-Policy` and
`RateLimit`; past the limit, 429 with `Retry-After`.

**Webhooks** are signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`,
`webhook-signature`); subscribe with POST /webhooks. A missed event can be read again at
GET /returns/{id}/events.
"""


OPERATIONS: list[Any] = [
    *orders.ROUTES,
    *returns.ROUTES,
    *actions.ROUTES,
    *files.ROUTES,
    *conversation.ROUTES,
    *subscriptions.ROUTES,
    *sync.ROUTES,
]


def _scope_documented(handler: Any) -> Any:
    """Each operation's scope, in its description and as the role its security requirement
    names (OpenAPI 3.1 lets a non-OAuth scheme list roles), from the scope its guard checks."""
    scope = handler.opt["scope"].value
    said = f"Scope: `{scope}`."
    if said not in (handler.description or ""):  # the handlers outlive one app: say it once
        handler.description = f"{handler.description or ''}\n\n{said}".strip()
    handler.security = [{"key": [scope]}]
    return handler


def api_router() -> Router:
    return Router(
        path="/api/v1",
        route_handlers=[_scope_documented(handler) for handler in OPERATIONS],
        middleware=[access_middleware, idempotency_middleware],
        guards=[scope_required],
        exception_handlers=API_EXCEPTION_HANDLERS,
    )


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="ReturnDesk partner API",
        version="1.0.0",
        description=DESCRIPTION,
        # Litestar serves its own copy below a path of its own, where its catch-all answers
        # unknown paths with HTML; the document partners use is web.api.reference's
        path="/api/v1/schema",
        render_plugins=[JsonRenderPlugin()],
        components=Components(
            security_schemes={
                "key": SecurityScheme(
                    type="http", scheme="bearer", description="rdk_live_… (a client's key)"
                )
            }
        ),
        tags=[Tag(name="returns")],
        use_handler_docstrings=False,
    )


ROUTES: list[Any] = [reference.reference, reference.openapi_document]
