"""Spreadsheet imports: each run of one file, the rows it refused, and what it changed (so that
it can be undone). Ids, not foreign keys, for the rows it changed: they live in four tables."""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class ImportRun(Table):
    """One uploaded export: previewed, then queued, running (with its progress), done or
    failed, and perhaps undone."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    kind = Varchar(length=20)  # domain.sync.Kind value
    file_name = Varchar(length=200)  # as uploaded, shown to people
    stored_name = Varchar(length=100)  # in the file store's staging area
    status = Varchar(length=12, default="previewed", index=True)
    rows_total = Integer(default=0)  # data rows in the file (counted at preview)
    rows_done = Integer(default=0)  # rows taken in, in committed batches
    added = Integer(default=0)
    updated = Integer(default=0)
    unchanged = Integer(default=0)
    refused = Integer(default=0)  # records refused
    problem = Text(default="")  # why the whole file failed, in words' msgid (status failed)
    staff_id = Integer()
    staff_name = Varchar(length=100)
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
    undone_at = Timestamptz(null=True, default=None)


class ImportRefusal(Table):
    """A row of the file that was not taken, with why (the words kept as msgid and params)."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    run = ForeignKey(references=ImportRun, on_delete=OnDelete.cascade, index=True)
    row = Integer()
    column_header = Varchar(length=60, default="")
    msgid = Text()
    params = JSON(default={})


class ImportChange(Table):
    """A row an import added or updated, and what it was before (None: added)."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    run = ForeignKey(references=ImportRun, on_delete=OnDelete.cascade, index=True)
    table_name = Varchar(length=40)
    row_id = Integer()
    before = JSON(null=True, default=None)
