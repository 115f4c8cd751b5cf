from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T06:08:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "partner api: one answer per client and key, one delivery per event and subscription"

# What Piccolo's columns cannot say (composite unique indexes), in SQL both databases read.
STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS api_idempotency_client_key"
    " ON api_idempotency (client, \"key\")",
    "CREATE UNIQUE INDEX IF NOT EXISTS webhook_delivery_event_subscription"
    " ON webhook_delivery (event, subscription)",
    "CREATE INDEX IF NOT EXISTS webhook_delivery_in_order"
    " ON webhook_delivery (subscription, request_id, event)",
    "CREATE INDEX IF NOT EXISTS partner_event_of_request ON partner_event (request, id)",
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
