"""The provider's data as ReturnDesk takes it in (the sync API and the spreadsheet imports alike):
merchants, products, orders with their lines, and terminals, each record checked on its own.

A record that is not right is refused with every field that is wrong (a code for programs, words
for people) and the others in its batch are kept. The checks here need nothing but the record;
those that need what is stored (a merchant the order names, a product's SKU, a phone another
merchant holds) are db.sync's, with the codes named here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from domain.return_form import normalise_mobile
from domain.text import N_, Text

BATCH_LIMIT = 1_000  # records in one call of the sync API
MAX_PHONES = 5
MAX_LINES = 200  # lines of one order
MAX_UNITS = 1_000  # serial numbers of one line
MAX_AMOUNT_FEN = 10**12  # ten billion yuan: more is a slip, not an order
FUTURE_SLACK = timedelta(days=1)  # clocks differ; an order completed tomorrow is a slip
# the product categories the policy's return windows name: key, Chinese, English
CATEGORY_NAMES = (
    ("terminal", "收款终端", "Payment terminals"),
    ("accessory", "配件", "Accessories"),
    ("consumable", "耗材", "Consumables"),
)
CATEGORIES = tuple(key for key, _zh, _en in CATEGORY_NAMES)
_SERIAL = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-_.]{0,63}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")


class Kind(StrEnum):
    MERCHANTS = "merchants"
    PRODUCTS = "products"
    ORDERS = "orders"
    TERMINALS = "terminals"


class Code(StrEnum):
    """Why a record (or one of its fields) was refused: stable, for programs."""

    REQUIRED = "required"
    TOO_LONG = "too_long"
    INVALID = "invalid"
    INVALID_PHONE = "invalid_phone"
    OUT_OF_RANGE = "out_of_range"
    IN_FUTURE = "in_future"
    DUPLICATE_IN_BATCH = "duplicate_in_batch"
    UNKNOWN_MERCHANT = "unknown_merchant"
    UNKNOWN_PRODUCT = "unknown_product"
    PHONE_TAKEN = "phone_taken"
    SERIALS_MISMATCH = "serials_mismatch"
    LINE_IN_USE = "line_in_use"
    MERCHANT_CHANGED = "merchant_changed"


_WORDS = {
    Code.REQUIRED: N_("This is required."),
    Code.TOO_LONG: N_("This is longer than %(limit)s characters."),
    Code.INVALID: N_("This is not a valid value here."),
    Code.INVALID_PHONE: N_("This is not a mainland mobile number (11 digits)."),
    Code.OUT_OF_RANGE: N_("This must be between %(low)s and %(high)s."),
    Code.IN_FUTURE: N_("This lies in the future."),
    Code.DUPLICATE_IN_BATCH: N_("The same record appears earlier in this batch."),
    Code.UNKNOWN_MERCHANT: N_("No merchant has this external id: send the merchant first."),
    Code.UNKNOWN_PRODUCT: N_("No product has this SKU: send the product first."),
    Code.PHONE_TAKEN: N_("Another merchant signs in with this mobile number."),
    Code.SERIALS_MISMATCH: N_(
        "A product with serial numbers needs one per unit (%(quantity)s); others need none."
    ),
    Code.LINE_IN_USE: N_("A return request uses this order line: it cannot be removed."),
    Code.MERCHANT_CHANGED: N_("Return requests use this order: its merchant cannot change."),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one record: `field` names it as the caller sent it ("phones[1]",
    "items[0].sku"); "" when it is the record as a whole."""

    field: str
    code: Code
    params: tuple[tuple[str, object], ...] = ()

    @property
    def words(self) -> Text:
        return Text(_WORDS[self.code], dict(self.params))


def problem(name: str, code: Code, **params: object) -> Problem:
    return Problem(name, code, tuple(params.items()))


@dataclass(frozen=True)
class MerchantRecord:
    external_id: str
    name: str
    phone: str  # the first contact number: the one the merchant signs in with
    other_phones: tuple[str, ...]
    email: str
    address: str
    mid: str


@dataclass(frozen=True)
class ProductRecord:
    sku: str
    name_zh: str
    name_en: str
    category: str
    has_serial: bool
    unit_price_fen: int  # list price


@dataclass(frozen=True)
class OrderLine:
    line_no: int
    sku: str
    quantity: int
    unit_price_fen: int
    serial_numbers: tuple[str, ...]


