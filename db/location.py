"""Where the database is: the SQLite file or the PostgreSQL database a DATABASE_URL names, and
how a message names it (never with its credentials)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit


def sqlite_file(database_url: str) -> Path | None:
    """The file an `sqlite:///PATH` URL names; None for PostgreSQL."""
    if database_url.startswith(("postgres://", "postgresql://")):
        return None
    return Path(database_url.removeprefix("sqlite:///")).absolute()


def database_name(database_url: str) -> str:
    """The database as a message names it: the SQLite file, or PostgreSQL's host, port and
    database without the credentials."""
    file = sqlite_file(database_url)
    if file is not None:
        return str(file)
    parts = urlsplit(database_url)
    return f"postgresql://{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"
