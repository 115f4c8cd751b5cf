"""The database engine: chosen from Settings, bound to every table, and ReturnDesk's two ways in
— `atomic()` for a write, `reading()` for a page's reads on one connection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

from db.errors import DatabaseGone
from db.location import sqlite_file
from db.tables import TABLES

_ROW_WRITES = ("INSERT", "UPDATE", "DELETE")
_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
SQLITE_BUSY_TIMEOUT = 30  # seconds a writer waits for the lock instead of failing at once
READ_BUSY_TIMEOUT = 2  # a reader waits only in rare moments (WAL recovery), and blocks the loop
FILE_CHECK_INTERVAL = 0.25  # seconds between looks at whether the file is still the one opened
# Piccolo announces the database version whenever an engine is made; ReturnDesk makes several
logging.getLogger("piccolo.engine.base").setLevel(logging.WARNING)


class _PooledConnection:
    """An aiosqlite connection on loan: Piccolo closes what it opened, which here returns it."""

    def __init__(self, pool: _SQLitePool, connection: aiosqlite.Connection) -> None:
        object.__setattr__(self, "_pool", pool)
        object.__setattr__(self, "_connection", connection)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._connection, name, value)

    async def close(self) -> None:
        await self._pool.release(self._connection)


class _SQLitePool:
    """A few long-lived connections (each an aiosqlite thread) per event loop.

    Piccolo's SQLite engine opens a connection, a thread and a PRAGMA for every query; a page
    of ten queries paid that ten times. Loans are per loop because asyncio's queue is.
    """

    def __init__(self, connect_kwargs: dict[str, Any], size: int) -> None:
        self.connect_kwargs = connect_kwargs
        self.size = size
        self._idle: dict[asyncio.AbstractEventLoop, asyncio.Queue[aiosqlite.Connection]] = {}
        self._opened: dict[asyncio.AbstractEventLoop, int] = {}

    async def _open(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connect_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        await connection.execute("PRAGMA synchronous = NORMAL")  # safe with WAL, far faster
        return connection

    async def acquire(self) -> aiosqlite.Connection:
        loop = asyncio.get_running_loop()
        idle = self._idle.setdefault(loop, asyncio.Queue())
        if idle.empty() and self._opened.get(loop, 0) < self.size:
            self._opened[loop] = self._opened.get(loop, 0) + 1
            try:
                return await self._open()
            except BaseException:
                self._opened[loop] -= 1
                raise
        return await idle.get()

    async def release(self, connection: aiosqlite.Connection) -> None:
        if connection.in_transaction:  # a transaction that failed half-way: leave it clean
            try:
                await connection.rollback()
            except sqlite3.Error:
                await self._discard(connection)
                return
        self._idle.setdefault(asyncio.get_running_loop(), asyncio.Queue()).put_nowait(connection)

    async def _discard(self, connection: aiosqlite.Connection) -> None:
        self._opened[asyncio.get_running_loop()] -= 1
        await connection.close()

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        idle = self._idle.pop(loop, None)
        while idle is not None and not idle.empty():
            await idle.get_nowait().close()
        self._opened.pop(loop, None)


class PooledSQLiteEngine(SQLiteEngine):
    """SQLite with pooled connections for writes, reads on the event loop's own thread, WAL and
    a busy timeout; otherwise Piccolo's engine.

    A read outside a write transaction runs at once on a read-only connection of the calling
    thread. Under WAL a reader never waits for a writer, and an indexed read of a page takes
    tens of microseconds: less than handing it to a connection's thread and waiting for that
    thread to get the interpreter back from a busy event loop, which under load cost more
    than the query. A lone write does the same when the write lock is free (write_now);
    transactions, and a write that must wait for another process's lock, keep their threads.
    """

    def __init__(self, path: str, pool_size: int = 4, *, create: bool = False) -> None:
        super().__init__(path=path, timeout=SQLITE_BUSY_TIMEOUT, **_opening(path, create))
        self.pool = _SQLitePool(self.connection_kwargs, max(1, pool_size))
        self._readers = threading.local()
        self._writers = threading.local()
        self.file = Path(path)
        self._watched = not create
        self._identity: tuple[int, int] | None = None
        self._checked_until = 0.0

    def check_file(self) -> None:
        """Raise DatabaseGone unless the file at the path is still the one first served.

        Open connections keep reading and writing a file that was moved or deleted, so without
        this look the process would go on serving a database nobody else can see (and a new
        connection would find nothing there). It costs a stat every FILE_CHECK_INTERVAL."""
        now = time.monotonic()
        if not self._watched or now < self._checked_until:
            return
        try:
            status = os.stat(self.file)
        except FileNotFoundError:
            raise DatabaseGone(f"no database at {self.file}") from None
        identity = (status.st_dev, status.st_ino)
        if self._identity is None:
            self._identity = identity
        elif identity != self._identity:
            raise DatabaseGone(f"the database at {self.file} is not the one this process opened")
        self._checked_until = now + FILE_CHECK_INTERVAL

    def _reader(self) -> sqlite3.Connection:
        reader: sqlite3.Connection | None = getattr(self._readers, "connection", None)
        if reader is None:
            kwargs = {**self.connection_kwargs, "timeout": READ_BUSY_TIMEOUT}
            reader = sqlite3.connect(check_same_thread=False, **kwargs)
            reader.row_factory = dict_factory
            reader.execute("PRAGMA query_only = 1")  # this connection never writes
            self._readers.connection = reader
        return reader

    def write_now(self, query: str, args: Any) -> list[dict[str, Any]]:
        """A lone INSERT, UPDATE or DELETE (its own transaction) at once on this thread's
        write connection, which never waits for the lock: SQLITE_BUSY at once if another
        process holds it. A small write under WAL takes tens of microseconds; handed to a
        connection's thread it waited for a busy loop to hear back, ~2 ms, and writes queue."""
        writer: sqlite3.Connection | None = getattr(self._writers, "connection", None)
        if writer is None:
            writer = sqlite3.connect(
                check_same_thread=False, **{**self.connection_kwargs, "timeout": 0}
            )
            writer.row_factory = dict_factory
            writer.execute("PRAGMA foreign_keys = 1")
            writer.execute("PRAGMA synchronous = NORMAL")
            self._writers.connection = writer
        rows: list[dict[str, Any]] = writer.execute(query, args).fetchall()
        return rows

    def read_now(self, query: str, args: Any) -> list[dict[str, Any]]:
        """A SELECT with `?` placeholders, run at once on this thread's read connection."""
        self.check_file()
        rows: list[dict[str, Any]] = self._reader().execute(query, args).fetchall()
        return rows

    async def run_querystring(self, querystring: Any, in_pool: bool = False) -> Any:
        if self.current_transaction.get() is None:
            query, args = querystring.compile_string(engine_type=self.engine_type)
            if query.lstrip()[:6].upper() == "SELECT":
                return self.read_now(query, args)
        return await super().run_querystring(querystring, in_pool=in_pool)

    def close_readers(self) -> None:
        for local in (self._readers, self._writers):
            connection = getattr(local, "connection", None)
            if connection is not None:
                connection.close()
                local.connection = None

    async def get_connection(self) -> Any:
        self.check_file()
        return _PooledConnection(self.pool, await self.pool.acquire())

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        return await self.lone_write(query, args or [])

    async def lone_write(self, query: str, args: list[Any]) -> Any:
        """A statement outside a transaction (a SELECT reads at once instead, see read_now):
        it takes its turn like a transaction (see _queued_write), then runs at once on this
        thread if it is a row write and the lock is free, else on a pooled connection's."""
        self.check_file()
        async with _write_turn():
            if query.lstrip()[:6].upper() in _ROW_WRITES:
                try:
                    return self.write_now(query, args)
                except sqlite3.OperationalError as error:
                    if error.sqlite_errorcode & 0xFF not in _BUSY:
                        raise
                    # another process holds the write lock: wait for it off the loop
            connection = await self.pool.acquire()
            try:
                # one trip to the connection's thread: execute and fetch together
                return await connection.execute_fetchall(query, args)
            finally:
                await self.pool.release(connection)

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        # the pooled connection set its pragmas when it opened; Piccolo would repeat them per query
        return await connection.execute_fetchall(query, args or [])


