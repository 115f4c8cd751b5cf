"""Whether the database a process serves is there and usable: checked once before a web process
or a worker starts (open_served_database), and on every /healthz (database_health)."""

from __future__ import annotations

import asyncio
import logging
import time
from functools import cache

from piccolo.querystring import QueryString

from db.engine import bound_database, close_database, engine, open_database
from db.errors import database_unavailable
from db.location import database_name, sqlite_file
from db.tables import PolicyVersion

log = logging.getLogger("returndesk.health")

MIGRATE = "uv run piccolo migrations forwards returndesk"
_MIGRATIONS_RUN = "SELECT name FROM migration WHERE app_name = 'returndesk'"


class DatabaseNotReady(Exception):
    """This process must not serve from the database it was given; the message names the
    database, says why and what to run."""


class DatabaseUnreachable(DatabaseNotReady):
    """The database did not answer (a restart, a failover, closed to connections): it may
    answer in a moment, unlike one that is missing or not migrated."""


@cache
def code_migrations() -> frozenset[str]:
    """The migrations this code comes with, found as the migration command finds them."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager

    from db.piccolo_app import APP_CONFIG

    folder = APP_CONFIG.resolved_migrations_folder_path
    return frozenset(BaseMigrationManager().get_migration_modules(folder))


async def open_served_database() -> None:
    """Open the bound database for serving, or raise DatabaseNotReady: no database there, one
    that cannot be opened, or one not migrated to this code's version. Only `make dev` and the
    migration command create or migrate a database; a process that made an empty one in place
    of a missing file served a 500 on every page while its health check said ok."""
    url = bound_database()
    name = database_name(url)
    file = sqlite_file(url)
    if file is not None and not file.exists():
        raise DatabaseNotReady(
            f"No database at {name}. Create it with `{MIGRATE}` (or `make dev`), "
            "or set DATABASE_URL to the database to serve."
        )
    try:
        await open_database()
        missing = sorted(await _migrations_not_run())
    except Exception as error:
        await close_database()
        if database_unavailable(error):
            raise DatabaseUnreachable(
                f"The database {name} does not answer ({type(error).__name__}: {error})."
            ) from error
        raise DatabaseNotReady(
            f"Cannot read which migrations the database {name} has run "
            f"({type(error).__name__}: {error}). Is it ReturnDesk's? "
            f"Create or migrate it with `{MIGRATE}`."
        ) from error
    if missing:
        await close_database()
        raise DatabaseNotReady(
            f"The database {name} is not migrated to this code's version: "
            f"{len(missing)} migration(s) not run ({', '.join(missing)}). Run `{MIGRATE}` first."
        )


async def wait_for_served_database(wait_seconds: float) -> None:
    """open_served_database, waiting up to `wait_seconds` for a database that does not answer
    yet. A process started while PostgreSQL restarts (a web process its supervisor replaces, a
    worker systemd starts again) waits for it instead of failing its start — uvicorn stops the
    whole server when one of its processes fails to start. Anything else is refused at once."""
    deadline = time.monotonic() + wait_seconds
    pause = 0.25
    while True:
        try:
            await open_served_database()
            return
        except DatabaseUnreachable as refusal:
            if time.monotonic() + pause > deadline:
                raise
            log.warning("waiting for the database: %s", refusal)
        await asyncio.sleep(pause)
        pause = min(pause * 2, 5.0)


async def _migrations_not_run() -> set[str]:
    """This code's migrations the bound database has not run."""
    ran = await engine().run_querystring(QueryString(_MIGRATIONS_RUN))
    return set(code_migrations() - {row["name"] for row in ran})


async def migrations_current() -> str:
    """ "ok" when the database has run every migration this code comes with (a process started
    before a release's migrations ran is alive, but not ready)."""
    try:
        missing = await _migrations_not_run()
    except Exception as error:
        log.warning("migration check failed: %s: %s", type(error).__name__, error)
        return "unavailable"
    return "behind" if missing else "ok"


async def database_health() -> str:
    """ "ok", or "unavailable" when the database pages are served from does not answer, is not
    there any more, or will not take a write.

    A read of a known table on the connection pages read with (an empty database made in place
    of a moved file has no tables), then an UPDATE that matches no row: it changes nothing, yet a
    read-only database (a read-only file or mount, a read-only PostgreSQL) refuses it."""
    try:
        await PolicyVersion.select(PolicyVersion.id).limit(1)
        await PolicyVersion.update({PolicyVersion.version: PolicyVersion.version}).where(
            PolicyVersion.id == -1
        )
    except Exception as error:
        log.warning("database check failed: %s: %s", type(error).__name__, error)
        return "unavailable"
    return "ok"
