from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T00:01:30:195255"
VERSION = "1.38.0"
DESCRIPTION = ""


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="returndesk", description=DESCRIPTION
    )

    manager.drop_column(
        table_class_name="ReturnRequest",
        tablename="return_request",
        column_name="receipt_problem",
        db_column_name="receipt_problem",
        schema=None,
    )

    return manager
