"""A database that cannot be reached answers 503 "briefly unavailable", whatever words the
driver found for it; a database error that is our own mistake does not."""

from __future__ import annotations

import asyncpg

from web.errors import unavailable


def test_a_database_closed_to_connections_or_shut_down_is_unavailable() -> None:
    closed = asyncpg.exceptions.ObjectNotInPrerequisiteStateError(
        'database "returndesk" is not currently accepting connections'
    )
    assert unavailable(closed)
    assert unavailable(asyncpg.exceptions.AdminShutdownError("terminating connection"))
    assert unavailable(asyncpg.exceptions.CannotConnectNowError("the database is starting up"))


def test_a_statement_out_of_turn_is_not_unavailability() -> None:
    misuse = asyncpg.exceptions.ObjectNotInPrerequisiteStateError("sequence not yet defined")
    assert not unavailable(misuse)
    assert not unavailable(asyncpg.exceptions.UniqueViolationError("duplicate key"))
