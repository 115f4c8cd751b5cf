"""Merchants as the portal needs them: who is signed in, and how many notifications wait."""

from __future__ import annotations

from dataclasses import dataclass

from db import sql
from db.sql import fetch
from db.tables import Merchant, Notification


@dataclass(frozen=True)
class MerchantAccount:
    id: int
    name: str
    phone: str
    locale: str

    @property
    def display_name(self) -> str:
        return self.name


async def merchant_by_phone(phone: str) -> MerchantAccount | None:
    row = await Merchant.select().where(Merchant.phone == phone).first()
    return _account(row) if row else None


async def merchant_by_id(merchant_id: int) -> MerchantAccount | None:
    row = await Merchant.select().where(Merchant.id == merchant_id).first()
    return _account(row) if row else None


def _account(row: dict[str, object]) -> MerchantAccount:
    return MerchantAccount(
        id=int(row["id"]),  # type: ignore[call-overload]
        name=str(row["name"]),
        phone=str(row["phone"]),
        locale=str(row["locale"]),
    )


async def merchant_with_unread(merchant_id: int) -> tuple[MerchantAccount, int] | None:
    """The merchant and how many notifications wait unread, in one query (every page asks)."""
    rows = await fetch(sql.MERCHANT_WITH_UNREAD, merchant_id)
    if not rows:
        return None
    return _account(rows[0]), int(rows[0]["unread"])


async def unread_count(merchant_id: int) -> int:
    count: int = await Notification.count().where(
        (Notification.merchant == merchant_id) & Notification.read_at.is_null()
    )
    return count
