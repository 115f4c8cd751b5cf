"""Piccolo app config: where ReturnDesk's tables and migrations live."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from db.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="returndesk",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
