"""Resumable photo uploads for the return form (tus 1.0.0: core, creation, creation-with-upload,
termination, expiration, checksum), so a photo that loses the connection at 90 % sends only
the rest when it is back.

Each chunk's bytes are kept in the file store as a part of their own the moment they arrive —
those of a chunk cut off midway too — so any web process (or machine) can take the next one.
Only once the whole file is there is it checked and re-encoded by the image process and added
to the draft, exactly as a file sent by the form is. An upload belongs to the session that made
it (another session is told there is no such upload), and one nobody adds to for a day is gone.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from litestar import Request, Response, delete, get, patch, post, route
from litestar.enums import HttpMethod
from litestar.exceptions import InternalServerException
from litestar.params import FromPath

from db.evidence import add_to_draft
from db.files import FileStore
from db.resumable import Upload, forget_upload, moved_on, new_upload, owned_upload
from domain import tus
from domain.evidence import clean_name, too_many
from domain.text import Text
from web.i18n import gettext as _
from web.i18n import render_text
from web.images import prepare_upload
from web.merchant.form.common import GUARDS, own_draft
from web.sessions import session_token

UPLOADS = "/returns/uploads"


def _answer(status: int, headers: dict[str, str] | None = None, words: str = "") -> Response[Any]:
    return Response(
        content=words.encode(),
        status_code=status,
        media_type="text/plain; charset=utf-8",
        headers={"Tus-Resumable": tus.VERSION, "Cache-Control": "no-store", **(headers or {})},
    )


def _owner(request: Request[Any, Any, Any]) -> str:
    return hashlib.sha256((session_token(request) or "").encode()).hexdigest()


def _wrong_version(request: Request[Any, Any, Any]) -> Response[Any] | None:
    if request.headers.get("tus-resumable") == tus.VERSION:
        return None
    return _answer(412, {"Tus-Version": tus.VERSION}, _("This upload client is not supported."))


@route(UPLOADS, http_method=[HttpMethod.OPTIONS], name="resumable_options")
async def options() -> Response[Any]:
    return _answer(204, {"Tus-Version": tus.VERSION, "Tus-Extension": tus.EXTENSIONS,
                         "Tus-Max-Size": str(tus.MAX_SIZE), "Tus-Checksum-Algorithm": tus.CHECKSUMS})  # fmt: skip


@post("/returns/drafts/{draft_id:str}/uploads", guards=GUARDS, name="resumable_create",
      request_max_body_size=tus.MAX_CHUNK)  # fmt: skip
async def create(request: Request[Any, Any, Any], draft_id: FromPath[str]) -> Response[Any]:
    if (refused := _wrong_version(request)) is not None:
        return refused
    draft = await own_draft(request, draft_id)
    length = tus.whole_number(request.headers.get("upload-length", ""))
    meta = tus.metadata(request.headers.get("upload-metadata", ""))
    if not draft.is_draft:
        return _answer(409, words=_("This return request has already been submitted."))
    if length is None or meta is None:
        return _answer(400, words=_("This upload could not be understood."))
    if length > tus.MAX_SIZE:
        return _answer(413, words=_("A file may be at most 10 MB."))
    expires = datetime.now(UTC) + tus.EXPIRES_AFTER
    upload = await new_upload(_owner(request), draft.id, clean_name(meta.get("filename", "")),
                              length, expires)  # fmt: skip
    headers = {"Location": f"{UPLOADS}/{upload.key}", "Upload-Expires": tus.expires_header(expires)}
    if request.headers.get("content-type") == tus.CHUNK_TYPE:  # creation-with-upload
        answer = await _take_chunk(request, upload, 0)
        headers["Upload-Offset"] = answer.headers.get("Upload-Offset", "0")
        if (answer.status_code or 0) >= 400:
            return answer
    return _answer(201, headers)


@get(f"{UPLOADS}/{{key:str}}", guards=GUARDS, name="resumable_offset")
async def offset(request: Request[Any, Any, Any], key: FromPath[str]) -> Response[Any]:
    """HEAD (the app answers a HEAD with its GET, without the body): how much has arrived."""
    upload = await _found(request, key)
    if isinstance(upload, Response):
        return upload
    return _answer(200, {"Upload-Offset": str(upload.offset), "Upload-Length": str(upload.length),
                         "Upload-Expires": tus.expires_header(upload.expires_at)})  # fmt: skip


@patch(f"{UPLOADS}/{{key:str}}", guards=GUARDS, name="resumable_chunk",
       request_max_body_size=tus.MAX_CHUNK)  # fmt: skip
async def chunk(request: Request[Any, Any, Any], key: FromPath[str]) -> Response[Any]:
    if (refused := _wrong_version(request)) is not None:
        return refused
    if request.headers.get("content-type") != tus.CHUNK_TYPE:
        return _answer(415, words=_("This upload could not be understood."))
    upload = await _found(request, key)
    if isinstance(upload, Response):
        return upload
    claimed = tus.whole_number(request.headers.get("upload-offset", ""))
    if claimed is None:
        return _answer(400, words=_("This upload could not be understood."))
    return await _take_chunk(request, upload, claimed)


@delete(f"{UPLOADS}/{{key:str}}", guards=GUARDS, name="resumable_end", status_code=200)
async def terminate(request: Request[Any, Any, Any], key: FromPath[str]) -> Response[Any]:
    if (refused := _wrong_version(request)) is not None:
        return refused
    upload = await _found(request, key)
    if isinstance(upload, Response):
        return upload
    await _end(request.app.state.files, upload)
    return _answer(204)


async def _found(request: Request[Any, Any, Any], key: str) -> Upload | Response[Any]:
    """This session's upload at `key`, or the answer that it has none there (any more)."""
    upload = await owned_upload(key, _owner(request))
    if upload is None:
        return _answer(404, words=_("There is no such upload."))
    if upload.expires_at <= datetime.now(UTC):
        return _answer(410, words=_("This upload has expired. Please choose the file again."))
    return upload


