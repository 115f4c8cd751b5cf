"""The staff side's own records: what staff did outside a request's lifecycle, and what staff
are told in the admin. Ids, not foreign keys: both outlive what they name, and neither is
ever joined on the hot path."""

from __future__ import annotations

from piccolo.columns import JSON, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class StaffAuditEntry(Table):
    """A staff action that is not a step of a request's lifecycle (those are events): a full
    account number revealed, dead work tried again. Written once, never changed."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    at = Timestamptz(index=True)
    staff_id = Integer()
    staff_name = Varchar(length=100)
    action = Varchar(length=40)
    subject = Varchar(length=160)  # an RMA, an outbox key
    detail = Text(default="")


class StaffNotification(Table):
    """Something a role (or one person) should look at: a merchant's message, an appeal, work
    that gave up. Read state is each person's `StaffUser.notices_seen`: one row per event,
    however many colleagues share the role."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    role = Varchar(length=20, index=True)  # domain.terms.Role value of whom it is for
    staff_id = Integer(null=True, default=None)  # one person of that role, or None: all of it
    kind = Varchar(length=40)  # a key of domain.notices.STAFF_NOTICE_TEXTS
    rma = Varchar(length=20, default="")  # the request it is about, if any
    params = JSON(default={})
    created_at = Timestamptz(default=TimestamptzNow())