@dataclass(frozen=True)
class OrderRecord:
    order_no: str
    merchant_external_id: str
    channel: str
    completed_at: datetime
    delivered_at: datetime | None
    paid_total_fen: int
    invoice_issued: bool
    invoice_no: str
    lines: tuple[OrderLine, ...] = field(default=())


@dataclass(frozen=True)
class TerminalRecord:
    serial_number: str
    mid: str
    tid: str
    bound: bool
    activated: bool
    last_transaction_at: datetime | None


class _Checks:
    """Collects the problems of one record's fields."""

    def __init__(self) -> None:
        self.found: list[Problem] = []

    def text(self, name: str, value: str, limit: int, *, required: bool = True) -> str:
        value = (value or "").strip()
        if "\x00" in value:  # no database keeps it, and no name or number holds it
            self.found.append(problem(name, Code.INVALID))
        elif required and not value:
            self.found.append(problem(name, Code.REQUIRED))
        elif len(value) > limit:
            self.found.append(problem(name, Code.TOO_LONG, limit=limit))
        return value

    def amount(self, name: str, value: int, *, low: int = 0, high: int = MAX_AMOUNT_FEN) -> int:
        if not low <= value <= high:
            self.found.append(problem(name, Code.OUT_OF_RANGE, low=low, high=high))
        return value

    def past(self, name: str, value: datetime | None, now: datetime) -> datetime | None:
        if value is not None and value.tzinfo is None:
            self.found.append(problem(name, Code.INVALID))  # a moment needs its offset
        elif value is not None and value > now + FUTURE_SLACK:
            self.found.append(problem(name, Code.IN_FUTURE))
        return value

    def serial(self, name: str, value: str) -> str:
        value = (value or "").strip()
        if not _SERIAL.fullmatch(value):
            self.found.append(problem(name, Code.INVALID if value else Code.REQUIRED))
        return value


def check_merchant(
    *,
    external_id: str,
    name: str,
    phones: list[str],
    email: str = "",
    address: str = "",
    mid: str = "",
) -> MerchantRecord | list[Problem]:
    checks = _Checks()
    external_id = checks.text("external_id", external_id, 64)
    name = checks.text("name", name, 200)
    mobiles: list[str] = []
    if not phones:
        checks.found.append(problem("phones", Code.REQUIRED))
    for n, phone in enumerate(phones[:MAX_PHONES]):
        mobile = normalise_mobile(phone)
        if mobile is None:
            checks.found.append(problem(f"phones[{n}]", Code.INVALID_PHONE))
        elif mobile not in mobiles:
            mobiles.append(mobile)
    if len(phones) > MAX_PHONES:
        checks.found.append(problem("phones", Code.OUT_OF_RANGE, low=1, high=MAX_PHONES))
    email = checks.text("email", email, 200, required=False)
    if email and not _EMAIL.fullmatch(email):
        checks.found.append(problem("email", Code.INVALID))
    address = checks.text("address", address, 500, required=False)
    mid = checks.text("mid", mid, 32, required=False)
    if checks.found:
        return checks.found
    return MerchantRecord(external_id, name, mobiles[0], tuple(mobiles[1:]), email, address, mid)


def check_product(
    *,
    sku: str,
    name_zh: str,
    name_en: str,
    category: str,
    has_serial: bool,
    unit_price_fen: int = 0,
) -> ProductRecord | list[Problem]:
    checks = _Checks()
    sku = checks.text("sku", sku, 40)
    name_zh = checks.text("name_zh", name_zh, 200)
    name_en = checks.text("name_en", name_en, 200, required=False) or name_zh
    category = (category or "").strip()
    if category not in CATEGORIES:
        checks.found.append(problem("category", Code.INVALID if category else Code.REQUIRED))
    unit_price_fen = checks.amount("unit_price_fen", unit_price_fen)
    if checks.found:
        return checks.found
    return ProductRecord(sku, name_zh, name_en, category, has_serial, unit_price_fen)


@dataclass(frozen=True)
class LineIn:
    """An order line as sent, before it is checked."""

    line_no: int
    sku: str
    quantity: int
    unit_price_fen: int
    serial_numbers: list[str]


