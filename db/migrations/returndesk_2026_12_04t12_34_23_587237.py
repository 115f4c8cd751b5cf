from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T12:34:23:587237"
VERSION = "1.38.0"
DESCRIPTION = "Outbox rows keep the id of the request that added them"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="returndesk", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="OutboxRow",
        tablename="outbox",
        column_name="request_id",
        db_column_name="request_id",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
