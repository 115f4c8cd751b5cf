from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T09:43:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "terminals: each serial number's binding and activation move from its order line"

# A unit's binding and activation belong to the terminal, not to the line that sold it: the
# terminal-management system reports them by serial number, whichever order sold the unit.
# Raw statements run before the manager's own steps, so the state is copied before the
# columns go.
COPY = (
    "INSERT INTO terminal (serial_number, mid, tid, bound, activated, last_transaction_at,"
    " updated_at)"
    " SELECT oi.serial_number, MAX(m.mid), MAX(oi.tid), MAX(oi.bound), MAX(oi.activated), NULL,"
    " CURRENT_TIMESTAMP"
    " FROM order_item oi JOIN merchant_order o ON o.id = oi.\"order\""
    " JOIN merchant m ON m.id = o.merchant"
    " WHERE oi.serial_number IS NOT NULL AND oi.serial_number <> ''"
    " GROUP BY oi.serial_number"
)
COPY_POSTGRES = COPY.replace("MAX(oi.bound)", "BOOL_OR(oi.bound)").replace(
    "MAX(oi.activated)", "BOOL_OR(oi.activated)"
)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="returndesk", description=DESCRIPTION
    )

    async def run():
        engine = engine_finder()
        postgres = engine.engine_type == "postgres"
        await engine.run_ddl(COPY_POSTGRES if postgres else COPY)
        await engine.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS merchant_external_id ON merchant (external_id)"
        )

    manager.add_raw(run)
    for column in ("tid", "activated", "bound"):
        manager.drop_column(
            table_class_name="OrderItem",
            tablename="order_item",
            column_name=column,
            db_column_name=column,
            schema=None,
        )

    return manager
