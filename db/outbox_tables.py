"""The outbox (work a change implies, kept until done) and the claims jobs take on it (db.tables
re-exports them)."""

from __future__ import annotations

from piccolo.columns import JSON, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class OutboxRow(Table, tablename="outbox"):
    """Work a committed change implies. The row is the truth: it is done only when its job
    records completion, and dead (kept, countable, retryable) after its last try."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    key = Varchar(length=160, unique=True)  # business identity; the job id is key + attempt
    job = Varchar(length=60, index=True)
    payload = JSON(default={})
    due_at = Timestamptz(index=True)  # when it may be (re)tried
    handed_over_at = Timestamptz(null=True, default=None, index=True)
    attempts = Integer(default=0)
    last_error = Text(default="")
    done_at = Timestamptz(null=True, default=None)
    dead_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    # the web request whose change added the row (logs.REQUEST_ID): its job logs under it
    request_id = Varchar(length=64, default="")


class JobClaim(Table):
    """Who runs a job now, and whether it is done: claimed before the work (a lease), completed
    after it, so two workers with the same key never both do it."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    key = Varchar(length=160, unique=True)
    job = Varchar(length=60)
    status = Varchar(length=10, default="running")  # "running" or "done"
    lease_until = Timestamptz()
    claimed_by = Varchar(length=80, default="")
    result = Text(default="")
    started_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