def _opening(path: str, create: bool) -> dict[str, Any]:
    """How a connection opens the file: SQLite creates a missing one unless told `mode=rw`, and
    an empty database made in place of a missing one was served from (every page a 500)."""
    if create:
        return {}
    return {"database": Path(path).absolute().as_uri() + "?mode=rw", "uri": True}


def make_engine(database_url: str, pool_size: int, *, create: bool = False) -> Engine:  # type: ignore[type-arg]
    """`sqlite:///PATH` or `postgresql://…`; pool_size 0 opens a connection per query. Only the
    migration command creates an SQLite database (`create`); every other engine opens an
    existing file or fails."""
    if database_url.startswith(("postgres://", "postgresql://")):
        return PostgresEngine(config={"dsn": database_url})
    path = database_url.removeprefix("sqlite:///")
    if create:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    if pool_size <= 0:
        return SQLiteEngine(path=path, timeout=SQLITE_BUSY_TIMEOUT, **_opening(path, create))
    return PooledSQLiteEngine(path=path, pool_size=pool_size, create=create)


_bound: dict[str, Any] = {}


def bind_database(database_url: str, pool_size: int) -> Engine:  # type: ignore[type-arg]
    """Point every table (and Piccolo's migrations) at this database; returns its engine."""
    import piccolo_conf

    if _bound.get("key") == (database_url, pool_size):
        return engine()
    db = make_engine(database_url, pool_size)
    for table in TABLES:
        table._meta.db = db
    piccolo_conf.DB = db
    _bound.update(key=(database_url, pool_size), pool_size=pool_size, url=database_url)
    return db


