"""Serving a stored file or its thumbnail, to whoever a route has let through, kept inert."""

from __future__ import annotations

from typing import Any

from litestar.response import File

from db.errors import NotFound

# whatever a file holds, it runs nothing on our origin
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def file_response(store: Any, row: dict[str, Any], kind: str) -> File:
    """A stored file (or its thumbnail) with headers that keep it inert; NotFound if gone."""
    name = row["stored_name"] if kind == "original" else row["thumb_name"]
    path = store.local_path(name) if name else None
    if path is None:
        raise NotFound(row["id"])
    filename = row["original_name"]
    if kind == "thumb":
        filename = filename.rsplit(".", 1)[0] + "-thumb.jpg"
    is_pdf = row["content_type"] == "application/pdf" and kind == "original"
    return File(
        path=path,
        filename=filename,
        media_type="image/jpeg" if kind == "thumb" else row["content_type"],
        content_disposition_type="attachment" if is_pdf else "inline",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
            "Content-Security-Policy": FILE_POLICY,
        },
    )
