"""The file picker (web/picker.py) on the staff request screen's forms: a reply or note, a
decision with photos — on any request the staff member may see."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from web import picker
from web.auth import current_staff, staff_required
from web.staff.access import seen_request
from web.uploads import UPLOAD_BODY_LIMIT

GUARDS = [staff_required()]


async def _seen(request: Request[Any, Any, Any], rma: str) -> tuple[int, str, str]:
    request_id, canonical, _snapshot = await seen_request(request, rma)
    return request_id, current_staff(request).actor.id, f"/staff/requests/{canonical}"


@post("/staff/requests/{rma:str}/staged", name="staff_picker_stage", guards=GUARDS,
      request_max_body_size=UPLOAD_BODY_LIMIT)  # fmt: skip
async def stage_files(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    request_id, actor_id, url = await _seen(request, rma)
    return await picker.stage_chosen(request, request_id, actor_id, url)


@get("/staff/requests/{rma:str}/staged/{file_id:str}/thumb", name="staff_picker_thumb",
     guards=GUARDS)  # fmt: skip
async def staged_thumb(
    request: Request[Any, Any, Any], rma: FromPath[str], file_id: FromPath[str]
) -> Response[Any]:
    request_id, actor_id, _url = await _seen(request, rma)
    return await picker.staged_thumb(request, request_id, actor_id, file_id)


@post("/staff/requests/{rma:str}/staged/{file_id:str}/remove", name="staff_picker_remove",
      guards=GUARDS)  # fmt: skip
async def remove_staged(
    request: Request[Any, Any, Any], rma: FromPath[str], file_id: FromPath[str]
) -> Response[Any]:
    request_id, actor_id, _url = await _seen(request, rma)
    return await picker.remove_staged(request, request_id, actor_id, file_id)


ROUTES: list[Any] = [stage_files, staged_thumb, remove_staged]
