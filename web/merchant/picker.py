"""The file picker of the request page's forms (a message, an answer, an appeal, a side case):
with script on, chosen files are checked and staged at once and shown as thumbnails that can be
removed; the form then sends their ids and the action attaches them. Without script, the same
input sends the files with the form."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from db.errors import NotFound
from db.evidence import stage
from db.staging import staged_file, unstage
from web.auth import current_merchant, merchant_actor, merchant_required
from web.files import file_response
from web.merchant.request_view import own_request, page_url
from web.navigation import redirect_to
from web.params import row_id
from web.rendering import asks_for_fragment, fragment
from web.uploads import UPLOAD_BODY_LIMIT, chosen_files, prepared_files

GUARDS = [merchant_required]
TEMPLATE = "merchant/request/picker.html"


@post(
    "/returns/{rma:str}/staged",
    name="picker_stage",
    guards=GUARDS,
    request_max_body_size=UPLOAD_BODY_LIMIT,
)
async def stage_files(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    """The thumbnails of the files just chosen (and the words for any refused), as list items."""
    request_id, _version = await own_request(request, rma)
    if not asks_for_fragment(request):  # the picker's script sends here; a form goes to its action
        return redirect_to(request, page_url(rma))
    actor = merchant_actor(current_merchant(request))
    prepared, problem = await prepared_files(chosen_files(await request.form()))
    staged = []
    if not problem:
        store = request.app.state.files
        for file in prepared:
            file_id = await stage(store, request_id, actor.id, file)
            staged.append(
                {"id": file_id, "name": file.original_name, "thumb": file.thumb is not None}
            )
    return fragment(
        request,
        TEMPLATE,
        "items",
        page=page_url(rma),
        staged=staged,
        problem=problem,
        url=page_url(rma),
    )


@get("/returns/{rma:str}/staged/{file_id:str}/thumb", name="picker_thumb", guards=GUARDS)
async def staged_thumb(
    request: Request[Any, Any, Any], rma: FromPath[str], file_id: FromPath[str]
) -> Any:
    request_id, _version = await own_request(request, rma)
    actor = merchant_actor(current_merchant(request))
    row = await staged_file(row_id(file_id), request_id, actor.id)
    if row is None:
        raise NotFound(file_id)
    return await file_response(request.app.state.files, row, "thumb")


@post("/returns/{rma:str}/staged/{file_id:str}/remove", name="picker_remove", guards=GUARDS)
async def remove_staged(
    request: Request[Any, Any, Any], rma: FromPath[str], file_id: FromPath[str]
) -> Response[Any]:
    request_id, _version = await own_request(request, rma)
    actor = merchant_actor(current_merchant(request))
    if not await unstage(request.app.state.files, row_id(file_id), request_id, actor.id):
        raise NotFound(file_id)
    return Response(content="", status_code=200)


ROUTES: list[Any] = [stage_files, staged_thumb, remove_staged]
