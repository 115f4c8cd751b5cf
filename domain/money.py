"""Money as integer fen, and the refund amount rule of DESIGN §3."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
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


def refund_amount(
    items: Iterable[PricedItem],
    resolution: Resolution,
    fee_payer: FeePayer | None,
    shipping_advanced: Money,
    paid_total: Money,
) -> Money:
    """Item price × quantity, minus return shipping the platform advanced for a merchant who
    pays it; never below zero and never more than the merchant paid."""
    if resolution is Resolution.EXCHANGE:
        return Money(0)
    amount = sum((item.unit_price * item.quantity for item in items), Money(0))
    if fee_payer is FeePayer.MERCHANT:
        amount -= shipping_advanced
    return max(Money(0), min(amount, paid_total))
