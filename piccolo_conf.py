"""Piccolo's engine, chosen by DATABASE_URL: SQLite (default, under var/) or PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from settings import database_url_from_env


def _engine() -> PostgresEngine | SQLiteEngine:
    url = database_url_from_env()
    if url.startswith(("postgres://", "postgresql://")):
        return PostgresEngine(config={"dsn": url})
    path = url.removeprefix("sqlite:///")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    # timeout is sqlite3's busy timeout: writers wait for the lock instead of failing at once.
    return SQLiteEngine(path=path, timeout=30)


DB = _engine()

APP_REGISTRY = AppRegistry(apps=["db.piccolo_app"])
