"""What a store tells its caller when it writes nothing (web/ maps these to 404 and 409), and
which of a database's errors mean it does not answer right now."""

from __future__ import annotations

import sqlite3

import asyncpg


class NotFound(Exception):
    """No such request (or not one this actor may see)."""


class Conflict(Exception):
    """The request changed since the actor loaded it; nothing was written."""


class DatabaseGone(Exception):
    """The database file this process serves is no longer at its path (moved, deleted or
    replaced): web/ answers 503, /healthz says the database is unavailable."""


# a database that does not answer: down, restarting, read-only, locked for too long
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    DatabaseGone,
    ConnectionError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.ReadOnlySQLTransactionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    # the server shut down or was told to end our connections (a restart, a failover)
    asyncpg.exceptions.OperatorInterventionError,
)
# PostgreSQL refusing a new connection to a database closed to connections (ALLOW_CONNECTIONS
# false, as during maintenance): 55000, which otherwise names a statement out of turn
_NOT_ACCEPTING = "is not currently accepting connections"
_SQLITE_UNAVAILABLE = ("readonly", "locked", "unable to open", "disk i/o", "disk is full")


def database_unavailable(exc: BaseException) -> bool:
    """The database does not answer now (and may again soon); not a fault of the query."""
    if isinstance(exc, _UNAVAILABLE):
        return True
    if isinstance(exc, asyncpg.exceptions.ObjectNotInPrerequisiteStateError):
        return _NOT_ACCEPTING in str(exc)
    if isinstance(exc, sqlite3.OperationalError):
        return any(words in str(exc).lower() for words in _SQLITE_UNAVAILABLE)
    return isinstance(exc, OSError)
