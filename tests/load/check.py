"""After the load: what the database, the SMS provider and the merchants' own records say about
what was lost and what was doubled. Every count here should be zero but the totals."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

# a row due this long ago and neither done nor dead is stuck (the relay passes every 0.2 s,
# and a row lost with Redis is handed over again after HANDOVER_LEASE_SECONDS)
STUCK_AFTER = timedelta(seconds=60)


@dataclass
class Findings:
    confirmed: int = 0  # submissions the merchants were shown as done
    lost: list[str] = field(default_factory=list)  # ... and not in the database as submitted
    sms_sent: int = 0  # notifications and codes the provider took
    sms_unsent: int = 0  # done as "sent" by a job, yet never reached the provider
    sms_repeated: int = 0  # sent again under a key the provider already had (absorbed)
    documents: int = 0
    documents_doubled: int = 0  # the same document (request, kind, facts) made twice
    documents_missing: int = 0  # an approved request with no authorization
    serials_doubled: int = 0  # a unit on two live requests
    outbox_stuck: int = 0
    outbox_dead: int = 0
    decisions_seen: int = 0  # decisions a watching merchant saw
    slowest_seen_s: float = 0.0
    seen_late: int = 0  # seen more than 5 s after it was made, no fault in between
    seen_late_in_fault: int = 0  # ... with a fault (an outage the merchant's page rode out)
    # asks begun after a decision's answer that were still told nothing changed: an answer
    # from a process that had not heard of it
    stale_answers: int = 0
    never_seen: int = 0  # decisions the merchant's page kept asking about and never learned
    notes: list[str] = field(default_factory=list)

    @property
    def doubled(self) -> int:
        return self.documents_doubled + self.serials_doubled

    @property
    def missing(self) -> int:
        return (len(self.lost) + self.sms_unsent + self.documents_missing + self.outbox_stuck
                + self.seen_late + self.never_seen + self.stale_answers)  # fmt: skip


async def check(database_url: str, records: Path, sms: Any) -> Findings:
    found = Findings()
    db = await asyncpg.connect(database_url)
    try:
        await _submissions(db, records, found)
        await _messages(db, sms, found)
        await _documents(db, found)
        await _serials(db, found)
        await _outbox(db, found)
    finally:
        await db.close()
    _decisions(records, found)
    return found


def _lines(records: Path, kind: str) -> list[dict[str, Any]]:
    seen = []
    for path in records.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            if entry.get("kind") == kind:
                seen.append(entry)
    return seen


async def _submissions(db: asyncpg.Connection, records: Path, found: Findings) -> None:
    confirmed = {entry["rma"] for entry in _lines(records, "submitted")}
    found.confirmed = len(confirmed)
    rows = await db.fetch(
        "SELECT rma FROM return_request WHERE rma = ANY($1::text[]) AND submitted_at IS NOT NULL",
        list(confirmed),
    )
    found.lost = sorted(confirmed - {row["rma"] for row in rows})


async def _messages(db: asyncpg.Connection, sms: Any, found: Findings) -> None:
    with sms.lock:
        taken = Counter(str(body.get("idempotency_key", "")) for body in sms.received)
        found.sms_repeated = sms.repeats
    found.sms_sent = sum(taken.values())
    sent = await db.fetch(
        "SELECT c.key FROM job_claim c WHERE c.job IN ('send_notification', 'send_sign_in_code')"
        " AND c.status = 'done' AND c.result = 'sent'"
        " AND EXISTS (SELECT 1 FROM gateway_message g WHERE g.key = c.key AND g.channel = 'sms')"
    )
    found.sms_unsent = sum(1 for row in sent if row["key"] not in taken)


async def _documents(db: asyncpg.Connection, found: Findings) -> None:
    found.documents = int(await db.fetchval("SELECT COUNT(*) FROM document"))
    found.documents_doubled = int(
        await db.fetchval(
            "SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM document"
            " GROUP BY request_id, kind, facts_sha256) d"
        )
    )
    found.documents_missing = int(
        await db.fetchval(
            "SELECT COUNT(*) FROM return_request r WHERE EXISTS (SELECT 1 FROM return_event e"
            " WHERE e.request = r.id AND e.action = 'approve') AND NOT EXISTS (SELECT 1 FROM"
            " document d WHERE d.request_id = r.id AND d.kind = 'authorization')"
        )
    )


async def _serials(db: asyncpg.Connection, found: Findings) -> None:
    found.serials_doubled = int(
        await db.fetchval(
            "SELECT COUNT(*) FROM (SELECT serial_number FROM serial_claim"
            " GROUP BY serial_number HAVING COUNT(DISTINCT request) > 1) s"
        )
    )


async def _outbox(db: asyncpg.Connection, found: Findings) -> None:
    before = datetime.now(UTC) - STUCK_AFTER
    found.outbox_stuck = int(
        await db.fetchval(
            "SELECT COUNT(*) FROM outbox WHERE done_at IS NULL AND dead_at IS NULL AND due_at < $1",
            before,
        )
    )
    found.outbox_dead = int(
        await db.fetchval("SELECT COUNT(*) FROM outbox WHERE dead_at IS NOT NULL")
    )


def _decisions(records: Path, found: Findings) -> None:
    """For each decision, the watching merchant's asks begun after it was made: the first that
    knew of it (how long after), and any that were told nothing changed while their page did
    not yet show it (stale: an answer from a process that had not heard of it)."""
    made = {entry["rma"]: (entry["at"], entry["version"]) for entry in _lines(records, "decided")}
    polls: dict[str, list[tuple[float, bool, int]]] = {}
    for entry in _lines(records, "poll"):
        polls.setdefault(entry["rma"], []).append(
            (entry["started"], entry["changed"], entry["knew"])
        )
    faults = [(entry["start"], entry["end"]) for entry in _lines(records, "fault")]
    waits = []
    for rma, (decided_at, version) in made.items():
        after = sorted(poll for poll in polls.get(rma, []) if poll[0] >= decided_at)
        seen = next(
            (started for started, changed, knew in after if changed or knew >= version), None
        )
        found.stale_answers += sum(
            1 for _, changed, knew in after if not changed and knew < version
        )
        if seen is None:
            # the page kept asking and was never told: the decision did not reach it
            found.never_seen += bool(after)
            continue
        waits.append(seen - decided_at)
        if seen - decided_at > 5:
            across = any(start < seen and end > decided_at for start, end in faults)
            found.seen_late_in_fault += across
            found.seen_late += not across
    found.decisions_seen = len(waits)
    found.slowest_seen_s = max(waits, default=0.0)
