"""What a decision reads and returns: the request snapshot, the command, the decision or refusal."""

# These types are the contract between domain/ and db/, web/, workers/; domain.lifecycle
# re-exports them, so callers import everything from there.

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from domain.money import Money
from domain.policy import Policy
from domain.terms import Action, AppealOf, FeePayer, ItemReceipt, Reason, Resolution, Role, State
from domain.text import Text


@dataclass(frozen=True)
class Actor:
    role: Role
    id: str  # stable identity: "staff:12", "merchant:3", "partner:7", "system"
    merchant_id: int | None = None  # set for merchants (and partners acting for one)
    outlet_id: int | None = None  # counter staff: the service outlet or partner shop they serve


@dataclass(frozen=True)
class HeldSerial:
    """Another request that holds the claim on a serial number (DESIGN §2: one unit, one live
    request)."""

    rma: str
    state: State
    appealable: bool  # rejected and still inside its appeal window: appeal it, do not refile


@dataclass(frozen=True)
class ItemSnapshot:
    product_category: str  # key into Policy.return_window_days
    unit_price: Money
    quantity: int
    serial_number: str | None  # None for products without an SN
    order_item_id: int = 0


@dataclass(frozen=True)
class ReturnSnapshot:
    """Everything `decide` needs to know about one request, read by db/ in the transaction."""

    state: State
    version: int
    merchant_id: int
    resolution: Resolution
    reason: Reason | None
    items: tuple[ItemSnapshot, ...]
    order_completed_at: datetime
    paid_total: Money  # what the merchant paid for the order
    policy: Policy  # the version submitted under (the current one while a draft)
    evidence_count: int = 0
    risk_score: int = 0  # assessed at submit (domain.risk)
    # SNs of this request claimed by another request, with who holds them
    serial_holders: Mapping[str, HeldSerial] = field(default_factory=lambda: MappingProxyType({}))
    channel: str = "web"  # web, outlet, partner, wechat (DESIGN §7)
    outlet_id: int | None = None  # the counter that registered it, if any
    partner_client: str | None = None  # actor id of the partner client that filed it, if any
    submitted_at: datetime | None = None
    review_due_at: datetime | None = None
    fee_payer: FeePayer | None = None
    ship_by: datetime | None = None
    shipped_at: datetime | None = None
    rejected_at: datetime | None = None
    appeal_deadline: datetime | None = None
    appeal_of: AppealOf | None = None
    appealed_at: datetime | None = None
    appeal_due_at: datetime | None = None  # by when a supervisor decides the appeal
    # identity of the staff member whose decision (rejection / failed inspection) is under appeal
    decided_by: str | None = None
    # decisions already appealed, by kind: one appeal per decision
    appealed: frozenset[AppealOf] = frozenset()
    inspection_failed_final: bool = False
    # the merchant accepted a failed inspection instead of appealing it: the goods may go back
    outcome_accepted: bool = False
    refunded_at: datetime | None = None
    refund_due_by: datetime | None = None
    refund_amount: Money | None = None
    # return shipping the platform advanced for the merchant; Money is frozen, so sharing is safe
    shipping_advanced: Money = Money(0)  # noqa: RUF009
    invoice_issued: bool = False
    # the latest parcel (return, replacement or send-back) and the refund's payment records
    carrier: str = ""
    tracking_number: str = ""
    payment_reference: str = ""
    invoice_reversal: str = ""
    # what the warehouse found of each item
    receipts: tuple[tuple[int, ItemReceipt], ...] = ()
    replacement_serial: str = ""

    @property
    def receipt_problem(self) -> bool:
        """The parcel lacked an item or brought one damaged: flagged at receipt, decided at
        inspection."""
        return any(found is not ItemReceipt.RECEIVED for _item, found in self.receipts)


@dataclass(frozen=True)
class Command:
    """An action with what the actor supplied. Fields unused by an action are ignored."""

    action: Action
    message: str = ""  # reason text / statement / answer
    reason_code: str = ""  # e.g. a rejection reason code
    fee_payer: FeePayer | None = None
    carrier: str = ""
    tracking_number: str = ""
    added_evidence: int = 0  # files attached with this action (counted by db/ as attached)
    confirmed_serials: tuple[str, ...] = ()  # SNs the inspector read off the returned units
    checklist: tuple[str, ...] = ()  # domain.inspection.CHECKLIST codes the inspector ticked
    payment_reference: str = ""
    invoice_reversal: str = ""  # reference of the 发票 reversal, where one was issued
    override_window: bool = False  # supervisor submits outside the window, with a message
    # receipt: (order item id, what was found) for each item of the request
    receipts: tuple[tuple[int, ItemReceipt], ...] = ()
    replacement_serial: str = ""  # the new unit an exchange sends


class EffectKind(StrEnum):
    NOTIFY = "notify"  # in-app always; channels say which others
    DOCUMENT = "document"  # e.g. "authorization", "refund_receipt"
    WEBHOOK = "webhook"  # e.g. "return.approved", "terminal.unbound"
    UNBIND_TERMINAL = "unbind_terminal"
    CLAIM_SERIALS = "claim_serials"  # the request now holds its units' serial numbers
    KEEP_FACTS = "keep_facts"  # the order's facts as submitted are the request's own from now
    RELEASE_SERIALS = (
        "release_serials"  # ...and gives them up (cancelled, expired, rejected for good)
    )


@dataclass(frozen=True)
class Effect:
    kind: EffectKind
    name: str  # notify: template key (the action); document: document kind; webhook: event type
    channels: tuple[str, ...] = ()  # notify only: ("in_app", "sms", "email")


@dataclass(frozen=True)
class Event:
    action: Action
    from_state: State
    to_state: State | None  # None when the draft is discarded
    actor: Actor
    at: datetime
    message: str = ""
    reason_code: str = ""


@dataclass(frozen=True)
class Changes:
    """Fields of the request that the decision sets (None = leave as is)."""

    fee_payer: FeePayer | None = None
    submitted_at: datetime | None = None
    review_due_at: datetime | None = None
    ship_by: datetime | None = None
    shipped_at: datetime | None = None
    rejected_at: datetime | None = None
    appeal_deadline: datetime | None = None
    appeal_of: AppealOf | None = None
    appealed_at: datetime | None = None
    appeal_due_at: datetime | None = None
    decided_by: str | None = None
    appealed: frozenset[AppealOf] | None = None
    inspection_failed_final: bool | None = None
    outcome_accepted: bool | None = None
    refund_amount: Money | None = None
    refund_due_by: datetime | None = None
    refunded_at: datetime | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    payment_reference: str | None = None
    invoice_reversal: str | None = None
    receipts: tuple[tuple[int, ItemReceipt], ...] | None = None
    replacement_serial: str | None = None


@dataclass(frozen=True)
class Decision:
    new_state: State | None  # None: the draft is discarded
    event: Event
    changes: Changes = field(default_factory=Changes)
    effects: tuple[Effect, ...] = ()


@dataclass(frozen=True)
class Refusal:
    code: str  # stable, machine-readable: "wrong_state", "role_not_allowed", "window_closed", ...
    message: Text  # translatable, for a person
