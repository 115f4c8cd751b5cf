"""Words and tones for states and actions, as English msgids that web/ and workers/ translate."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Literal, Protocol

from domain.money import Deduction
from domain.terms import Action, AppealOf, FeePayer, ItemReceipt, Reason, Resolution, Role, State
from domain.text import N_, Text

Tone = Literal["warning", "info", "success", "danger", "muted"]

STATE_LABELS: Mapping[State, str] = MappingProxyType(
    {
        State.DRAFT: N_("Draft"),
        State.SUBMITTED: N_("Waiting for review"),
        State.NEEDS_INFO: N_("Information needed"),
        State.APPROVED: N_("Approved, waiting for the parcel"),
        State.REJECTED: N_("Rejected"),
        State.APPEALED: N_("Appeal under review"),
        State.REJECTED_FINAL: N_("Rejected after appeal"),
        State.CANCELLED: N_("Cancelled"),
        State.EXPIRED: N_("Expired"),
        State.IN_TRANSIT: N_("On its way to us"),
        State.RECEIVED: N_("Received, being inspected"),
        State.REFUND_PENDING: N_("Refund being paid"),
        State.REPLACEMENT_PENDING: N_("Replacement being prepared"),
        State.INSPECTION_FAILED: N_("Did not pass inspection"),
        State.REFUNDED: N_("Refunded"),
        State.CLOSED: N_("Closed"),
    }
)

# placeholders are ReturnSnapshot field names; next_step() fills them
NEXT_STEP: Mapping[State, str] = MappingProxyType(
    {
        State.DRAFT: N_("Finish your return request and submit it."),
        State.SUBMITTED: N_(
            "Nothing to do for now: we will review your request by %(review_due_at)s."
        ),
        State.NEEDS_INFO: N_("Answer our question or add evidence, then send the request back."),
        State.APPROVED: N_("Pack the goods and ship the parcel by %(ship_by)s."),
        State.REJECTED: N_("If you disagree, you can appeal until %(appeal_deadline)s."),
        State.APPEALED: N_("Nothing to do for now: a supervisor is reviewing your appeal."),
        State.REJECTED_FINAL: N_("Nothing more to do: the decision on your appeal is final."),
        State.CANCELLED: N_("Nothing more to do: you cancelled this request."),
        State.EXPIRED: N_(
            "The parcel was not shipped in time. Start a new request if the window is still open."
        ),
        State.IN_TRANSIT: N_("Nothing to do for now: we will inspect the goods when they arrive."),
        State.RECEIVED: N_("Nothing to do for now: we are inspecting the returned goods."),
        State.REFUND_PENDING: N_(
            "Nothing to do for now: we will pay the refund by %(refund_due_by)s."
        ),
        State.REPLACEMENT_PENDING: N_("Nothing to do for now: we are preparing your replacement."),
        State.INSPECTION_FAILED: N_(
            "If you disagree, you can appeal until %(appeal_deadline)s; otherwise we will send "
            "the goods back to you."
        ),
        State.REFUNDED: N_("Nothing more to do: the refund has been paid."),
        State.CLOSED: N_("Nothing more to do: this request is closed."),
    }
)

# next-step deadlines the merchant must meet; the others (review by, refund by) are ours to keep
MERCHANT_DEADLINES = frozenset({"ship_by", "appeal_deadline"})

_GOODS_COMING_BACK = N_("Nothing more to do: we will send the goods back to you.")

# waiting on the merchant → warning; on staff → info; good end → success; refused → danger
STATE_TONE: Mapping[State, Tone] = MappingProxyType(
    {
        State.DRAFT: "warning",
        State.SUBMITTED: "info",
        State.NEEDS_INFO: "warning",
        State.APPROVED: "warning",
        State.REJECTED: "danger",
        State.APPEALED: "info",
        State.REJECTED_FINAL: "danger",
        State.CANCELLED: "muted",
        State.EXPIRED: "danger",
        State.IN_TRANSIT: "info",
        State.RECEIVED: "info",
        State.REFUND_PENDING: "info",
        State.REPLACEMENT_PENDING: "info",
        State.INSPECTION_FAILED: "danger",
        State.REFUNDED: "success",
        State.CLOSED: "muted",
    }
)

# button and timeline wording
ACTION_LABELS: Mapping[Action, str] = MappingProxyType(
    {
        Action.DISCARD: N_("Discard draft"),
        Action.SUBMIT: N_("Submit"),
        Action.ASK_INFO: N_("Ask for information"),
        Action.RESUBMIT: N_("Send back for review"),
        Action.APPROVE: N_("Approve"),
        Action.REJECT: N_("Reject"),
        Action.APPEAL: N_("Appeal"),
        Action.ACCEPT: N_("Accept the result"),
        Action.UPHOLD: N_("Uphold the decision"),
        Action.OVERTURN: N_("Overturn the decision"),
        Action.CANCEL: N_("Cancel request"),
        Action.EXPIRE: N_("Expire"),
        Action.SHIP: N_("Record shipment"),
        Action.RECEIVE: N_("Record receipt"),
        Action.INSPECT_PASS: N_("Pass inspection"),
        Action.INSPECT_FAIL: N_("Fail inspection"),
        Action.SHIP_REPLACEMENT: N_("Ship replacement"),
        Action.RETURN_TO_MERCHANT: N_("Send goods back"),
        Action.REFUND: N_("Record refund"),
        Action.CLOSE: N_("Close"),
    }
)

# the timeline's words: what happened, in the past tense, as the merchant reads it
EVENT_LABELS: Mapping[Action, str] = MappingProxyType(
    {
        Action.DISCARD: N_("Draft discarded"),
        Action.SUBMIT: N_("Return request submitted"),
        Action.ASK_INFO: N_("More information requested"),
        Action.RESUBMIT: N_("Information sent, back in review"),
        Action.APPROVE: N_("Return approved"),
        Action.REJECT: N_("Return not approved"),
        Action.APPEAL: N_("Appeal submitted"),
        Action.ACCEPT: N_("Inspection result accepted"),
        Action.UPHOLD: N_("Appeal decided: the decision stands"),
        Action.OVERTURN: N_("Appeal decided: the decision was changed"),
        Action.CANCEL: N_("Request cancelled"),
        Action.EXPIRE: N_("Request expired: not shipped in time"),
        Action.SHIP: N_("Parcel shipped"),
        Action.RECEIVE: N_("Parcel received at the warehouse"),
        Action.INSPECT_PASS: N_("Goods passed inspection"),
        Action.INSPECT_FAIL: N_("Goods did not pass inspection"),
        Action.SHIP_REPLACEMENT: N_("Replacement shipped"),
        Action.RETURN_TO_MERCHANT: N_("Goods sent back to you"),
        Action.REFUND: N_("Refund paid"),
        Action.CLOSE: N_("Request closed"),
    }
)

# %(state)s is a State: translators format it through STATE_LABELS
WRONG_STATE: Mapping[Action, str] = MappingProxyType(
    {
        Action.DISCARD: N_("Only a draft can be discarded (status: %(state)s)."),
        Action.SUBMIT: N_("This request has already been submitted (status: %(state)s)."),
        Action.ASK_INFO: N_(
            "Information can only be asked for while the request waits for review "
            "(status: %(state)s)."
        ),
        Action.RESUBMIT: N_("This request is not waiting for your answer (status: %(state)s)."),
        Action.APPROVE: N_(
            "Only a request waiting for review can be approved (status: %(state)s)."
        ),
        Action.REJECT: N_("Only a request waiting for review can be rejected (status: %(state)s)."),
        Action.APPEAL: N_("This request has no decision that can be appealed (status: %(state)s)."),
        Action.ACCEPT: N_("Only a failed inspection can be accepted (status: %(state)s)."),
        Action.UPHOLD: N_("There is no appeal to decide on this request (status: %(state)s)."),
        Action.OVERTURN: N_("There is no appeal to decide on this request (status: %(state)s)."),
        Action.CANCEL: N_("This request can no longer be cancelled (status: %(state)s)."),
        Action.EXPIRE: N_("Only an approved request can expire (status: %(state)s)."),
        Action.SHIP: N_("Only an approved request can be shipped (status: %(state)s)."),
        Action.RECEIVE: N_("This request is not expected at the warehouse (status: %(state)s)."),
        Action.INSPECT_PASS: N_("Only received goods can be inspected (status: %(state)s)."),
        Action.INSPECT_FAIL: N_("Only received goods can be inspected (status: %(state)s)."),
        Action.SHIP_REPLACEMENT: N_("No replacement is waiting to be shipped (status: %(state)s)."),
        Action.RETURN_TO_MERCHANT: N_(
            "Only goods that failed inspection can be sent back (status: %(state)s)."
        ),
        Action.REFUND: N_("No refund is waiting to be paid (status: %(state)s)."),
        Action.CLOSE: N_("This request cannot be closed now (status: %(state)s)."),
    }
)


class StepFacts(Protocol):
    """What `next_step` reads: a full ReturnSnapshot has it, and so does a list row, so that a
    page listing many requests need not load each one whole."""

    @property
    def state(self) -> State: ...
    @property
    def review_due_at(self) -> datetime | None: ...
    @property
    def ship_by(self) -> datetime | None: ...
    @property
    def appeal_deadline(self) -> datetime | None: ...
    @property
    def refund_due_by(self) -> datetime | None: ...
    @property
    def inspection_failed_final(self) -> bool: ...
    @property
    def appealed(self) -> frozenset[AppealOf]: ...
    @property
    def outcome_accepted(self) -> bool: ...


def next_step(snapshot: StepFacts) -> Text:
    """What the merchant must do next, with the deadline that applies to this request."""
    if snapshot.state is State.INSPECTION_FAILED and (
        snapshot.inspection_failed_final
        or snapshot.outcome_accepted
        or AppealOf.INSPECTION in snapshot.appealed
    ):
        return Text(_GOODS_COMING_BACK)
    params = {
        "review_due_at": snapshot.review_due_at,
        "ship_by": snapshot.ship_by,
        "appeal_deadline": snapshot.appeal_deadline,
        "refund_due_by": snapshot.refund_due_by,
    }
    msgid = NEXT_STEP[snapshot.state]
    return Text(msgid, {name: value for name, value in params.items() if f"%({name})s" in msgid})


# what the merchant chose and what was decided, as the request page and documents name them
REASON_LABELS: Mapping[Reason, str] = MappingProxyType(
    {
        Reason.QUALITY_DEFECT: N_("Quality defect"),
        Reason.WRONG_ITEM: N_("Wrong item delivered"),
        Reason.DAMAGED_IN_TRANSIT: N_("Damaged in transit"),
        Reason.NOT_AS_DESCRIBED: N_("Not as described"),
        Reason.CHANGE_OF_MIND: N_("Changed my mind"),
        Reason.OTHER: N_("Other reason"),
    }
)

RESOLUTION_LABELS: Mapping[Resolution, str] = MappingProxyType(
    {
        Resolution.REFUND: N_("Refund"),
        Resolution.EXCHANGE: N_("Exchange for a new unit"),
    }
)

FEE_PAYER_LABELS: Mapping[FeePayer, str] = MappingProxyType(
    {
        FeePayer.PLATFORM: N_("We pay the return shipping"),
        FeePayer.MERCHANT: N_("You pay the return shipping"),
    }
)

# the refund receipt's lines between what was paid and what is refunded
DEDUCTION_LABELS: Mapping[Deduction, str] = MappingProxyType(
    {
        Deduction.ITEMS_NOT_RETURNED: N_("Items not returned with this request"),
        Deduction.RETURN_SHIPPING: N_("Return shipping you pay, advanced by us"),
    }
)

# keys are Policy.refund_methods
REFUND_METHOD_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "original": N_("Back to the original payment"),
        "bank_transfer": N_("Bank transfer"),
        "alipay": N_("Alipay"),
    }
)


# who did something, where no display name says it: the role's name
ROLE_LABELS: Mapping[Role, str] = MappingProxyType(
    {
        Role.MERCHANT: N_("Merchant"),
        Role.REVIEWER: N_("Reviewer"),
        Role.INSPECTOR: N_("Warehouse inspector"),
        Role.FINANCE: N_("Finance"),
        Role.SUPERVISOR: N_("Supervisor"),
        Role.COUNTER: N_("Service outlet"),
        Role.PARTNER: N_("Partner platform"),
        Role.SYSTEM: N_("ReturnDesk"),
    }
)


RECEIPT_LABELS: Mapping[ItemReceipt, str] = MappingProxyType(
    {
        ItemReceipt.RECEIVED: N_("Arrived"),
        ItemReceipt.MISSING: N_("Missing from the parcel"),
        ItemReceipt.DAMAGED: N_("Damaged in transit"),
    }
)


# where a request was filed (DESIGN §7)
CHANNEL_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "web": N_("Merchant portal"),
        "outlet": N_("Service outlet"),
        "partner": N_("Partner shop or API"),
        "wechat": N_("WeChat official account"),
    }
)