def check_order(
    *,
    order_no: str,
    merchant_external_id: str,
    completed_at: datetime,
    paid_total_fen: int,
    lines: list[LineIn],
    now: datetime,
    channel: str = "",
    delivered_at: datetime | None = None,
    invoice_issued: bool = False,
    invoice_no: str = "",
) -> OrderRecord | list[Problem]:
    """An order and its lines. Whether each line's product needs serial numbers is db.sync's
    to check (it knows the products)."""
    checks = _Checks()
    order_no = checks.text("order_no", order_no, 40)
    merchant_external_id = checks.text("merchant_external_id", merchant_external_id, 64)
    channel = checks.text("channel", channel, 40, required=False)
    checks.past("completed_at", completed_at, now)
    checks.past("delivered_at", delivered_at, now)
    checks.amount("paid_total_fen", paid_total_fen)
    invoice_no = checks.text("invoice_no", invoice_no, 40, required=False)
    if not lines:
        checks.found.append(problem("items", Code.REQUIRED))
    if len(lines) > MAX_LINES:
        checks.found.append(problem("items", Code.OUT_OF_RANGE, low=1, high=MAX_LINES))
    checked = _checked_lines(checks, lines)
    if checks.found:
        return checks.found
    return OrderRecord(order_no, merchant_external_id, channel, completed_at, delivered_at,
                       paid_total_fen, invoice_issued, invoice_no, tuple(checked))  # fmt: skip


def _checked_lines(checks: _Checks, lines: list[LineIn]) -> list[OrderLine]:
    checked: list[OrderLine] = []
    seen_lines: set[int] = set()
    for n, line in enumerate(lines[:MAX_LINES]):
        at = f"items[{n}]"
        line_no = checks.amount(f"{at}.line_no", line.line_no, low=1, high=MAX_LINES * 10)
        if line_no in seen_lines:
            checks.found.append(problem(f"{at}.line_no", Code.DUPLICATE_IN_BATCH))
        seen_lines.add(line_no)
        sku = checks.text(f"{at}.sku", line.sku, 40)
        quantity = checks.amount(f"{at}.quantity", line.quantity, low=1, high=MAX_UNITS)
        price = checks.amount(f"{at}.unit_price_fen", line.unit_price_fen)
        serials = [
            checks.serial(f"{at}.serial_numbers[{k}]", sn)
            for k, sn in enumerate(line.serial_numbers[:MAX_UNITS])
        ]
        if len(set(serials)) != len(serials):
            checks.found.append(problem(f"{at}.serial_numbers", Code.DUPLICATE_IN_BATCH))
        if serials and len(serials) != quantity:
            checks.found.append(
                problem(f"{at}.serial_numbers", Code.SERIALS_MISMATCH, quantity=quantity)
            )
        checked.append(OrderLine(line_no, sku, quantity, price, tuple(serials)))
    return checked


def serials_problem(index: int, line: OrderLine, has_serial: bool) -> Problem | None:
    """A line of a product that has serial numbers lists one per unit, or none where the order
    system does not know them (the merchant then types each unit's); any other lists none."""
    wanted = line.quantity if has_serial else 0
    if len(line.serial_numbers) in (wanted, 0):
        return None
    return problem(f"items[{index}].serial_numbers", Code.SERIALS_MISMATCH, quantity=wanted)


def check_terminal(
    *,
    serial_number: str,
    now: datetime,
    mid: str = "",
    tid: str = "",
    bound: bool = False,
    activated: bool = False,
    last_transaction_at: datetime | None = None,
) -> TerminalRecord | list[Problem]:
    checks = _Checks()
    serial_number = checks.serial("serial_number", serial_number)
    mid = checks.text("mid", mid, 32, required=False)
    tid = checks.text("tid", tid, 32, required=False)
    checks.past("last_transaction_at", last_transaction_at, now)
    if checks.found:
        return checks.found
    return TerminalRecord(serial_number, mid, tid, bound, activated, last_transaction_at)


class Repeats:
    """The keys met so far in one call or one file: the first record of each is kept and the
    later ones refused (two versions of one record in one go cannot both be right)."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def again(self, key: str) -> bool:
        """Whether `key` was met before (it is met from now on either way)."""
        met = key in self._seen
        self._seen.add(key)
        return met


def repeated_keys(keys: list[str]) -> set[int]:
    """The positions of keys that repeat an earlier one in the same batch."""
    repeats = Repeats()
    return {n for n, key in enumerate(keys) if repeats.again(key)}
