"""The request's conversation and its events over the API: messages with customer service (read
and written as the merchant's side, staff by role and number), and every event of the request
after a cursor — what webhooks carried, for a partner that missed some."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.params import QueryParameter

from db.api_views import ApiFile, api_file
from db.conversations import post_message
from db.partner_returns import request_events
from db.request_views import request_page
from domain.attribution import staff_number
from domain.lifecycle import Refusal
from domain.partners import Scope
from web.api.access import current_client
from web.api.common import RowId, own_request
from web.api.problems import problem_docs, refused
from web.api.schemas import MessageBody

READ = {"scope": Scope.RETURNS_READ}
WRITE = {"scope": Scope.RETURNS_WRITE}


class ApiMessage(msgspec.Struct, kw_only=True):
    id: int
    by: str  # a role: "merchant", "partner", "reviewer", …
    staff_number: str | None
    body: str
    at: datetime
    files: list[ApiFile]


class MessageList(msgspec.Struct, kw_only=True):
    data: list[ApiMessage]  # oldest first


class ApiEvent(msgspec.Struct, kw_only=True):
    cursor: int  # pass as ?after= to read what came later
    id: str  # the webhook-id it was (or will be) delivered with
    type: str
    data: dict[str, Any]
    occurred_at: datetime


class EventList(msgspec.Struct, kw_only=True):
    data: list[ApiEvent]  # oldest first
    next_after: int | None  # the cursor to continue from; None when nothing more is there


async def _messages(request_id: RowId) -> list[ApiMessage]:
    page = await request_page(request_id)
    return [
        ApiMessage(id=m.id, by=m.author_role.value, staff_number=staff_number(m.author_id),
                   body=m.body, at=m.at, files=[api_file(request_id, f) for f in m.files])
        for m in page.thread
    ]  # fmt: skip


@get("/returns/{request_id:int}/messages", opt=READ, responses=problem_docs(404),
     summary="Messages with customer service, oldest first")  # fmt: skip
async def list_messages(request: Request[Any, Any, Any], request_id: RowId) -> MessageList:
    await own_request(request, request_id)
    return MessageList(data=await _messages(request_id))


@post("/returns/{request_id:int}/messages", opt=WRITE, status_code=201,
      responses=problem_docs(400, 404, 422),
      summary="Write to customer service (with files uploaded first)")  # fmt: skip
async def write_message(
    request: Request[Any, Any, Any], request_id: RowId, data: MessageBody
) -> ApiMessage:
    _snapshot, actor = await own_request(request, request_id)
    result = await post_message(request_id, actor, current_client(request).name, data.body,
                                datetime.now(UTC), staged_files=data.files)  # fmt: skip
    if isinstance(result, Refusal):
        raise refused(result)
    return next(m for m in await _messages(request_id) if m.id == result)


@get("/returns/{request_id:int}/events", opt=READ, responses=problem_docs(400, 404),
     summary="The request's events after a cursor, oldest first",
     description="The same events webhooks carry, each with the webhook-id it is delivered "
     "with: read them to catch up after missing deliveries.")  # fmt: skip
async def list_events(
    request: Request[Any, Any, Any],
    request_id: RowId,
    after: Annotated[int, QueryParameter(name="after", ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, QueryParameter(name="limit", ge=1, le=200)] = 50,
) -> EventList:
    await own_request(request, request_id)
    rows = await request_events(request_id, after, limit + 1)
    found = [
        ApiEvent(cursor=int(row["id"]), id=str(row["event_id"]), type=str(row["type"]),
                 data=dict(row["data"] or {}), occurred_at=row["occurred_at"])
        for row in rows[:limit]
    ]  # fmt: skip
    more = len(rows) > limit
    return EventList(data=found, next_after=found[-1].cursor if more and found else None)


ROUTES: list[Any] = [list_messages, write_message, list_events]
