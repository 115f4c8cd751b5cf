from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T18:33:32:471356"
VERSION = "1.38.0"
DESCRIPTION = "queue, claim and outbox indexes"

# Indexes Piccolo's columns cannot express (composite, partial), and the data the previous
# migration's new columns need on requests that already existed. Plain SQL that SQLite and
# PostgreSQL both read.
STATEMENTS = (
    # every staff queue: WHERE state IN (...) ORDER BY due_at, id, paged by (due_at, id)
    "CREATE INDEX IF NOT EXISTS return_request_queue ON return_request (state, due_at, id)",
    "CREATE INDEX IF NOT EXISTS return_request_merchant_updated"
    " ON return_request (merchant, updated_at)",
    "CREATE INDEX IF NOT EXISTS notification_unread ON notification (merchant, read_at)",
    # the relay and the sweeper read only rows that are neither done nor dead
    "CREATE INDEX IF NOT EXISTS outbox_waiting ON outbox (due_at, id)"
    " WHERE done_at IS NULL AND dead_at IS NULL",
    "CREATE UNIQUE INDEX IF NOT EXISTS idempotency_record_client_key"
    " ON idempotency_record (client, key)",
    # requests made before deadlines became a column
    "UPDATE return_request SET due_at = review_due_at WHERE state = 'submitted'",
    "UPDATE return_request SET due_at = ship_by WHERE state = 'approved'",
    "UPDATE return_request SET due_at = appeal_deadline"
    " WHERE state IN ('rejected', 'inspection_failed')",
    "UPDATE return_request SET due_at = refund_due_by WHERE state = 'refund_pending'",
    # serial numbers held by requests made before claims were rows; where two requests held
    # one unit (the race this table closes) the older claim wins
    "INSERT INTO serial_claim (serial_number, request, claimed_at)"
    " SELECT return_item.serial_number, MIN(return_item.request), MIN(return_request.updated_at)"
    " FROM return_item JOIN return_request ON return_request.id = return_item.request"
    " WHERE return_item.serial_number IS NOT NULL"
    " AND return_request.state NOT IN ('draft', 'cancelled', 'expired', 'rejected_final')"
    " GROUP BY return_item.serial_number",
    # outbox rows handed over before completion was recorded: assume they ran
    "UPDATE outbox SET done_at = handed_over_at WHERE handed_over_at IS NOT NULL",
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
