"""The words of the returns business: states, actions, roles, reasons and resolutions."""

# These enums live apart from lifecycle.py because policy.py and money.py need them too, and
# lifecycle.py imports both; domain.lifecycle re-exports every name here.

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    NEEDS_INFO = "needs_info"
    APPROVED = "approved"
    REJECTED = "rejected"
    APPEALED = "appealed"
    REJECTED_FINAL = "rejected_final"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    REFUND_PENDING = "refund_pending"
    REPLACEMENT_PENDING = "replacement_pending"
    INSPECTION_FAILED = "inspection_failed"
    REFUNDED = "refunded"
    CLOSED = "closed"


# Nothing more is asked of the merchant in these; lists show them after the open ones.
FINISHED_STATES = frozenset(
    {State.CLOSED, State.CANCELLED, State.EXPIRED, State.REJECTED_FINAL, State.REFUNDED}
)


class Action(StrEnum):
    DISCARD = "discard"
    SUBMIT = "submit"
    ASK_INFO = "ask_info"
    RESUBMIT = "resubmit"
    APPROVE = "approve"
    REJECT = "reject"
    APPEAL = "appeal"
    ACCEPT = "accept"  # the merchant accepts a failed inspection instead of appealing it
    UPHOLD = "uphold"
    OVERTURN = "overturn"
    CANCEL = "cancel"
    EXPIRE = "expire"
    SHIP = "ship"
    RECEIVE = "receive"
    INSPECT_PASS = "inspect_pass"  # noqa: S105 - "pass" as in inspection, not a password
    INSPECT_FAIL = "inspect_fail"
    SHIP_REPLACEMENT = "ship_replacement"
    RETURN_TO_MERCHANT = "return_to_merchant"
    REFUND = "refund"
    CLOSE = "close"


class Role(StrEnum):
    MERCHANT = "merchant"
    REVIEWER = "reviewer"
    INSPECTOR = "inspector"
    FINANCE = "finance"
    SUPERVISOR = "supervisor"
    COUNTER = "counter"  # service-outlet or partner-shop counter staff
    PARTNER = "partner"  # partner platform over the API
    SYSTEM = "system"  # scheduled jobs


class Resolution(StrEnum):
    REFUND = "refund"
    EXCHANGE = "exchange"


class Reason(StrEnum):
    QUALITY_DEFECT = "quality_defect"
    WRONG_ITEM = "wrong_item"
    DAMAGED_IN_TRANSIT = "damaged_in_transit"
    NOT_AS_DESCRIBED = "not_as_described"
    CHANGE_OF_MIND = "change_of_mind"
    OTHER = "other"


class ItemReceipt(StrEnum):
    """What the warehouse found of one item when the parcel was opened."""

    RECEIVED = "received"
    MISSING = "missing"
    DAMAGED = "damaged_in_transit"


class FeePayer(StrEnum):
    PLATFORM = "platform"
    MERCHANT = "merchant"


class AppealOf(StrEnum):
    REJECTION = "rejection"
    INSPECTION = "inspection"
