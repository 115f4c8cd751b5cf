"""What every partner API operation shares: the client's own request (anyone else's is the same
404 as none), the client acting as the merchant's side (domain/ decides what it may do), the
request as answered with its ETag, and If-Match read as the version a change expects."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, Response
from litestar.params import PathParameter

from db.api_views import ApiRequest, api_request
from db.errors import NotFound
from db.partners import ApiClient
from db.snapshots import load_snapshot
from domain.guards import not_theirs
from domain.request import Actor, ReturnSnapshot
from domain.terms import Role
from web.api.access import current_client
from web.api.problems import ApiProblem
from web.i18n import current_locale
from web.params import MAX_ROW_ID, row_id

# a row id in a path: past what the database's integer holds is a 400, not its overflow
RowId = Annotated[int, PathParameter(ge=1, le=MAX_ROW_ID, description="A row id.")]

_IF_MATCH = re.compile(r'\s*(?:W/)?"(\d{1,10})"\s*')


def partner_actor(client: ApiClient, merchant_id: int) -> Actor:
    """The client acting for the merchant whose request it handles."""
    return Actor(Role.PARTNER, client.actor_id, merchant_id, client.outlet_id)


async def own_request(
    request: Request[Any, Any, Any], request_id: int
) -> tuple[ReturnSnapshot, Actor]:
    """The request if this client filed it (domain.guards.not_theirs); else 404."""
    client = current_client(request)
    snapshot = await load_snapshot(row_id(request_id))
    actor = partner_actor(client, snapshot.merchant_id)
    if not_theirs(snapshot, actor) is not None:
        raise NotFound(request_id)
    return snapshot, actor


def etag(version: int) -> str:
    return f'"{version}"'


async def view(request: Request[Any, Any, Any], request_id: RowId) -> ApiRequest:
    settings = request.app.state.settings
    return await api_request(request_id, current_client(request).id, locale=current_locale(),
                             zone=settings.timezone, now=datetime.now(UTC))  # fmt: skip


async def answer(
    request: Request[Any, Any, Any], request_id: RowId, status: int = 200
) -> Response[ApiRequest]:
    """The request as it stands now, with its version as the ETag."""
    found = await view(request, request_id)
    headers = {"ETag": etag(found.version), "Cache-Control": "no-store"}
    if status == 201:
        headers["Location"] = f"/api/v1/returns/{request_id}"
    return Response(found, status_code=status, headers=headers)


def expected_version(request: Request[Any, Any, Any]) -> int | None:
    """The version If-Match names (412 for one that is not a version of ours); None without."""
    given = request.headers.get("if-match")
    if given is None:
        return None
    found = _IF_MATCH.fullmatch(given)
    if found is None:
        raise ApiProblem(412, "precondition_failed")
    return int(found.group(1))
