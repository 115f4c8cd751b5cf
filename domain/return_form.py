"""The return form's rules: the words for each choice, and checks of what the merchant typed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from domain.guards import serial_held
from domain.limits import MAX_DESCRIPTION, too_long
from domain.request import HeldSerial
from domain.serials import SERIAL_SHAPE, normalise_serial
from domain.terms import FeePayer, Reason, Resolution
from domain.text import N_, Text

STEP_NAMES: tuple[str, ...] = (
    N_("Order and items"),
    N_("Reason"),
    N_("Evidence"),
    N_("Refund or exchange"),
    N_("Review and submit"),
)
LAST_STEP = len(STEP_NAMES)


class RefundMethod(StrEnum):
    ORIGINAL = "original"
    BANK_TRANSFER = "bank_transfer"
    ALIPAY = "alipay"


def evidence_notice(required: bool) -> str:
    if required:
        return N_("Photos needed: at least one photo of the problem.")
    return N_("Photos optional, but they help us decide faster.")


def fee_payer_notice(payer: FeePayer | None) -> str:
    if payer is FeePayer.PLATFORM:
        return N_("We pay the return shipping.")
    if payer is FeePayer.MERCHANT:
        return N_("You pay the return shipping.")
    return N_("Our reviewer decides who pays the return shipping.")


# -- step 1: items --


@dataclass(frozen=True)
class OrderLine:
    """One delivered line of an order, as the form offers it."""

    order_item_id: int
    product_id: int
    has_serial: bool
    quantity: int
    serial_number: str | None


@dataclass(frozen=True)
class ItemChoice:
    """What the merchant ticked on one line: how many, and the SN where they had to type it."""

    order_item_id: int
    quantity_text: str = "1"
    serial_text: str = ""


@dataclass(frozen=True)
class ChosenItem:
    order_item_id: int
    quantity: int
    serial_number: str | None


_SERIAL = SERIAL_SHAPE


def check_items(
    lines: Iterable[OrderLine],
    choices: Iterable[ItemChoice],
    holders: Mapping[str, HeldSerial] | None = None,
) -> tuple[list[ChosenItem], dict[str, Text]]:
    """The items to return, or a message per field ("item_choice", "qty-<id>", "sn-<id>").

    Where the order lists the SN a line delivered, ticking the line picks that unit; where it
    does not, the merchant types the SN and it must be one the order delivered for the same
    product. A unit another request holds is refused here, at step 1, in the words submit
    would use."""
    by_id = {line.order_item_id: line for line in lines}
    picked = [choice for choice in choices if choice.order_item_id in by_id]
    if not picked:
        return [], {"item_choice": Text(N_("Choose at least one item to return."))}
    chosen: list[ChosenItem] = []
    problems: dict[str, Text] = {}
    taken: set[str] = set()
    for choice in picked:
        line = by_id[choice.order_item_id]
        if line.has_serial:
            item, problem = _unit(line, choice, by_id.values(), taken, holders or {})
        else:
            item, problem = _quantity(line, choice)
        if problem is not None:
            prefix = "sn-" if line.has_serial else "qty-"
            problems[prefix + str(line.order_item_id)] = problem
        elif item is not None:
            chosen.append(item)
    return chosen, problems


def listed_units(line: OrderLine, lines: Iterable[OrderLine]) -> list[OrderLine]:
    """The order's units of this line's product whose SNs the order lists: where there are any,
    an SN typed (or scanned) for the line must be one of theirs."""
    return [o for o in lines if o.product_id == line.product_id and o.serial_number]


def _unit(
    line: OrderLine,
    choice: ItemChoice,
    lines: Iterable[OrderLine],
    taken: set[str],
    holders: Mapping[str, HeldSerial],
) -> tuple[ChosenItem | None, Text | None]:
    serial = normalise_serial(choice.serial_text) or normalise_serial(line.serial_number or "")
    if not serial:
        return None, Text(N_("Enter the serial number (SN) on the label of this terminal."))
    listed = listed_units(line, lines)
    if not listed:
        # the order never listed this product's SNs: the label is all there is to go by
        if not _SERIAL.fullmatch(serial):
            return None, Text(
                N_("An SN has 4 to 64 letters and digits. Please check the label on the terminal.")
            )
        if serial in taken:
            return None, Text(N_("SN %(serial)s is entered twice."), {"serial": serial})
        taken.add(serial)
        held = holders.get(serial)
        if held is not None:
            return None, serial_held(serial, held).message
        return ChosenItem(line.order_item_id, 1, serial), None
    match = next((o for o in listed if normalise_serial(o.serial_number or "") == serial), None)
    if match is None or match.serial_number is None:
        return None, Text(
            N_(
                "SN %(serial)s was not delivered with this order. Please check the label on the terminal."
            ),
            {"serial": serial},
        )
    if serial in taken:
        return None, Text(N_("SN %(serial)s is entered twice."), {"serial": serial})
    holder = holders.get(match.serial_number)
    if holder is not None:
        return None, serial_held(match.serial_number, holder).message
    taken.add(serial)
    return ChosenItem(match.order_item_id, 1, match.serial_number), None


def _quantity(line: OrderLine, choice: ItemChoice) -> tuple[ChosenItem | None, Text | None]:
    quantity_text = (choice.quantity_text or "").strip()
    digits = quantity_text.isascii() and quantity_text.isdigit() and len(quantity_text) <= 6
    quantity = int(quantity_text) if digits else 0
    if not 1 <= quantity <= line.quantity:
        return None, Text(N_("Enter a quantity from 1 to %(most)s."), {"most": line.quantity})
    return ChosenItem(line.order_item_id, quantity, None), None


# -- step 2: reason --


def check_reason(reason_text: str, description: str) -> tuple[Reason | None, dict[str, Text]]:
    problems: dict[str, Text] = {}
    try:
        reason: Reason | None = Reason(reason_text)
    except ValueError:
        reason = None
        problems["reason"] = Text(N_("Choose why you are returning the goods."))
    text = description.strip()
    if reason is Reason.OTHER and not text:
        problems["description"] = Text(N_("Tell us in a few words why you are returning it."))
    if len(text) > MAX_DESCRIPTION:
        problems["description"] = too_long(MAX_DESCRIPTION)
    return reason, problems


# -- step 4: resolution, refund account, contact --

_MOBILE = re.compile(r"1[3-9]\d{9}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")


def normalise_mobile(text: str) -> str | None:
    """A mainland mobile number, forgiving spaces, dashes and a +86 prefix."""
    digits = re.sub(r"[\s\-()]", "", text or "")
    digits = digits.removeprefix("+86").removeprefix("0086")
    return digits if _MOBILE.fullmatch(digits) else None


def check_bank_account(text: str) -> str | Text:
    digits = re.sub(r"[\s\-]", "", text or "")
    if not digits:
        return Text(N_("Enter the bank account number."))
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        return Text(N_("A bank account number has 12 to 19 digits. Please check it."))
    return digits


def check_alipay_account(text: str) -> str | Text:
    value = (text or "").strip()
    if not value:
        return Text(N_("Enter your Alipay account (mobile number or e-mail)."))
    mobile = normalise_mobile(value)
    if mobile:
        return mobile
    if _EMAIL.fullmatch(value) and len(value) <= 100:
        return value.lower()
    return Text(N_("An Alipay account is a mobile number or an e-mail address. Please check it."))


def check_contact_phone(text: str) -> str | Text:
    mobile = normalise_mobile(text)
    if mobile is None:
        return Text(N_("Enter an 11-digit mobile number we can call about this return."))
    return mobile


def account_last4(account: str) -> str:
    """What is shown of an account: the last four characters (of the name part of an e-mail)."""
    visible = account.split("@", 1)[0]
    return visible[-4:]


@dataclass(frozen=True)
class ResolutionChoice:
    """Step 4 as checked: what to store (the account number still in plain text)."""

    resolution: Resolution
    refund_method: RefundMethod | None
    account_holder: str
    bank: str
    account: str  # "" when the method needs none, or when the stored one is kept
    contact_phone: str


def check_resolution(
    *,
    resolution_text: str,
    method_text: str,
    holder: str,
    bank: str,
    bank_account: str,
    alipay_account: str,
    contact_phone: str,
    stored_method: str,
    has_stored_account: bool,
) -> tuple[ResolutionChoice | None, dict[str, Text]]:
    """Check step 4. An account field left empty keeps the stored account of the same method."""
    problems: dict[str, Text] = {}
    try:
        resolution: Resolution | None = Resolution(resolution_text)
    except ValueError:
        resolution = None
        problems["resolution"] = Text(N_("Choose a refund or an exchange."))
    method: RefundMethod | None = None
    account = ""
    holder, bank = holder.strip()[:100], bank.strip()[:100]
    if resolution is Resolution.REFUND:
        try:
            method = RefundMethod(method_text)
        except ValueError:
            problems["refund_method"] = Text(N_("Choose how you want the refund paid."))
        keep = has_stored_account and method is not None and method.value == stored_method
        typed = bank_account if method is RefundMethod.BANK_TRANSFER else alipay_account
        account = _refund_account(method, holder, bank, typed, keep, problems)
    phone = check_contact_phone(contact_phone)
    if isinstance(phone, Text):
        problems["contact_phone"] = phone
    if problems or resolution is None or isinstance(phone, Text):
        return None, problems
    return ResolutionChoice(resolution, method, holder, bank, account, phone), {}


def _refund_account(
    method: RefundMethod | None,
    holder: str,
    bank: str,
    typed: str,
    keep: bool,
    problems: dict[str, Text],
) -> str:
    """The account number to store ("" to keep the stored one); problems go into `problems`."""
    if method is RefundMethod.BANK_TRANSFER:
        if not holder:
            problems["account_holder"] = Text(N_("Enter the name on the bank account."))
        if not bank:
            problems["bank"] = Text(N_("Enter the name of the bank and branch."))
    if method not in (RefundMethod.BANK_TRANSFER, RefundMethod.ALIPAY) or (
        keep and not typed.strip()
    ):
        return ""
    field = "bank_account" if method is RefundMethod.BANK_TRANSFER else "alipay_account"
    check = check_bank_account if method is RefundMethod.BANK_TRANSFER else check_alipay_account
    checked = check(typed)
    if isinstance(checked, Text):
        problems[field] = checked
        return ""
    return checked
