"""Payment terminals as the terminal-management system reports them (db.tables re-exports it)."""

from __future__ import annotations

from piccolo.columns import Boolean, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Terminal(Table):
    """A payment terminal as the terminal-management system knows it, by serial number: whose
    it is (MID/TID), whether it is still bound and activated, when it last took a payment."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    serial_number = Varchar(length=64, unique=True)
    mid = Varchar(length=32, default="")  # merchant number at the acquirer
    tid = Varchar(length=32, default="")  # terminal number
    bound = Boolean(default=False)  # still bound to the merchant
    activated = Boolean(default=False)
    last_transaction_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow(), index=True)
