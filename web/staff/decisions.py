"""What a staff decision form sends, read into a domain Command: one reader per action, so the
screen's forms and the commands they make stay side by side."""

from __future__ import annotations

from collections.abc import Callable

from litestar.datastructures import FormMultiDict

from domain.lifecycle import Action, Command, FeePayer
from domain.terms import ItemReceipt

# the actions the staff screen offers (when domain/ allows them to this role, in this state)
STAFF_ACTIONS = (
    Action.APPROVE,
    Action.ASK_INFO,
    Action.REJECT,
    Action.OVERTURN,
    Action.UPHOLD,
    Action.RECEIVE,
    Action.INSPECT_PASS,
    Action.INSPECT_FAIL,
    Action.SHIP_REPLACEMENT,
    Action.RETURN_TO_MERCHANT,
    Action.REFUND,
)
# the fields each form keeps when it comes back with a problem
FIELDS = (
    "message", "reason_code", "fee_payer", "carrier", "tracking_number", "payment_reference",
    "invoice_reversal", "replacement_serial",
)  # fmt: skip


def _text(form: FormMultiDict, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _fee_payer(form: FormMultiDict) -> FeePayer | None:
    value = _text(form, "fee_payer")
    return FeePayer(value) if value in {p.value for p in FeePayer} else None


def _many(form: FormMultiDict, name: str) -> tuple[str, ...]:
    return tuple(v[:60] for v in form.getall(name, []) if isinstance(v, str) and v.strip())[:50]


def _decision(action: Action) -> Callable[[FormMultiDict], Command]:
    def read(form: FormMultiDict) -> Command:
        return Command(
            action,
            message=_text(form, "message"),
            reason_code=_text(form, "reason_code")[:40],
            fee_payer=_fee_payer(form),
        )

    return read


def _parcel(action: Action) -> Callable[[FormMultiDict], Command]:
    def read(form: FormMultiDict) -> Command:
        return Command(
            action,
            message=_text(form, "message"),
            carrier=_text(form, "carrier"),
            tracking_number=_text(form, "tracking_number"),
        )

    return read


def _inspect_pass(form: FormMultiDict) -> Command:
    return Command(
        Action.INSPECT_PASS,
        message=_text(form, "message"),
        confirmed_serials=_many(form, "serial"),
        checklist=_many(form, "check"),
    )


def _receive(form: FormMultiDict) -> Command:
    """`receipt-<order item id>` says what was found of each item."""
    statuses = {status.value for status in ItemReceipt}
    found = []
    for name, value in form.items():
        item_id = name.removeprefix("receipt-")
        named = item_id != name and item_id.isascii() and item_id.isdigit() and len(item_id) < 12
        if named and value in statuses:
            found.append((int(item_id), ItemReceipt(value)))
    return Command(Action.RECEIVE, message=_text(form, "message"), receipts=tuple(found[:50]))


def _replacement(form: FormMultiDict) -> Command:
    return Command(
        Action.SHIP_REPLACEMENT,
        carrier=_text(form, "carrier"),
        tracking_number=_text(form, "tracking_number"),
        replacement_serial=_text(form, "replacement_serial")[:80],
    )


def _refund(form: FormMultiDict) -> Command:
    return Command(
        Action.REFUND,
        payment_reference=_text(form, "payment_reference"),
        invoice_reversal=_text(form, "invoice_reversal"),
    )


READERS: dict[Action, Callable[[FormMultiDict], Command]] = {
    Action.APPROVE: _decision(Action.APPROVE),
    Action.ASK_INFO: _decision(Action.ASK_INFO),
    Action.REJECT: _decision(Action.REJECT),
    Action.OVERTURN: _decision(Action.OVERTURN),
    Action.UPHOLD: _decision(Action.UPHOLD),
    Action.RECEIVE: _receive,
    Action.INSPECT_FAIL: _decision(Action.INSPECT_FAIL),
    Action.INSPECT_PASS: _inspect_pass,
    Action.SHIP_REPLACEMENT: _replacement,
    Action.RETURN_TO_MERCHANT: _parcel(Action.RETURN_TO_MERCHANT),
    Action.REFUND: _refund,
}


def action_of(form: FormMultiDict) -> Action | None:
    value = _text(form, "action")
    return next((a for a in STAFF_ACTIONS if a.value == value), None)


def kept_values(form: FormMultiDict) -> dict[str, str]:
    return {name: _text(form, name) for name in FIELDS}
