"""The file picker's routes, one component for merchants and staff: with script on, chosen files
are checked and staged at once and shown as thumbnails that can be removed; the form then sends
their ids and the action attaches them. Without script, the same input sends the files with the
form. Each audience's routes find the request (and refuse anyone else's) and call these."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from db.errors import NotFound
from db.evidence import stage
from db.staging import staged_file, unstage
from web.files import file_response
from web.navigation import redirect_to
from web.params import row_id
from web.rendering import asks_for_fragment, fragment
from web.uploads import chosen_files, prepared_files

TEMPLATE = "picker.html"


async def stage_chosen(
    request: Request[Any, Any, Any], request_id: int, actor_id: str, url: str
) -> Response[Any]:
    """The thumbnails of the files just chosen (and the words for any refused), as list items;
    any request but the picker's own is sent to the page (`url`) the form is on."""
    if not asks_for_fragment(request):
        return redirect_to(request, url)
    prepared, problem = await prepared_files(chosen_files(await request.form()))
    staged = []
    if not problem:
        store = request.app.state.files
        for file in prepared:
            file_id = await stage(store, request_id, actor_id, file)
            staged.append(
                {"id": file_id, "name": file.original_name, "thumb": file.thumb is not None}
            )
    return fragment(request, TEMPLATE, "items", page=url, staged=staged, problem=problem, url=url)


async def staged_thumb(
    request: Request[Any, Any, Any], request_id: int, actor_id: str, file_id: str
) -> Response[Any]:
    """A staged file's thumbnail, to whoever staged it only."""
    row = await staged_file(row_id(file_id), request_id, actor_id)
    if row is None:
        raise NotFound(file_id)
    return await file_response(request.app.state.files, row, "thumb")


async def remove_staged(
    request: Request[Any, Any, Any], request_id: int, actor_id: str, file_id: str
) -> Response[Any]:
    if not await unstage(request.app.state.files, row_id(file_id), request_id, actor_id):
        raise NotFound(file_id)
    return Response(content="", status_code=200)
