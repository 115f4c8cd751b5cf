"""ReturnDesk's tables: merchants and their orders, return requests and everything recorded on them."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    Serial,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from db.document_tables import Document as Document
from db.import_tables import ImportChange as ImportChange
from db.import_tables import ImportRefusal as ImportRefusal
from db.import_tables import ImportRun as ImportRun
from db.outbox_tables import JobClaim as JobClaim
from db.outbox_tables import OutboxRow as OutboxRow
from db.partner_tables import ApiIdempotency as ApiIdempotency
from db.partner_tables import PartnerClient as PartnerClient
from db.partner_tables import PartnerEvent as PartnerEvent
from db.partner_tables import WebhookAttempt as WebhookAttempt
from db.partner_tables import WebhookDelivery as WebhookDelivery
from db.partner_tables import WebhookSubscription as WebhookSubscription
from db.policy_tables import PolicyVersion as PolicyVersion
from db.staff_tables import StaffAuditEntry as StaffAuditEntry
from db.staff_tables import StaffNotification as StaffNotification
from db.terminal_tables import Terminal as Terminal
from db.upload_tables import ResumableUpload as ResumableUpload


class Merchant(Table):
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    name = Varchar(length=200)
    phone = Varchar(length=20, unique=True, index=True)  # mainland mobile, 11 digits
    email = Varchar(length=200, default="")
    mid = Varchar(length=32, default="")  # merchant number at the acquirer
    locale = Varchar(length=10, default="zh_CN")  # language of SMS and e-mail
    created_at = Timestamptz(default=TimestamptzNow())
    # as the provider's systems know it (the sync API and imports): who this merchant is there
    # unique: an index of its own (SQLite cannot add a UNIQUE column to a table with rows)
    external_id = Varchar(length=64, null=True, default=None)
    other_phones = Varchar(length=120, default="")  # further contact numbers, comma-separated
    address = Text(default="")
    updated_at = Timestamptz(null=True, default=None, index=True)  # set by the sync; NULL: never


class ProductCategory(Table):
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    key = Varchar(length=40, unique=True)  # key of Policy.return_window_days
    name_zh = Varchar(length=100)
    name_en = Varchar(length=100)


class Product(Table):
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    sku = Varchar(length=40, unique=True)
    name_zh = Varchar(length=200)
    name_en = Varchar(length=200)
    category = ForeignKey(references=ProductCategory, on_delete=OnDelete.restrict)
    has_serial = Boolean(default=False)
    unit_price_fen = BigInt()
    updated_at = Timestamptz(null=True, default=None, index=True)  # set by the sync; NULL: never


class Order(Table, tablename="merchant_order"):  # "order" is an SQL keyword
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    order_no = Varchar(length=40, unique=True, index=True)
    merchant = ForeignKey(references=Merchant, on_delete=OnDelete.restrict, index=True)
    completed_at = Timestamptz()
    delivered_at = Timestamptz(null=True, default=None)
    paid_total_fen = BigInt()
    invoice_issued = Boolean(default=False)
    invoice_no = Varchar(length=40, default="")
    channel = Varchar(length=40, default="")  # where it was sold, as the provider names it
    updated_at = Timestamptz(null=True, default=None, index=True)  # its lines' changes too


class OrderItem(Table):
    """One delivered line; serialised products come one unit per row, each with its SN (the
    unit's binding and activation are the Terminal of that SN)."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    order = ForeignKey(references=Order, on_delete=OnDelete.cascade, index=True)
    product = ForeignKey(references=Product, on_delete=OnDelete.restrict)
    quantity = Integer(default=1)
    unit_price_fen = BigInt()
    serial_number = Varchar(length=64, null=True, default=None, index=True)
    line_no = Integer(default=0)  # the order's line as the provider numbers it (0: not given)


class Outlet(Table):
    """A service outlet (服务网点) or partner shop (合作商户) whose counter registers returns."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    code = Varchar(length=20, unique=True)
    name = Varchar(length=200)
    kind = Varchar(length=20, default="outlet")  # "outlet" or "partner_shop"
    address = Text(default="")
    active = Boolean(default=True)


class StaffUser(Table):
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    username = Varchar(length=60, unique=True)
    display_name = Varchar(length=100)
    role = Varchar(length=20)  # domain.lifecycle.Role value
    password_hash = Varchar(length=200)
    active = Boolean(default=True)
    # counter staff serve one outlet; everyone else has none
    outlet = ForeignKey(references=Outlet, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())
    # the second factor (supervisors): the TOTP secret, encrypted at rest; empty until enrolled
    totp_secret_enc = Text(default="")
    notices_seen = Integer(default=0)  # the newest staff notification this person has seen
    # sessions carry the epoch they began in; deactivation or a new password or role moves it,
    # ending every earlier session for good (a reactivated account starts afresh)
    session_epoch = Integer(default=0)


class ReturnRequest(Table):
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    rma = Varchar(length=20, null=True, default=None, unique=True, index=True)  # set at submit
    merchant = ForeignKey(references=Merchant, on_delete=OnDelete.restrict, index=True)
    order = ForeignKey(references=Order, on_delete=OnDelete.restrict)
    state = Varchar(length=24, index=True)
    version = Integer(default=1)  # optimistic concurrency
    channel = Varchar(length=10, default="web")  # web, outlet, partner, wechat
    resolution = Varchar(length=10, default="refund")
    reason = Varchar(length=30, null=True, default=None)
    description = Text(default="")
    refund_method = Varchar(length=20, default="")
    refund_account_holder = Varchar(length=100, default="")
    refund_bank = Varchar(length=100, default="")
    refund_account_enc = Text(default="")  # encrypted at rest
    refund_account_last4 = Varchar(length=4, default="")
    contact_phone = Varchar(length=20, default="")
    policy_version = Integer()
    draft_step = Integer(default=1)  # the return form's step to resume at
    # Unused: idempotency keys live in IdempotencyRecord, scoped per client. The column stays
    # (always NULL) because SQLite cannot drop a column that carries a UNIQUE constraint.
    idempotency_key = Varchar(length=64, null=True, default=None, unique=True)
    outlet = ForeignKey(references=Outlet, null=True, default=None, on_delete=OnDelete.restrict)
    partner_client = ForeignKey(
        references=PartnerClient, null=True, default=None, on_delete=OnDelete.restrict
    )
    # decided fields (domain.lifecycle.Changes)
    fee_payer = Varchar(length=10, null=True, default=None)
    submitted_at = Timestamptz(null=True, default=None)
    review_due_at = Timestamptz(null=True, default=None)
    ship_by = Timestamptz(null=True, default=None)
    shipped_at = Timestamptz(null=True, default=None)
    carrier = Varchar(length=60, default="")
    tracking_number = Varchar(length=60, default="")
    rejected_at = Timestamptz(null=True, default=None)
    appeal_deadline = Timestamptz(null=True, default=None)
    appeal_of = Varchar(length=12, null=True, default=None)
    appealed_at = Timestamptz(null=True, default=None)
    appeal_due_at = Timestamptz(null=True, default=None)
    decided_by = Varchar(length=40, null=True, default=None)
    appealed = Varchar(length=40, default="")  # comma-separated AppealOf values
    inspection_failed_final = Boolean(default=False)
    outcome_accepted = Boolean(default=False)
    refund_amount_fen = BigInt(null=True, default=None)
    refund_due_by = Timestamptz(null=True, default=None)
    refunded_at = Timestamptz(null=True, default=None)
    payment_reference = Varchar(length=80, default="")
    invoice_reversal = Varchar(
        length=80, default=""
    )  # 发票 reversal reference, where one was issued
    shipping_advanced_fen = BigInt(default=0)
    risk_score = Integer(default=0)
    risk_findings = JSON(default=[])
    # the deadline of the queue the request waits in (domain.lifecycle.queue_deadline); with
    # state and id it makes the index every staff queue is ordered and keyset-paged by
    due_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    # what the warehouse found, per order item id ({"12": "missing"})
    receipt = JSON(default={})
    replacement_serial = Varchar(length=64, default="")  # the new unit an exchange sent
    # the order as it was when the request was submitted (NULL before): what it is decided on
    kept_completed_at = Timestamptz(null=True, default=None)
    kept_paid_total_fen = BigInt(null=True, default=None)


class SerialClaim(Table):
    """A unit's serial number held by the one live (or completed) return of it. The unique
    column is the rule: the database refuses a second claim, whatever raced to make it."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    serial_number = Varchar(length=64, unique=True)
    request = ForeignKey(references=ReturnRequest, on_delete=OnDelete.cascade, index=True)
    claimed_at = Timestamptz()


class IdempotencyRecord(Table):
    """The first answer to a (client, key) pair, so a retried create returns it instead of
    creating twice. Unique per client (an index in the migration): partners' keys never collide."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    client = Varchar(length=60)  # actor id: "merchant:3", "partner:7"
    key = Varchar(length=64)
    request = ForeignKey(
        references=ReturnRequest, null=True, default=None, on_delete=OnDelete.cascade
    )
    response = JSON(default={})
    created_at = Timestamptz(default=TimestamptzNow())


class ReturnItem(Table):
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    request = ForeignKey(references=ReturnRequest, on_delete=OnDelete.cascade, index=True)
    order_item = ForeignKey(references=OrderItem, on_delete=OnDelete.restrict)
    quantity = Integer(default=1)
    serial_number = Varchar(length=64, null=True, default=None, index=True)
    # what the line was when the request was submitted: later syncs never rewrite a request
    kept_unit_price_fen = BigInt(null=True, default=None)
    kept_terminal = JSON(default={})  # the unit's Terminal then: mid, tid, bound, activated


class Event(Table, tablename="return_event"):
    """What happened to a request: the merchant's timeline and the audit log are read from here."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    request = ForeignKey(references=ReturnRequest, on_delete=OnDelete.cascade, index=True)
    action = Varchar(length=24)
    from_state = Varchar(length=24)
    to_state = Varchar(length=24, null=True, default=None)
    actor_role = Varchar(length=20)
    actor_id = Varchar(length=40)
    actor_name = Varchar(length=100, default="")
    message = Text(default="")
    reason_code = Varchar(length=40, default="")
    at = Timestamptz()


class SideCase(Table):
    """A record on a request that is not a state: a logistics problem or a shipping-fee dispute."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    request = ForeignKey(references=ReturnRequest, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=20)  # "logistics" or "fee_dispute"
    status = Varchar(length=12, default="open")  # "open" or "resolved"
    body = Text()
    outcome = Text(default="")
    opened_by = Varchar(length=40)
    resolved_by = Varchar(length=40, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    resolved_at = Timestamptz(null=True, default=None)


class Message(Table):
    """Merchant ↔ staff conversation on a request: append-only, kept as evidence."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    request = ForeignKey(references=ReturnRequest, on_delete=OnDelete.cascade, index=True)
    side_case = ForeignKey(references=SideCase, null=True, default=None, on_delete=OnDelete.cascade)
    author_role = Varchar(length=20)
    author_id = Varchar(length=40)
    author_name = Varchar(length=100)
    body = Text()
    internal = Boolean(default=False)  # staff-only note
    created_at = Timestamptz(default=TimestamptzNow())


class EvidenceFile(Table):
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    request = ForeignKey(references=ReturnRequest, on_delete=OnDelete.cascade, index=True)
    event = ForeignKey(references=Event, null=True, default=None, on_delete=OnDelete.set_null)
    message = ForeignKey(references=Message, null=True, default=None, on_delete=OnDelete.set_null)
    kind = Varchar(length=10)  # "image" or "pdf"
    original_name = Varchar(length=255)
    stored_name = Varchar(length=80, unique=True)  # random, outside the web root
    thumb_name = Varchar(length=80, default="")
    content_type = Varchar(length=40)
    size = BigInt()
    sha256 = Varchar(length=64, index=True)
    taken_at = Timestamptz(null=True, default=None)  # read from the photo before it is stripped
    photo_hashes = Text(default="")  # domain.photo_hash.PhotoHashes.as_text; "" for a PDF
    uploaded_by = Varchar(length=40)
    created_at = Timestamptz(default=TimestamptzNow())


class PhotoHashEntry(Table):
    """A stored crop of an evidence photo, indexed for the near-duplicate lookup
    (domain.photo_hash): its pHash split into four 16-bit parts, each with an index."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    evidence = ForeignKey(references=EvidenceFile, on_delete=OnDelete.cascade, index=True)
    crop = SmallInt()  # which of STORED_CROPS
    phash = BigInt()  # signed: a BIGINT holds the 64 bits
    dhash = BigInt()
    part0 = Integer(index=True)
    part1 = Integer(index=True)
    part2 = Integer(index=True)
    part3 = Integer(index=True)


class StagedFile(Table):
    """A file uploaded with a form (an answer, an appeal, a message) and not yet attached: the
    action attaches it inside its own transaction, or it is purged later."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    request = ForeignKey(references=ReturnRequest, on_delete=OnDelete.cascade, index=True)
    uploaded_by = Varchar(length=40)  # only this actor may attach it
    kind = Varchar(length=10)
    original_name = Varchar(length=255)
    stored_name = Varchar(length=80, unique=True)
    thumb_name = Varchar(length=80, default="")
    content_type = Varchar(length=40)
    size = BigInt()
    sha256 = Varchar(length=64)
    taken_at = Timestamptz(null=True, default=None)
    photo_hashes = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Notification(Table):
    """An in-app notification; its text is rendered from `kind` + `params` in the reader's language."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    merchant = ForeignKey(references=Merchant, on_delete=OnDelete.cascade, index=True)
    request = ForeignKey(
        references=ReturnRequest, null=True, default=None, on_delete=OnDelete.cascade
    )
    kind = Varchar(length=40)
    params = JSON(default={})
    read_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class GatewayMessage(Table):
    """Every SMS/e-mail attempt with its result; in development the dev outbox reads from here."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    key = Varchar(length=160, index=True)
    channel = Varchar(length=10)  # "sms" or "email"
    recipient = Varchar(length=200)
    body = Text()
    gateway = Varchar(length=20)  # "dev_outbox", "smtp", "http_sms"
    status = Varchar(length=10)  # "sent" or "failed"
    error = Text(default="")
    response = Text(default="")  # what the provider answered (its message id, its refusal)
    created_at = Timestamptz(default=TimestamptzNow())


TABLES: tuple[type[Table], ...] = (
    Merchant,
    ProductCategory,
    Product,
    Order,
    OrderItem,
    Terminal,
    PolicyVersion,
    Outlet,
    StaffUser,
    StaffAuditEntry,
    StaffNotification,
    PartnerClient,
    ReturnRequest,
    SerialClaim,
    IdempotencyRecord,
    ReturnItem,
    Event,
    SideCase,
    Message,
    EvidenceFile,
    StagedFile,
    ResumableUpload,
    PhotoHashEntry,
    Notification,
    OutboxRow,
    JobClaim,
    GatewayMessage,
    Document,
    WebhookSubscription,
    PartnerEvent,
    WebhookDelivery,
    WebhookAttempt,
    ApiIdempotency,
    ImportRun,
    ImportRefusal,
    ImportChange,
)
