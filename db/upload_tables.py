"""Resumable uploads (tus 1.0, web.merchant.resumable): what one upload has received so far.
The bytes wait in the file store, a part per chunk, until the upload is complete."""

from __future__ import annotations

from piccolo.columns import BigInt, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class ResumableUpload(Table):
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    key = Varchar(length=32, unique=True)  # random: the upload's address
    # the SHA-256 of the session that made it: another session (even the same merchant's on
    # another phone) is told there is no such upload
    owner = Varchar(length=64)
    request_id = Integer(index=True)  # the merchant's draft the file is for
    filename = Varchar(length=255)
    length = BigInt()  # Upload-Length: what the whole file will be
    offset = BigInt(default=0)  # what has been received and kept
    # the file store's names of the parts received so far, in order, space-separated
    parts = Text(default="")
    expires_at = Timestamptz(index=True)  # pushed on with each chunk received
    created_at = Timestamptz(default=TimestamptzNow())
