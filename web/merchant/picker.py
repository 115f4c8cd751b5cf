"""The file picker (web/picker.py) on the request page's forms: a message, an answer, an appeal,
a side case — on the merchant's own requests only."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from web import picker
from web.auth import current_merchant, merchant_actor, merchant_required
from web.merchant.request_view import own_request, page_url
from web.uploads import UPLOAD_BODY_LIMIT

GUARDS = [merchant_required]


async def _theirs(request: Request[Any, Any, Any], rma: str) -> tuple[int, str]:
    request_id, _version = await own_request(request, rma)
    return request_id, merchant_actor(current_merchant(request)).id


@post("/returns/{rma:str}/staged", name="picker_stage", guards=GUARDS,
      request_max_body_size=UPLOAD_BODY_LIMIT)  # fmt: skip
async def stage_files(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    request_id, actor_id = await _theirs(request, rma)
    return await picker.stage_chosen(request, request_id, actor_id, page_url(rma))


@get("/returns/{rma:str}/staged/{file_id:str}/thumb", name="picker_thumb", guards=GUARDS)
async def staged_thumb(
    request: Request[Any, Any, Any], rma: FromPath[str], file_id: FromPath[str]
) -> Response[Any]:
    request_id, actor_id = await _theirs(request, rma)
    return await picker.staged_thumb(request, request_id, actor_id, file_id)


@post("/returns/{rma:str}/staged/{file_id:str}/remove", name="picker_remove", guards=GUARDS)
async def remove_staged(
    request: Request[Any, Any, Any], rma: FromPath[str], file_id: FromPath[str]
) -> Response[Any]:
    request_id, actor_id = await _theirs(request, rma)
    return await picker.remove_staged(request, request_id, actor_id, file_id)


ROUTES: list[Any] = [stage_files, staged_thumb, remove_staged]
