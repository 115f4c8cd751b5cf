"""Piccolo's engine for its command line (migrations): the database DATABASE_URL names, created
when it is not there yet — the migration command is one of the two ways a database is made
(`make dev` is the other).

The app and the workers bind their own engine from Settings (db.engine.bind_database), which
never creates one."""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry

from db.engine import make_engine
from settings import database_url_from_env

DB = make_engine(database_url_from_env(), pool_size=0, create=True)

APP_REGISTRY = AppRegistry(apps=["db.piccolo_app"])
