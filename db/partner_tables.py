"""The partner API's own records: its clients, webhook subscriptions, the events of partners' requests (what
webhooks carry and the events endpoint reads back), each delivery and its attempts, and the
first answer to each idempotency key."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table

_OUTLET = LazyTableReference(table_class_name="Outlet", module_path="db.tables")
_REQUEST = LazyTableReference(table_class_name="ReturnRequest", module_path="db.tables")


class PartnerClient(Table):
    """A system on the partner API (a partner shop's counter system, the WeChat backend): its
    key — shown once, kept as a SHA-256 of its secret part — what it may do, how often, and
    for which channel and outlet. A rotation keeps the previous key working for a while."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    name = Varchar(length=100)
    channel = Varchar(length=20, default="partner")  # "partner" or "wechat"
    outlet: ForeignKey[Table] = ForeignKey(
        references=_OUTLET, null=True, default=None, on_delete=OnDelete.restrict
    )
    scopes = JSON(default=[])  # domain.partners.Scope values
    rate_limit = Integer(default=600)  # requests a minute
    key_id = Varchar(length=40, unique=True)
    key_hash = Varchar(length=200)
    previous_key_id = Varchar(length=40, null=True, default=None, index=True)
    previous_key_hash = Varchar(length=200, default="")
    previous_key_until = Timestamptz(null=True, default=None)
    active = Boolean(default=True)  # False once revoked
    revoked_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class WebhookSubscription(Table):
    """Where a client wants to hear of changes, and of which kinds; signed with its secret (two
    during a rotation)."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    client: ForeignKey[Table] = ForeignKey(
        references=PartnerClient, on_delete=OnDelete.cascade, index=True
    )
    url = Varchar(length=500)
    events = JSON(default=[])  # event types; empty: every type
    active = Boolean(default=True)
    secret_enc = Text()  # whsec_… sealed at rest (db.crypto)
    previous_secret_enc = Text(default="")
    previous_secret_until = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class PartnerEvent(Table):
    """Something that happened to a request a client filed, in order (the id is the cursor):
    written in the change's own transaction."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    event_id = Varchar(length=40, unique=True)  # "evt_…": the webhook-id, the same on every retry
    request: ForeignKey[Table] = ForeignKey(
        references=_REQUEST, on_delete=OnDelete.cascade, index=True
    )
    client: ForeignKey[Table] = ForeignKey(
        references=PartnerClient, on_delete=OnDelete.cascade, index=True
    )
    type = Varchar(length=40)  # "return.approved", "message.created", "document.ready", …
    data = JSON(default={})  # what the event itself says: from → to, the message, the document
    body = Text(null=True, default=None)  # the webhook body as first sent: every retry resends it
    occurred_at = Timestamptz()


class WebhookDelivery(Table):
    """One event to one subscription: pending until its receiver took it (2xx), dead after the
    last attempt. A later event of the same request waits for this one."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    event = ForeignKey(references=PartnerEvent, on_delete=OnDelete.cascade)
    subscription = ForeignKey(
        references=WebhookSubscription, on_delete=OnDelete.cascade, index=True
    )
    request_id = Integer(index=True)  # the event's request, for the in-order check
    # 0 for the event's first delivery to the subscription, n for its nth redelivery (an
    # admin's "send again"): unique with event and subscription (an index in the migration)
    redelivery = Integer(default=0)
    status = Varchar(length=12, default="pending")  # "pending", "delivered" or "dead"
    attempts = Integer(default=0)
    delivered_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class WebhookAttempt(Table):
    """One try at a delivery, for the admin's delivery log."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    delivery = ForeignKey(references=WebhookDelivery, on_delete=OnDelete.cascade, index=True)
    attempt = Integer()
    status_code = Integer(default=0)  # 0: no answer (refused, timed out, not allowed)
    answer = Text(default="")  # the answer's first bytes, or why there was none
    error = Varchar(length=30, default="")  # no answer: domain.webhooks.NoAnswer's code
    duration_ms = Integer(default=0)
    at = Timestamptz()


class ApiIdempotency(Table):
    """The first answer to a client's Idempotency-Key (status 0 while it is still being made), so
    a retry gets it back instead of doing the work again; kept 24 hours. Unique per client and
    key (an index in the migration)."""

    id: Serial  # the primary key Piccolo adds; declared for type checkers
    client: ForeignKey[Table] = ForeignKey(references=PartnerClient, on_delete=OnDelete.cascade)
    key = Varchar(length=255)
    fingerprint = Varchar(length=64)  # SHA-256 of method, path and body
    status = Integer(default=0)
    body = Text(default="")
    created_at = Timestamptz(index=True)
