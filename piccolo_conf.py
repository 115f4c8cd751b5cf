"""Piccolo's engine for its command line (migrations): the database DATABASE_URL names.

The app and the workers bind their own engine from Settings (db.engine.bind_database)."""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry

from db.engine import make_engine
from settings import database_url_from_env

DB = make_engine(database_url_from_env(), pool_size=0)

APP_REGISTRY = AppRegistry(apps=["db.piccolo_app"])
