"""Return requests over the API: file one as a draft for a merchant (checked as the portal checks
it), read one, list the client's own by a cursor."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, cast

import msgspec
from litestar import MediaType, Request, Response, get, post
from litestar.params import QueryParameter

from db.api_views import ApiRequest
from db.drafts import held_serials
from db.errors import NotFound
from db.merchants import merchant_by_id
from db.orders import OrderView, merchant_order
from db.partner_returns import (
    PartnerDraft,
    RequestFilter,
    api_fingerprint,
    client_requests,
    create_partner_draft,
    decode_cursor,
    encode_cursor,
)
from domain.partners import Scope
from domain.return_form import ItemChoice, check_items, check_reason, check_resolution
from domain.terms import State
from web.api.access import current_client
from web.api.common import RowId, answer, view
from web.api.problems import field_errors, problem_docs
from web.api.schemas import ReturnBody, ReturnIn
from web.i18n import current_locale, render_text
from web.i18n import gettext as _
from web.page_cache import PageCache

READ = {"scope": Scope.RETURNS_READ}
WRITE = {"scope": Scope.RETURNS_WRITE}


class ReturnList(msgspec.Struct, kw_only=True):
    data: list[ApiRequest]
    next_cursor: str | None  # pass as ?cursor= for the next page; None at the end


def _item_field(name: str, body: ReturnIn) -> str:
    """Where a problem of the return form lands in the API's body."""
    if name == "item_choice":
        return "items"
    kind, _sep, line = name.partition("-")
    index = next((n for n, item in enumerate(body.items) if str(item.order_item_id) == line), 0)
    return f"items[{index}].{'serial_number' if kind == 'sn' else 'quantity'}"


async def _checked(
    body: ReturnIn, merchant_id: int, order: OrderView
) -> tuple[PartnerDraft | None, dict[str, str]]:
    lines = [line.as_order_line() for line in order.lines]
    known = {line.order_item_id for line in lines}
    errors = {f"items[{n}].order_item_id": _("This is not a line of the order.")
              for n, item in enumerate(body.items) if item.order_item_id not in known}  # fmt: skip
    holders = await held_serials([line.serial_number for line in order.lines if line.serial_number])
    choices = [
        ItemChoice(i.order_item_id, str(i.quantity), i.serial_number or "") for i in body.items
    ]
    items, problems = check_items(lines, choices, holders)
    errors |= {_item_field(name, body): render_text(text) for name, text in problems.items()}
    reason, reason_problems = check_reason(body.reason, body.description)
    refund = body.refund
    choice, resolution_problems = check_resolution(
        resolution_text=body.resolution, method_text=refund.method if refund else "original",
        holder=refund.account_holder if refund else "", bank=refund.bank if refund else "",
        bank_account=refund.account if refund else "", alipay_account=refund.account if refund else "",
        contact_phone=body.contact_phone, stored_method="", has_stored_account=False,
    )  # fmt: skip
    renamed = {"refund_method": "refund.method", "bank_account": "refund.account",
               "alipay_account": "refund.account", "account_holder": "refund.account_holder",
               "bank": "refund.bank"}  # fmt: skip
    for name, text in {**reason_problems, **resolution_problems}.items():
        errors[renamed.get(name, name)] = render_text(text)
    if errors or reason is None or choice is None:
        return None, errors
    return PartnerDraft(merchant_id, order.id, items, reason, body.description, choice), {}


@post("/returns", opt=WRITE, responses=problem_docs(422), summary="File a return request for a merchant (as a draft)",
      description="Checked as the merchant portal checks it: the order must be the merchant's, "
      "each unit one the order delivered and not held by another request. Add evidence with "
      "POST /returns/{id}/files, then POST /returns/{id}/submit.")  # fmt: skip
async def create_return(request: Request[Any, Any, Any], data: ReturnBody) -> Response[ApiRequest]:
    merchant = await merchant_by_id(data.merchant_id)
    order = await merchant_order(data.merchant_id, datetime.now(UTC), order_no=data.order_no)
    if merchant is None:
        raise field_errors({"merchant_id": _("There is no merchant with this id.")})
    if order is None:
        raise field_errors({"order_no": _("This merchant has no order with this number.")})
    if not data.contact_phone:  # the merchant's own number, as a counter registration uses
        data = msgspec.structs.replace(data, contact_phone=merchant.phone)
    draft, errors = await _checked(data, merchant.id, order)
    if draft is None:
        raise field_errors(errors)
    client = current_client(request)
    secret = request.app.state.settings.secret_key
    request_id = await create_partner_draft(client, draft, secret, datetime.now(UTC))
    return await answer(request, request_id, status=201)


@get("/returns/{request_id:int}", opt=READ, responses=problem_docs(), summary="A return request",
     description="Its state, deadlines, next step and the actions open to you now, items, "
     "timeline, evidence and documents. The ETag is its version: send it in If-Match to "
     "change it only as you saw it.")  # fmt: skip
async def get_return(request: Request[Any, Any, Any], request_id: RowId) -> Response[ApiRequest]:
    client = current_client(request)
    found = await api_fingerprint(request_id)
    if found is None or found[0] != client.id:  # anyone else's is as good as none
        raise NotFound(request_id)
    _client, version, last_document = found
    tag = f'"{version}"'
    if request.headers.get("if-none-match") == tag:
        return Response(cast(Any, None), status_code=304, headers={"ETag": tag})
    # kept by what it shows: its version, newest document, language, and the minute (the
    # actions open now depend on the clock)
    minute = int(datetime.now(UTC).timestamp() // 60)
    key = ("api", request_id, version, last_document, client.id, current_locale(), minute)
    cache: PageCache = request.app.state.page_cache
    body = cache.get(key)
    if body is None:
        body = ("", msgspec.json.encode(await view(request, request_id)).decode())
        cache.put(key, body)
    headers = {"ETag": tag, "Cache-Control": "no-store"}
    return Response(cast(Any, body[1].encode()), media_type=MediaType.JSON, headers=headers)


@get("/returns", opt=READ, responses=problem_docs(422), summary="Your return requests, least recently changed first",
     description="Only requests this client filed. Page with next_cursor; filter by state, "
     "merchant, or changed since a moment (RFC 3339).")  # fmt: skip
async def list_returns(
    request: Request[Any, Any, Any],
    in_state: Annotated[State | None, QueryParameter(name="state")] = None,
    merchant_id: Annotated[
        int | None, QueryParameter(name="merchant_id", ge=1, le=2**31 - 1)
    ] = None,
    updated_since: Annotated[datetime | None, QueryParameter(name="updated_since")] = None,
    cursor: Annotated[str | None, QueryParameter(name="cursor", max_length=200)] = None,
    limit: Annotated[int, QueryParameter(name="limit", ge=1, le=100)] = 20,
) -> ReturnList:
    after = decode_cursor(cursor) if cursor else None
    if cursor and after is None:
        raise field_errors({"cursor": _("This is not a cursor this API gave.")})
    if updated_since is not None and updated_since.tzinfo is None:
        raise field_errors({"updated_since": _("Give the moment with its time zone (RFC 3339).")})
    wanted = RequestFilter(in_state, merchant_id, updated_since, after)
    rows = await client_requests(current_client(request).id, wanted, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    found = [await view(request, int(row["id"])) for row in rows]
    last = rows[-1] if rows and more else None
    return ReturnList(
        data=found, next_cursor=encode_cursor(last["updated_at"], int(last["id"])) if last else None
    )


ROUTES: list[Any] = [create_return, get_return, list_returns]
