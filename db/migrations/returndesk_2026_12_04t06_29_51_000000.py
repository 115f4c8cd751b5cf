from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T06:29:51:000000"
VERSION = "1.38.0"
DESCRIPTION = "webhooks: one delivery per event, subscription and redelivery"

# An event may now be sent to a subscription again (an admin's redelivery): each time is a
# delivery of its own, numbered, and the database still refuses two with the same number.
STATEMENTS = (
    "DROP INDEX IF EXISTS webhook_delivery_event_subscription",
    "CREATE UNIQUE INDEX IF NOT EXISTS webhook_delivery_event_subscription_redelivery"
    " ON webhook_delivery (event, subscription, redelivery)",
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
