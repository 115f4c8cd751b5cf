"""Whether the database answers and takes writes: what /healthz reports for it."""

from __future__ import annotations

import logging

from db.tables import PolicyVersion

log = logging.getLogger("returndesk.health")


async def database_health() -> str:
    """ "ok", or "unavailable" when it does not answer or will not take a write.

    The write is an UPDATE that matches no row: it changes nothing, yet a read-only database
    (a read-only file or mount, a read-only PostgreSQL) refuses it."""
    try:
        await PolicyVersion.update({PolicyVersion.version: PolicyVersion.version}).where(
            PolicyVersion.id == -1
        )
    except Exception as error:
        log.warning("database check failed: %s", type(error).__name__)
        return "unavailable"
    return "ok"
