"""What operators watch, read from the database: the outbox's backlog and dead work, jobs done
in the last hour and how long they took, deliveries to partners and messages by result, work
claimed, the staff queues' depths and review deadlines missed today.

Read from the database rather than counted in memory so that every process, on any machine,
reports the same thing (/metrics and the supervisors' operations panel); each read is a
grouped count over an index or a bounded window."""

# The statements below are built from fixed fragments of this module only; every value
# travels as a parameter.
# ruff: noqa: S608
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from db.snapshots import moment
from db.sql import fetch
from domain.staff import QUEUE_STATES
from domain.stats import spread

RECENT = timedelta(hours=1)
ZERO = timedelta(0)
JOBS_READ = 5_000  # the last hour's finished jobs read for their durations, newest first

# waiting: not yet handed to the queue; handed_over: in the queue or running; retrying: failed
# at least once and waiting for its next try; dead: out of tries, for staff to retry
_OUTBOX = (
    "SELECT job, CASE WHEN dead_at IS NOT NULL THEN 'dead'"
    " WHEN handed_over_at IS NOT NULL THEN 'handed_over'"
    " WHEN attempts > 0 THEN 'retrying' ELSE 'waiting' END AS state,"
    " COUNT(*) AS n, MIN(due_at) AS oldest_due FROM outbox WHERE done_at IS NULL GROUP BY 1, 2"
)
_JOBS = (
    "SELECT job, started_at, finished_at FROM job_claim WHERE status = 'done'"
    " AND finished_at >= {} ORDER BY finished_at DESC LIMIT " + str(JOBS_READ)
)
_CLAIMS_HELD = "SELECT COUNT(*) AS n FROM job_claim WHERE status = 'running' AND lease_until > {}"
_ATTEMPTS = (
    "SELECT CASE WHEN status_code BETWEEN 200 AND 299 THEN 'delivered'"
    " WHEN status_code = 0 THEN 'no_answer' ELSE 'refused' END AS result, COUNT(*) AS n"
    " FROM webhook_attempt WHERE at >= {} GROUP BY 1"
)
# per partner: deliveries failing now (tried, not yet taken) and dead ones
_PARTNERS = (
    "SELECT c.name AS partner, SUM(CASE WHEN d.status = 'pending' THEN 1 ELSE 0 END) AS failing,"
    " SUM(CASE WHEN d.status = 'dead' THEN 1 ELSE 0 END) AS dead"
    " FROM webhook_delivery d JOIN webhook_subscription s ON s.id = d.subscription"
    " JOIN partner_client c ON c.id = s.client"
    " WHERE (d.status = 'pending' AND d.attempts > 0) OR d.status = 'dead' GROUP BY c.name"
)
_MESSAGES = (
    "SELECT channel, status, COUNT(*) AS n FROM gateway_message WHERE created_at >= {}"
    " GROUP BY channel, status"
)
_QUEUED = "SELECT state, COUNT(*) AS n FROM return_request WHERE state IN ({}) GROUP BY state"
# a review deadline that fell today (since `start`) with no decision before it
_REVIEW_MISSED = (
    "SELECT COUNT(*) AS n FROM return_request r LEFT JOIN (SELECT request, MIN(at) AS decided_at"
    " FROM return_event WHERE action IN ('approve', 'reject') GROUP BY request) d"
    " ON d.request = r.id WHERE r.review_due_at >= {} AND r.review_due_at < {}"
    " AND (d.decided_at IS NULL OR d.decided_at > r.review_due_at)"
)
WATCHED_STATES = tuple(dict.fromkeys(state for states in QUEUE_STATES.values() for state in states))


@dataclass(frozen=True)
class JobFigures:
    job: str
    done: int  # in the last hour
    median: timedelta
    p90: timedelta


@dataclass(frozen=True)
class PartnerFailures:
    partner: str
    failing: int
    dead: int


@dataclass(frozen=True)
class Operations:
    outbox: dict[tuple[str, str], int]  # (job, state) -> rows not done
    oldest_waiting_seconds: float  # the oldest row due and not yet done (0: none)
    jobs: tuple[JobFigures, ...]
    claims_held: int  # jobs running now under a live lease
    webhook_attempts: dict[str, int]  # result -> attempts in the last hour
    partners: tuple[PartnerFailures, ...]  # only partners with failing or dead deliveries
    messages: dict[tuple[str, str], int]  # (channel, status) -> messages in the last hour
    queued: dict[str, int]  # state -> requests waiting in the staff queues
    review_missed_today: int

    @property
    def dead(self) -> int:
        return sum(n for (_job, state), n in self.outbox.items() if state == "dead")

    @property
    def backlog(self) -> int:
        return sum(n for (_job, state), n in self.outbox.items() if state != "dead")


async def operations(now: datetime, today_starts: datetime) -> Operations:
    outbox, oldest = await _outbox(now)
    since = now - RECENT
    return Operations(
        outbox=outbox,
        oldest_waiting_seconds=oldest,
        jobs=await _jobs(since),
        claims_held=await _count(_CLAIMS_HELD, now),
        webhook_attempts={row["result"]: int(row["n"]) for row in await fetch(_ATTEMPTS, since)},
        partners=tuple(
            PartnerFailures(row["partner"], int(row["failing"] or 0), int(row["dead"] or 0))
            for row in await fetch(_PARTNERS)
        ),
        messages={
            (row["channel"], row["status"]): int(row["n"]) for row in await fetch(_MESSAGES, since)
        },
        queued=await _queued(),
        review_missed_today=await _count(_REVIEW_MISSED, today_starts, now),
    )


async def _count(sql: str, *args: object) -> int:
    rows = await fetch(sql, *args)
    return int(rows[0]["n"] or 0) if rows else 0


async def _outbox(now: datetime) -> tuple[dict[tuple[str, str], int], float]:
    counts: dict[tuple[str, str], int] = {}
    oldest = 0.0
    for row in await fetch(_OUTBOX):
        counts[(row["job"], row["state"])] = int(row["n"])
        due = moment(row["oldest_due"])
        if row["state"] != "dead" and due is not None and due < now:
            oldest = max(oldest, (now - due).total_seconds())
    return counts, oldest


async def _jobs(since: datetime) -> tuple[JobFigures, ...]:
    took: dict[str, list[timedelta]] = defaultdict(list)
    for row in await fetch(_JOBS, since):
        started, finished = moment(row["started_at"]), moment(row["finished_at"])
        if started is not None and finished is not None:
            took[row["job"]].append(max(timedelta(0), finished - started))
    figures = []
    for job, durations in sorted(took.items()):
        each = spread(durations)
        figures.append(JobFigures(job, each.count, each.median or ZERO, each.p90 or ZERO))
    return tuple(figures)


async def _queued() -> dict[str, int]:
    marks = ", ".join("{}" for _ in WATCHED_STATES)
    rows = await fetch(_QUEUED.format(marks), *(state.value for state in WATCHED_STATES))
    counted = {row["state"]: int(row["n"]) for row in rows}
    return {state.value: counted.get(state.value, 0) for state in WATCHED_STATES}
