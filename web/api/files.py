"""Files over the API: evidence uploaded with exactly the portal's checks (content sniffing,
re-encoding, size and pixel limits), attached to a draft at once or kept for the next action or
message; a request's files and documents downloaded by whoever may see them (domain.file_access)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, MultipartBody

from db.errors import NotFound
from db.evidence import add_to_draft, request_file, stage
from db.partner_returns import rma_of
from domain.evidence import MAX_FILES
from domain.file_access import may_see_file
from domain.partners import Scope
from domain.terms import State
from web.api.common import RowId, own_request
from web.api.problems import ApiProblem, problem_docs
from web.documents import document_file
from web.files import file_response
from web.i18n import gettext as _
from web.uploads import UPLOAD_BODY_LIMIT, prepared_files

READ = {"scope": Scope.RETURNS_READ}
WRITE = {"scope": Scope.RETURNS_WRITE}


@dataclass
class FilesIn:
    files: list[UploadFile] = field(default_factory=list)


class UploadedFile(msgspec.Struct, kw_only=True):
    id: int
    name: str
    kind: str  # "image" or "pdf"
    attached: bool  # True: now evidence of the draft; False: send its id with the next action


class Uploaded(msgspec.Struct, kw_only=True):
    files: list[UploadedFile]


@post("/returns/{request_id:int}/files", opt=WRITE, status_code=201,
      request_max_body_size=UPLOAD_BODY_LIMIT, responses=problem_docs(400, 404, 413, 422),
      summary="Upload photos or PDFs (multipart, field `files`)",
      description="Up to 10 files of up to 10 MB each: JPEG, PNG, WebP, HEIC or PDF, checked "
      "by their content and re-encoded, location data removed. On a draft they become its "
      "evidence; on a submitted request they wait to be sent with an answer, an appeal or "
      "a message (their ids in `files`).")  # fmt: skip
async def upload(
    request: Request[Any, Any, Any],
    request_id: RowId,
    data: MultipartBody[FilesIn],
) -> Uploaded:
    snapshot, actor = await own_request(request, request_id)
    chosen = [f for f in data.files if isinstance(f, UploadFile) and f.filename]
    if not chosen:
        raise ApiProblem(400, "no_files", _("Send at least one file in the field `files`."))
    prepared, problem = await prepared_files(chosen)
    if problem:
        raise ApiProblem(422, "file_refused", problem)
    store, draft = request.app.state.files, snapshot.state is State.DRAFT
    made = []
    for file in prepared:
        if draft:
            file_id = await add_to_draft(store, request_id, snapshot.merchant_id, file)
            if file_id is None:
                raise ApiProblem(422, "too_many_files",
                                 _("A request holds at most %(most)s files.") % {"most": MAX_FILES})  # fmt: skip
        else:
            file_id = await stage(store, request_id, actor.id, file)
        made.append(
            UploadedFile(id=file_id, name=file.original_name, kind=file.kind, attached=draft)
        )
    return Uploaded(files=made)


@get("/returns/{request_id:int}/files/{file_id:int}", opt=READ, responses=problem_docs(404),
     summary="A file of the request (evidence, a step's, a message's)", media_type="application/octet-stream")  # fmt: skip
async def download_file(
    request: Request[Any, Any, Any], request_id: RowId, file_id: RowId
) -> Response[Any]:
    _snapshot, actor = await own_request(request, request_id)
    found = await request_file(file_id)
    if (
        found is None
        or found.row["request"] != request_id
        or not may_see_file(actor, found.owner, found.place)
    ):
        raise NotFound(file_id)
    return await file_response(request.app.state.files, found.row, "original")


@get("/returns/{request_id:int}/documents/{kind:str}", opt=READ, responses=problem_docs(404),
     summary="The newest version of a document (authorization, refund_receipt, case_file)",
     media_type="application/pdf")  # fmt: skip
async def download_document(
    request: Request[Any, Any, Any], request_id: RowId, kind: FromPath[str]
) -> Response[Any]:
    await own_request(request, request_id)
    rma = await rma_of(request_id)
    return await document_file(request.app.state.files, request_id, kind, rma)


ROUTES: list[Any] = [upload, download_file, download_document]
