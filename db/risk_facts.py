"""The facts the risk rules read at submit, gathered in the submit's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from db.effects import jsonable
from db.photo_matches import reused_photos
from db.snapshots import RequestRows, aware, moment
from db.tables import EvidenceFile, ReturnItem, ReturnRequest
from domain.policy import window_days
from domain.risk import RiskAssessment, RiskFinding, RiskInput, assess


@dataclass(frozen=True)
class AssessedRisk:
    score: int
    stored: list[dict[str, Any]]  # the findings as the request row keeps them
    assessment: RiskAssessment


async def _returned_before(request_id: int, serials: list[str]) -> int:
    if not serials:
        return 0
    count: int = await ReturnItem.count().where(
        ReturnItem.serial_number.is_in(serials)
        & (ReturnItem.request != request_id)
        & ReturnItem.request.submitted_at.is_not_null()
    )
    return count


async def risk_at_submit(rows: RequestRows, now: datetime) -> AssessedRisk:
    snapshot, request_id = rows.snapshot, rows.row["id"]
    serials = [item.serial_number for item in snapshot.items if item.serial_number]
    returned_before = await _returned_before(request_id, serials)
    recent = await ReturnRequest.count().where(
        (ReturnRequest.merchant == snapshot.merchant_id)
        & (ReturnRequest.id != request_id)
        & (ReturnRequest.submitted_at >= now - timedelta(days=90))
    )
    evidence = await EvidenceFile.select(EvidenceFile.sha256, EvidenceFile.taken_at).where(
        EvidenceFile.request == request_id
    )
    hashes = [file["sha256"] for file in evidence]
    reused = 0
    if hashes:
        reused = await EvidenceFile.count().where(
            EvidenceFile.sha256.is_in(hashes) & (EvidenceFile.request != request_id)
        )
    taken = [t for file in evidence if (t := aware(file["taken_at"])) is not None]
    closes = [
        snapshot.order_completed_at
        + timedelta(days=window_days(snapshot.policy, item.product_category))
        for item in snapshot.items
    ]
    assessment = assess(
        RiskInput(
            serials_returned_before=returned_before,
            merchant_returns_90d=recent,
            order_completed_at=snapshot.order_completed_at,
            window_closes_at=min(closes) if closes else snapshot.order_completed_at,
            submitted_at=now,
            evidence_hashes_reused=reused,
            earliest_photo_taken_at=min(taken) if taken else None,
            delivered_at=aware(rows.row["order.delivered_at"]),
            terminal_transacted_after_request=_transacted_after(rows),
            photos_reused_from=tuple(
                match.other_rma for match in await reused_photos(request_id, snapshot.merchant_id)
            ),
        ),
        now,
    )
    return AssessedRisk(assessment.score, _stored(assessment), assessment)


def _transacted_after(rows: RequestRows) -> bool:
    """A unit's terminal took a payment after the merchant began the return (its draft)."""
    began = aware(rows.row["created_at"])
    return any(
        (paid := moment(item["terminal.last_transaction_at"])) is not None
        and began is not None
        and paid > began
        for item in rows.items
    )


def stored_finding(found: RiskFinding) -> dict[str, Any]:
    """A finding as the request row keeps it."""
    return {
        "code": found.code,
        "points": found.points,
        "msgid": found.explanation.msgid,
        "params": {k: jsonable(v) for k, v in found.explanation.params.items()},
    }


def _stored(assessment: RiskAssessment) -> list[dict[str, Any]]:
    return [stored_finding(found) for found in assessment.findings]
