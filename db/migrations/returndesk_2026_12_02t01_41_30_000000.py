from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T01:41:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "one document per request, kind and number"

# What Piccolo's columns cannot say (a composite unique index), in SQL both databases read.
# A migration of its own: Piccolo runs a migration's raw SQL before its new tables.
STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS document_version ON document (request_id, kind, number)",
)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="returndesk", description=DESCRIPTION
    )

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)

    return manager
