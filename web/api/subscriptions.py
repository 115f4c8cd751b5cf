"""Webhook subscriptions over the API: a client lists, adds, changes and removes its own (the
signing secret is answered once, when made or rotated)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Request, delete, get, post, put

from db.errors import NotFound
from db.webhook_subscriptions import (
    Subscription,
    add_subscription,
    change_subscription,
    remove_subscription,
    rotate_secret,
    subscription,
    subscriptions_of,
)
from domain.partners import DEFAULT_OVERLAP, Scope, webhook_url_problem
from web.api.access import current_client
from web.api.common import RowId
from web.api.problems import field_errors, problem_docs
from web.api.schemas import SubscriptionBody
from web.i18n import render_text

READ = {"scope": Scope.RETURNS_READ}
WRITE = {"scope": Scope.RETURNS_WRITE}


class ApiSubscription(msgspec.Struct, kw_only=True):
    id: int
    url: str
    events: list[str]  # empty: every type
    active: bool
    secret: str | None = None  # whsec_…: only in the answer that made or rotated it


class SubscriptionList(msgspec.Struct, kw_only=True):
    data: list[ApiSubscription]


def _shown(found: Subscription, secret: str | None = None) -> ApiSubscription:
    return ApiSubscription(id=found.id, url=found.url, events=list(found.events),
                           active=found.active, secret=secret)  # fmt: skip


def _checked_url(request: Request[Any, Any, Any], url: str) -> None:
    problem = webhook_url_problem(url, allow_http=request.app.state.settings.webhook_allow_http)
    if problem is not None:
        raise field_errors({"url": render_text(problem)})


async def _own(request: Request[Any, Any, Any], subscription_id: RowId) -> Subscription:
    found = await subscription(current_client(request).id, subscription_id)
    if found is None:
        raise NotFound(subscription_id)
    return found


@get("/webhooks", opt=READ, responses=problem_docs(), summary="Your webhook subscriptions")
async def list_subscriptions(request: Request[Any, Any, Any]) -> SubscriptionList:
    found = await subscriptions_of(current_client(request).id)
    return SubscriptionList(data=[_shown(s) for s in found])


@post("/webhooks", opt=WRITE, status_code=201, responses=problem_docs(400, 422),
      summary="Subscribe an address to events (the signing secret is answered once)")  # fmt: skip
async def add(request: Request[Any, Any, Any], data: SubscriptionBody) -> ApiSubscription:
    _checked_url(request, data.url)
    client = current_client(request)
    new_id, secret = await add_subscription(client.id, data.url, list(data.events),
                                            request.app.state.settings.secret_key, datetime.now(UTC))  # fmt: skip
    return _shown(await _own(request, new_id), secret)


@put("/webhooks/{subscription_id:int}", opt=WRITE, responses=problem_docs(400, 404, 422),
     summary="Change a subscription's address, events or whether it is active")  # fmt: skip
async def change(
    request: Request[Any, Any, Any], subscription_id: RowId, data: SubscriptionBody
) -> ApiSubscription:
    await _own(request, subscription_id)
    _checked_url(request, data.url)
    await change_subscription(current_client(request).id, subscription_id, url=data.url,
                              events=list(data.events), active=data.active)  # fmt: skip
    return _shown(await _own(request, subscription_id))


@post("/webhooks/{subscription_id:int}/rotate-secret", opt=WRITE, status_code=200,
      responses=problem_docs(404),
      summary="A new signing secret; the current one keeps signing alongside it for 24 hours")  # fmt: skip
async def rotate(request: Request[Any, Any, Any], subscription_id: RowId) -> ApiSubscription:
    found = await _own(request, subscription_id)
    secret = await rotate_secret(current_client(request).id, subscription_id, DEFAULT_OVERLAP,
                                 request.app.state.settings.secret_key, datetime.now(UTC))  # fmt: skip
    return _shown(found, secret)


@delete("/webhooks/{subscription_id:int}", opt=WRITE, status_code=204, responses=problem_docs(404),
        summary="Remove a subscription")  # fmt: skip
async def remove(request: Request[Any, Any, Any], subscription_id: RowId) -> None:
    if not await remove_subscription(current_client(request).id, subscription_id):
        raise NotFound(subscription_id)


ROUTES: list[Any] = [list_subscriptions, add, change, rotate, remove]
