"""The clock's jobs on a frozen clock: each applies the domain action through the store, once,
and leaves alone what is not due or moved meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from db.files import LocalFileStore
from db.schedule import (
    apply_due,
    mark_missed_reviews,
    purge_abandoned_drafts,
    remind_before_ship_by,
)
from db.tables import Notification, OutboxRow, ReturnRequest, StaffNotification
from domain.lifecycle import Action
from tests.integration import factories

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


async def _state(request_id: int) -> str:
    row = (
        await ReturnRequest.select(ReturnRequest.state)
        .where(ReturnRequest.id == request_id)
        .first()
    )
    return str(row["state"])


async def test_an_approval_not_shipped_by_its_ship_by_expires_once() -> None:
    merchant = await factories.merchant()
    late, _ = await factories.submitted(merchant, NOW - timedelta(days=16))
    await factories.staff_decides(
        late, Action.APPROVE, NOW - timedelta(days=15)
    )  # ship-by: 1 day ago
    fresh, _ = await factories.submitted(merchant, NOW - timedelta(days=2))
    await factories.staff_decides(fresh, Action.APPROVE, NOW - timedelta(days=1))
    first = await apply_due(NOW)
    assert first["expire:approved"].applied == 1
    assert (await _state(late), await _state(fresh)) == ("expired", "approved")
    assert await Notification.exists().where(
        (Notification.request == late) & (Notification.kind == "expire")
    )
    again = await apply_due(NOW)
    assert again["expire:approved"].applied == 0 and await _state(late) == "expired"


async def test_a_rejection_past_its_appeal_window_closes_and_frees_the_unit() -> None:
    merchant = await factories.merchant()
    request_id, _ = await factories.submitted(
        merchant, NOW - timedelta(days=20), serials=("P8A0000CL01",)
    )
    await factories.staff_decides(request_id, Action.REJECT, NOW - timedelta(days=16),
                                  reason_code="not_a_defect", message="照片未显示故障")  # fmt: skip
    assert (await apply_due(NOW - timedelta(days=2)))["close:rejected"].applied == 0  # window open
    assert (await apply_due(NOW))["close:rejected"].applied == 1
    assert await _state(request_id) == "closed"
    again, _ = await factories.submitted(merchant, NOW, serials=("P8A0000CL01",))  # free again
    assert await _state(again) == "submitted"


async def test_a_refund_closes_once_settled_by_the_policys_days() -> None:
    merchant = await factories.merchant()
    ids = []
    for paid_days_ago in (8, 2):
        request_id, _ = await factories.submitted(merchant, NOW - timedelta(days=12))
        at = NOW - timedelta(days=paid_days_ago)
        for action, role in ((Action.APPROVE, "reviewer"), (Action.RECEIVE, "inspector"),
                             (Action.INSPECT_PASS, "inspector")):  # fmt: skip
            await factories.staff_decides(request_id, action, at - timedelta(hours=1), role=role, **(
                {"confirmed_serials": await _serials(request_id)} if action is Action.INSPECT_PASS else {}))  # fmt: skip
        await factories.staff_decides(
            request_id, Action.REFUND, at, role="finance", payment_reference="WX1"
        )
        ids.append(request_id)
    await apply_due(NOW)
    assert [await _state(i) for i in ids] == ["closed", "refunded"]


async def _serials(request_id: int) -> tuple[str, ...]:
    from db.tables import ReturnItem

    rows = await ReturnItem.select(ReturnItem.serial_number).where(ReturnItem.request == request_id)
    return tuple(row["serial_number"] for row in rows if row["serial_number"])


async def test_a_merchant_is_reminded_once_three_days_before_ship_by() -> None:
    merchant = await factories.merchant()
    soon, rma = await factories.submitted(merchant, NOW - timedelta(days=13))
    await factories.staff_decides(
        soon, Action.APPROVE, NOW - timedelta(days=12)
    )  # ship-by in 2 days
    later, _ = await factories.submitted(merchant, NOW - timedelta(days=2))
    await factories.staff_decides(later, Action.APPROVE, NOW - timedelta(days=1))  # in 13 days
    assert await remind_before_ship_by(NOW) == 1
    assert await remind_before_ship_by(NOW + timedelta(hours=1)) == 0
    notes = await Notification.select(Notification.request).where(
        Notification.kind == "expiring_soon"
    )
    assert notes == [{"request": soon}]
    sms = (
        await OutboxRow.select(OutboxRow.payload)
        .where(OutboxRow.key.like(f"remind:{soon}:%"))
        .output(load_json=True)
    )
    assert len(sms) == 1 and sms[0]["payload"]["params"]["rma"] == rma


async def test_supervisors_hear_once_of_each_missed_review_deadline() -> None:
    merchant = await factories.merchant()
    _, late_rma = await factories.submitted(merchant, NOW - timedelta(hours=30))
    await factories.submitted(merchant, NOW - timedelta(hours=2))
    assert await mark_missed_reviews(NOW) == 1
    assert await mark_missed_reviews(NOW + timedelta(minutes=5)) == 0
    told = await StaffNotification.select(StaffNotification.rma, StaffNotification.role).where(
        StaffNotification.kind == "review_late"
    )
    assert told == [{"rma": late_rma, "role": "supervisor"}]


async def test_drafts_untouched_for_thirty_days_are_purged_with_their_files(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    merchant = await factories.merchant()
    order_id, items = await factories.order(merchant, NOW - timedelta(days=40))
    old = await factories.draft(merchant, order_id, items, updated_at=NOW - timedelta(days=31))
    kept = await factories.draft(merchant, order_id, items, updated_at=NOW - timedelta(days=29))
    submitted, _ = await factories.submitted(merchant, NOW - timedelta(days=60))
    assert await purge_abandoned_drafts(store, NOW) == 1
    remaining = {row["id"] for row in await ReturnRequest.select(ReturnRequest.id)}
    assert remaining == {kept, submitted} and old not in remaining