def bound_database() -> str:
    """The URL of the database every table is bound to."""
    return str(_bound["url"])


def engine() -> Engine:  # type: ignore[type-arg]
    return TABLES[0]._meta.db


def atomic() -> Any:
    """A write transaction. On SQLite it takes the write lock at BEGIN (IMMEDIATE), so two
    read-then-write transactions queue on the busy timeout instead of failing with
    "database is locked" when the second one tries to upgrade its read lock."""
    db = engine()
    if isinstance(db, PooledSQLiteEngine):
        return _queued_write(db)
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


_write_turns: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}


def _write_turn() -> asyncio.Lock:
    return _write_turns.setdefault(asyncio.get_running_loop(), asyncio.Lock())


@asynccontextmanager
async def _queued_write(db: PooledSQLiteEngine) -> AsyncIterator[Any]:
    """SQLite has one writer at a time. Writers of this process take turns here, in order,
    instead of retrying against the database's lock with growing sleeps (which left the last
    of 32 concurrent saves waiting over a second); other processes still meet the busy timeout."""
    if db.current_transaction.get() is not None:  # nested: already holding the turn
        async with db.transaction(transaction_type=TransactionType.immediate) as transaction:
            yield transaction
        return
    async with (
        _write_turn(),
        db.transaction(transaction_type=TransactionType.immediate) as transaction,
    ):
        yield transaction


def for_update(query: Any) -> Any:
    """A select that locks its rows until the transaction ends (PostgreSQL). SQLite needs no
    row lock: atomic() took the whole database's write lock at BEGIN."""
    return query if isinstance(engine(), SQLiteEngine) else query.lock_rows()


@asynccontextmanager
async def reading() -> AsyncIterator[None]:
    """A page's reads on one connection. PostgreSQL's in one transaction (one snapshot, and
    every query of the block on its connection: a second connection per query could exhaust
    the pool with each request holding one and waiting for another); the pooled SQLite
    engine's run on the loop's read connection (see its docstring); inside a write
    transaction, that transaction's."""
    db = engine()
    if db.current_transaction.get() is not None or isinstance(db, PooledSQLiteEngine):
        yield
        return
    if isinstance(db, SQLiteEngine):
        transaction: Any = SQLiteTransaction(db, TransactionType.deferred)
    else:
        transaction = db.transaction()
    async with transaction:
        yield


async def _connection_needs_no_reset(connection: Any) -> None:
    """asyncpg resets a connection (advisory locks, cursors, LISTEN, settings) each time it
    goes back to the pool: one more round trip per query. ReturnDesk changes none of those
    (a transaction is always closed before release), so there is nothing to reset."""


async def open_database() -> None:
    db = engine()
    if isinstance(db, SQLiteEngine):
        file = sqlite_file(bound_database())
        if file is not None and not file.exists():
            return  # nothing to open: run_migrations creates it, or db.health refuses to serve
        # WAL lets readers go on while one writer writes; it is a property of the file, kept.
        await db.run_ddl("PRAGMA journal_mode=WAL")
    elif isinstance(db, PostgresEngine) and _bound.get("pool_size", 0) > 0:
        await db.start_connection_pool(
            min_size=1, max_size=_bound["pool_size"], reset=_connection_needs_no_reset
        )


async def close_database() -> None:
    db = engine()
    if isinstance(db, PooledSQLiteEngine):
        await db.pool.close()
        db.close_readers()
    elif isinstance(db, PostgresEngine) and _bound.get("pool_size", 0) > 0:
        await db.close_connection_pool()


async def run_migrations() -> None:
    """Migrate the bound database to this code's version, creating an SQLite file that is not
    there yet (in WAL mode): with the migration command, the only way a database is made."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    file = sqlite_file(bound_database())
    if file is not None and not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(file)) as made:
            made.execute("PRAGMA journal_mode=WAL")
    response = await run_forwards(app_name="returndesk", migration_id="all", fake=False)
    if not response.success:
        raise RuntimeError(f"migrations failed: {response.message}")
