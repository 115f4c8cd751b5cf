"""What a partner does to a request on the merchant's side: submit, answer a question, ship,
cancel, appeal, accept a failed inspection. Each is the domain's own action (the same rules as
the portal's), attributed to the client; a refusal is a 422 with the domain's code and words,
a change made meanwhile a 409 — or a 412 when If-Match named the version that was changed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, post

from db.api_views import ApiRequest
from db.errors import Conflict
from db.returns import apply_action
from domain.lifecycle import Action, Command, Refusal
from domain.partners import Scope
from web.api.access import current_client
from web.api.common import RowId, answer, expected_version, own_request
from web.api.problems import ApiProblem, problem_docs, refused
from web.api.schemas import CancelBody, ShipBody, StatementBody

WRITE = {"scope": Scope.RETURNS_WRITE}
CHANGES = problem_docs(400, 401, 403, 404, 409, 412, 422, 429)


async def act(
    request: Request[Any, Any, Any],
    request_id: RowId,
    command: Command,
    files: Sequence[int] = (),
) -> Response[ApiRequest]:
    """Apply one action of the merchant's side, as this client, and answer with the request."""
    _snapshot, actor = await own_request(request, request_id)
    expected = expected_version(request)
    try:
        result = await apply_action(request_id, command, actor, datetime.now(UTC),
                                    expected_version=expected,
                                    actor_name=current_client(request).name,
                                    staged_files=files)  # fmt: skip
    except Conflict as changed:
        raise ApiProblem(412 if expected is not None else 409, "changed_meanwhile") from changed
    if isinstance(result, Refusal):
        raise refused(result)
    return await answer(request, request_id)


@post("/returns/{request_id:int}/submit", opt=WRITE, status_code=200, responses=CHANGES,
      summary="Submit a draft for review", description="The policy is checked now: the return "
      "window, the evidence its reason needs, units not already returned. An RMA number is given.")  # fmt: skip
async def submit(request: Request[Any, Any, Any], request_id: RowId) -> Response[ApiRequest]:
    return await act(request, request_id, Command(Action.SUBMIT))


@post("/returns/{request_id:int}/answer", opt=WRITE, status_code=200, responses=CHANGES,
      summary="Answer the reviewer's question and send the request back for review")  # fmt: skip
async def answer_question(
    request: Request[Any, Any, Any], request_id: RowId, data: StatementBody
) -> Response[ApiRequest]:
    command = Command(Action.RESUBMIT, data.message, added_evidence=len(data.files))
    return await act(request, request_id, command, data.files)


@post("/returns/{request_id:int}/ship", opt=WRITE, status_code=200, responses=CHANGES,
      summary="Say the goods are on their way back (carrier and tracking number)")  # fmt: skip
async def ship(
    request: Request[Any, Any, Any], request_id: RowId, data: ShipBody
) -> Response[ApiRequest]:
    command = Command(Action.SHIP, carrier=data.carrier, tracking_number=data.tracking_number)
    return await act(request, request_id, command)


@post("/returns/{request_id:int}/cancel", opt=WRITE, status_code=200, responses=CHANGES,
      summary="Cancel the request (before the goods are shipped)")  # fmt: skip
async def cancel(
    request: Request[Any, Any, Any],
    request_id: RowId,
    data: CancelBody = None,
) -> Response[ApiRequest]:
    return await act(request, request_id, Command(Action.CANCEL, data.message if data else ""))


@post("/returns/{request_id:int}/appeal", opt=WRITE, status_code=200, responses=CHANGES,
      summary="Appeal a rejection or a failed inspection",
      description="Within the appeal window, once per decision, with a statement and "
      "optionally new files (uploaded first with POST …/files).")  # fmt: skip
async def appeal(
    request: Request[Any, Any, Any], request_id: RowId, data: StatementBody
) -> Response[ApiRequest]:
    command = Command(Action.APPEAL, data.message, added_evidence=len(data.files))
    return await act(request, request_id, command, data.files)


@post("/returns/{request_id:int}/accept", opt=WRITE, status_code=200, responses=CHANGES,
      summary="Accept a failed inspection instead of appealing it (the goods go back)")  # fmt: skip
async def accept(request: Request[Any, Any, Any], request_id: RowId) -> Response[ApiRequest]:
    return await act(request, request_id, Command(Action.ACCEPT))


ROUTES: list[Any] = [submit, answer_question, ship, cancel, appeal, accept]
