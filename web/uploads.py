"""Files sent with a form (an answer, an appeal, a message): each is checked by its content and
staged; the action then attaches the staged files inside its own transaction. Nothing is
attached by a refused action, and a file that cannot be accepted stops the action before it
is applied, with words that name the file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.datastructures import FormMultiDict, UploadFile

from db.evidence import stage
from domain.evidence import (
    MAX_BYTES,
    MAX_FILES,
    PreparedFile,
    clean_name,
    size_problem,
    too_many,
)
from web.i18n import render_text
from web.images import prepare_upload
from web.params import form_ids

FILES_FIELD = "files"
STAGED_FIELD = "staged"  # ids of files the picker already staged (with script on)
# every file at its largest, plus room for the text fields and multipart framing
UPLOAD_BODY_LIMIT = MAX_FILES * MAX_BYTES + 1024 * 1024
FORM_BODY_LIMIT = 256 * 1024  # a form without files: far above the longest text allowed


@dataclass(frozen=True)
class Staged:
    ids: list[int]  # staged files to attach with the action
    problem: str  # words for the files that could not be accepted ("" when all were)


def chosen_files(form: FormMultiDict) -> list[UploadFile]:
    # a file input left empty still sends a part, with no file name and no bytes
    return [f for f in form.getall(FILES_FIELD, []) if isinstance(f, UploadFile) and f.filename]


async def prepared_files(files: list[UploadFile]) -> tuple[list[PreparedFile], str]:
    """Each file checked and re-encoded, one at a time: its bytes are read from the upload's
    temporary file only when the image process takes it, after the files of uploads with fewer
    left (web.images)."""
    if len(files) > MAX_FILES:
        return [], render_text(too_many(clean_name(files[MAX_FILES].filename)))
    prepared: list[PreparedFile] = []
    problems: list[str] = []
    for done, upload in enumerate(files):
        problem = size_problem(clean_name(upload.filename), _size(upload))
        files_left = len(files) - done
        result = problem or await prepare_upload(upload.filename, upload.file, files_left)
        if isinstance(result, PreparedFile):
            prepared.append(result)
        else:
            problems.append(render_text(result))
    return prepared, " ".join(problems)


def _size(upload: UploadFile) -> int:
    """The upload's size in bytes, read from its temporary file without reading the file."""
    size = upload.file.seek(0, os.SEEK_END)
    upload.file.seek(0)
    return size


async def stage_form_files(
    request: Request[Any, Any, Any], form: FormMultiDict, request_id: int, actor_id: str
) -> Staged:
    """Stage the files chosen in the form, plus those the picker staged before; none if any
    chosen file cannot be accepted (the form comes back with the words, nothing applied)."""
    already = form_ids(form, STAGED_FIELD, most=MAX_FILES)
    prepared, problem = await prepared_files(chosen_files(form))
    if problem:
        return Staged([], problem)
    if len(prepared) + len(already) > MAX_FILES:
        return Staged([], render_text(too_many(prepared[-1].original_name)))
    store = request.app.state.files
    ids = [await stage(store, request_id, actor_id, file) for file in prepared]
    return Staged(already + ids, "")
