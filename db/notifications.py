"""The merchant's notification centre: list, mark read, mark all read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db.tables import Notification


async def notifications_of(merchant_id: int, limit: int = 100) -> list[dict[str, Any]]:
    return await (
        Notification.select(
            Notification.id,
            Notification.kind,
            Notification.params,
            Notification.read_at,
            Notification.created_at,
        )
        .where(Notification.merchant == merchant_id)
        .order_by(Notification.id, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )


async def mark_read(merchant_id: int, notification_id: int, now: datetime) -> bool:
    """Only the merchant's own notification; False when there is no such one for them."""
    updated = (
        await Notification.update({Notification.read_at: now})
        .where((Notification.id == notification_id) & (Notification.merchant == merchant_id))
        .returning(Notification.id)
    )
    return bool(updated)


async def mark_all_read(merchant_id: int, now: datetime) -> None:
    await Notification.update({Notification.read_at: now}).where(
        (Notification.merchant == merchant_id) & Notification.read_at.is_null()
    )


async def mark_request_seen(merchant_id: int, request_id: int, now: datetime) -> int:
    """The merchant's unread notifications about one request, read now: how many they were."""
    read = (
        await Notification.update({Notification.read_at: now})
        .where(
            (Notification.merchant == merchant_id)
            & (Notification.request == request_id)
            & Notification.read_at.is_null()
        )
        .returning(Notification.id)
    )
    return len(read)
