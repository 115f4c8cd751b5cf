"""Generated documents (DESIGN §4): each version of a request's authorization, refund receipt
or case file, as stored in the file store."""

from __future__ import annotations

from piccolo.columns import BigInt, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Document(Table):
    """One version of one kind of document of one request. A job that renders the same facts
    again finds them here (`facts_sha256`) and makes nothing; changed facts make the next
    `number`, which the unique (request, kind, number) keeps single when two jobs race."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    request_id = Integer(index=True)  # the request's id: documents are kept as its record
    kind = Varchar(length=30)  # "authorization", "refund_receipt", "case_file"
    number = Integer()  # 1, 2, … per request and kind
    facts_sha256 = Varchar(length=64)  # of what the document says, not of the PDF's bytes
    stored_name = Varchar(length=60)  # in the file store
    size = BigInt()
    locale = Varchar(length=10)
    created_at = Timestamptz(default=TimestamptzNow())
