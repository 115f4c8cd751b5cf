"""Serving a stored file or its thumbnail, to whoever a route has let through, kept inert: from
this machine's directory, or — with the S3 store — by a redirect to a short-lived presigned
link that answers with the same headers."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from litestar import Response
from litestar.response import File, Redirect

from db.errors import NotFound
from db.evidence import request_file
from domain.file_access import may_see_file
from domain.request import Actor
from web.params import row_id

# whatever a file holds, it runs nothing on our origin
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def disposition(kind: str, filename: str) -> str:
    """A Content-Disposition any browser reads, Chinese file names included (RFC 6266)."""
    plain = filename.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    return f"{kind}; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"


async def stored_file(
    store: Any,
    name: str,
    *,
    filename: str,
    media_type: str,
    attachment: bool,
    cache: str = "private, max-age=3600",
) -> Response[Any]:
    """The stored file `name` with headers that keep it inert; NotFound if it is gone."""
    how: Literal["attachment", "inline"] = "attachment" if attachment else "inline"
    path = store.local_path(name) if name else None
    if path is not None:
        return File(
            path=path,
            filename=filename,
            media_type=media_type,
            content_disposition_type=how,
            headers={
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": cache,
                "Content-Security-Policy": FILE_POLICY,
            },
        )
    if name and hasattr(store, "link"):
        url = await store.link(
            name, filename=filename, content_type=media_type, disposition=disposition(how, filename)
        )
        return Redirect(path=url, status_code=303, headers={"Cache-Control": "no-store"})
    raise NotFound(name)


async def file_response(store: Any, row: dict[str, Any], kind: str) -> Response[Any]:
    """An evidence file (or its thumbnail); PDFs are downloaded, images shown."""
    name = row["stored_name"] if kind == "original" else row["thumb_name"]
    filename = row["original_name"]
    if kind == "thumb":
        filename = filename.rsplit(".", 1)[0] + "-thumb.jpg"
    is_pdf = row["content_type"] == "application/pdf" and kind == "original"
    media_type = "image/jpeg" if kind == "thumb" else row["content_type"]
    return await stored_file(
        store, name, filename=filename, media_type=media_type, attachment=is_pdf
    )


async def request_file_response(
    store: Any, actor: Actor, evidence_id: str, kind: str
) -> Response[Any]:
    """A request's file or its thumbnail for this actor, whoever they are: one rule (where the
    file is attached, whose request it is) for every route; anything else is not found, so
    trying ids tells nothing."""
    if kind not in ("original", "thumb"):
        raise NotFound(kind)
    found = await request_file(row_id(evidence_id))
    if found is None or not may_see_file(actor, found.owner, found.place):
        raise NotFound(evidence_id)
    return await file_response(store, found.row, kind)
