"""Money as integer fen, and the refund amount rule of DESIGN §3."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Protocol

from domain.terms import FeePayer, Resolution

_YUAN = re.compile(r"\d+(\.\d{1,2})?")


@dataclass(frozen=True, order=True)
class Money:
    """An amount in fen (1/100 yuan); `Money(128000)` is ¥1,280.00.

    Integers only, so sums never drift; negative amounts exist only as intermediate results.
    """

    fen: int

    def __post_init__(self) -> None:
        # bool is an int subclass; Money(True) would be a bug hiding as one fen
        if not isinstance(self.fen, int) or isinstance(self.fen, bool):
            raise TypeError(f"Money holds integer fen, got {self.fen!r}")

    @classmethod
    def from_yuan(cls, text: str) -> Money:
        """Parse "1280", "1280.5" or "1280.00" (what a person types); refuse fractions of a fen."""
        cleaned = text.strip()
        if not _YUAN.fullmatch(cleaned):
            raise ValueError(f"not an amount in yuan with at most two decimals: {text!r}")
        return cls(int(Decimal(cleaned) * 100))

    def to_yuan(self) -> str:
        """Plain "1280.00", for form values and machine-readable output."""
        sign = "-" if self.fen < 0 else ""
        whole, cents = divmod(abs(self.fen), 100)
        return f"{sign}{whole}.{cents:02d}"

    def __str__(self) -> str:
        sign = "-" if self.fen < 0 else ""
        whole, cents = divmod(abs(self.fen), 100)
        return f"{sign}¥{whole:,}.{cents:02d}"

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen + other.fen)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen - other.fen)

    def __mul__(self, times: int) -> Money:
        if not isinstance(times, int) or isinstance(times, bool):
            return NotImplemented
        return Money(self.fen * times)

    __rmul__ = __mul__

    def __bool__(self) -> bool:
        return self.fen != 0


class PricedItem(Protocol):
    """What the refund rule reads from an item (domain.lifecycle.ItemSnapshot fits)."""

    @property
    def unit_price(self) -> Money: ...

    @property
    def quantity(self) -> int: ...


class Deduction(Enum):
    """Why part of what the merchant paid is not refunded: each is its own line on the receipt."""

    ITEMS_NOT_RETURNED = "items_not_returned"  # the order's goods this request did not return
    RETURN_SHIPPING = "return_shipping"  # advanced by the platform, the merchant's to pay


@dataclass(frozen=True)
class RefundBreakdown:
    """From what was paid to what is refunded: `paid_total` less each deduction is `refund`."""

    paid_total: Money
    deductions: tuple[tuple[Deduction, Money], ...]  # only those above zero, in receipt order
    refund: Money


def refund_breakdown(
    items: Iterable[PricedItem],
    fee_payer: FeePayer | None,
    shipping_advanced: Money,
    paid_total: Money,
) -> RefundBreakdown:
    """The refund rule (DESIGN §3) with its reasons: item price × quantity, minus return
    shipping the platform advanced for a merchant who pays it; never below zero and never more
    than the merchant paid. Shipping is deducted before the cap, so on an order paid below
    its items' prices it comes out of the difference first: its line is what it cost."""
    returned = sum((item.unit_price * item.quantity for item in items), Money(0))
    shipping = shipping_advanced if fee_payer is FeePayer.MERCHANT else Money(0)
    refund = max(Money(0), min(returned - shipping, paid_total))
    not_returned = max(Money(0), paid_total - returned)
    lines = (
        (Deduction.ITEMS_NOT_RETURNED, not_returned),
        (Deduction.RETURN_SHIPPING, paid_total - refund - not_returned),
    )
    return RefundBreakdown(paid_total, tuple(line for line in lines if line[1]), refund)


def refund_amount(
    items: Iterable[PricedItem],
    resolution: Resolution,
    fee_payer: FeePayer | None,
    shipping_advanced: Money,
    paid_total: Money,
) -> Money:
    """What a request refunds: nothing for an exchange, else refund_breakdown's amount."""
    if resolution is Resolution.EXCHANGE:
        return Money(0)
    return refund_breakdown(items, fee_payer, shipping_advanced, paid_total).refund
