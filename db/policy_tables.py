"""The policy's versions, each kept for the requests submitted under it (db.tables re-exports it)."""

from __future__ import annotations

from piccolo.columns import JSON, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class PolicyVersion(Table):
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    version = Integer(unique=True)
    body = JSON()  # domain.policy.Policy.to_dict()
    created_by = Varchar(length=100, default="system")
    reason = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