async def _take_chunk(
    request: Request[Any, Any, Any], upload: Upload, claimed: int
) -> Response[Any]:
    """Keep what the request brings at `claimed` (all it brought before a cut-off too)."""
    if claimed != upload.offset:
        return _answer(409, {"Upload-Offset": str(upload.offset)})
    try:
        expected = tus.checksum(request.headers.get("upload-checksum", ""))
    except ValueError:
        return _answer(400, words=_("This upload could not be understood."))
    content, whole = await _received(request, upload.length - upload.offset)
    if content is None:
        return _answer(413, words=_("A file may be at most 10 MB."))
    if expected is not None and not (whole and expected.matches(content)):
        return _answer(tus.CHECKSUM_MISMATCH, {"Upload-Offset": str(upload.offset)})
    store: FileStore = request.app.state.files
    parts = upload.parts
    if content:
        part = await store.save(content, ".part")
        expires = datetime.now(UTC) + tus.EXPIRES_AFTER
        if not await moved_on(
            upload.key, upload.offset, upload.offset + len(content), part, expires
        ):
            await store.delete([part])  # another chunk got there first
            return _answer(409, {"Upload-Offset": str(upload.offset)})
        parts = (*parts, part)
    at = upload.offset + len(content)
    if at < upload.length:
        return _answer(204, {"Upload-Offset": str(at)})
    return await _complete(request, replace(upload, offset=at, parts=parts))


async def _received(request: Request[Any, Any, Any], room: int) -> tuple[bytes | None, bool]:
    """The chunk's bytes and whether it arrived whole; None when it brings more than the
    upload has room for."""
    received = bytearray()
    try:
        async for piece in request.stream():
            received += piece
            if len(received) > room:
                return None, False
    except InternalServerException:  # the client went away midway: keep what came
        return bytes(received), False
    return bytes(received), True


async def _complete(request: Request[Any, Any, Any], upload: Upload) -> Response[Any]:
    """The whole file is here: checked and re-encoded, then added to the draft, as the form's."""
    store: FileStore = request.app.state.files
    # gathered on disk and read when its turn in the image process comes, as the form's files
    # are: twenty phones finishing at once do not hold twenty photos in this process
    with tempfile.TemporaryFile() as whole:
        for name in upload.parts:  # written off the event loop, as a file store's writes are
            await anyio.to_thread.run_sync(whole.write, await store.read(name))
        whole.seek(0)
        await _end(store, upload)
        done = {"Upload-Offset": str(upload.offset)}
        draft = await own_draft(request, str(upload.request_id))
        if not draft.is_draft:
            return _answer(409, done, _("This return request has already been submitted."))
        prepared = await prepare_upload(upload.filename, whole)
    if isinstance(prepared, Text):  # refused by content, as the form's uploads are
        return _answer(422, done, render_text(prepared))
    if await add_to_draft(store, draft.id, draft.merchant_id, prepared) is None:
        return _answer(422, done, render_text(too_many(upload.filename)))
    return _answer(204, done)


async def _end(store: FileStore, upload: Upload) -> None:
    await forget_upload(upload.key)
    await store.delete(upload.parts)


ROUTES: list[Any] = [options, create, offset, chunk, terminate]
