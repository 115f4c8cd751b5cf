"""Files sent with a form (an answer, an appeal, a message): read them, refuse what cannot be
accepted before anything is written, then store them on what they were sent with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.datastructures import FormMultiDict, UploadFile

from db.evidence import MAX_BYTES, MAX_FILES, store_evidence
from domain.evidence import size_problem, sniff_format, too_many, unsupported
from web.i18n import render_text

FILES_FIELD = "files"
# every file at its largest, plus room for the text fields and multipart framing
UPLOAD_BODY_LIMIT = MAX_FILES * MAX_BYTES + 1024 * 1024


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


async def read_uploads(form: FormMultiDict) -> tuple[list[Upload], str]:
    """The files chosen in the form, or the words for what is wrong with them.

    The cheap checks (count, size, format by content) run here so that an action is never
    applied with a file that is bound to be refused; db.evidence checks everything again.
    """
    uploads: list[Upload] = []
    for value in form.getall(FILES_FIELD, []):
        # a file input left empty still sends a part, with no file name and no bytes
        if isinstance(value, UploadFile) and value.filename:
            uploads.append(Upload(value.filename, await value.read()))
    if len(uploads) > MAX_FILES:
        return [], render_text(too_many(uploads[MAX_FILES].filename))
    problems = []
    for upload in uploads:
        problem = size_problem(upload.filename, len(upload.content))
        if problem is None and sniff_format(upload.content[:32]) is None:
            problem = unsupported(upload.filename)
        if problem is not None:
            problems.append(render_text(problem))
    return ([], " ".join(problems)) if problems else (uploads, "")


async def store_all(
    request: Request[Any, Any, Any],
    uploads: list[Upload],
    request_id: int,
    uploaded_by: str,
    *,
    event_id: int | None = None,
    message_id: int | None = None,
) -> str:
    """Store each file on the event or message; the words for any that failed the deep check
    (a damaged photo), "" when all were stored."""
    files_dir = request.app.state.settings.files_dir
    problems = []
    for upload in uploads:
        stored = await store_evidence(
            request_id,
            upload.filename,
            upload.content,
            uploaded_by,
            files_dir,
            event_id=event_id,
            message_id=message_id,
        )
        if not isinstance(stored, int):
            problems.append(render_text(stored.message))
    return " ".join(problems)
