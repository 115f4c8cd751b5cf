"""Spreadsheet imports as a store: a run made at upload (previewed), started (its work queued in
the outbox), its rows taken in batches — each batch's writes, refusals and progress in one
transaction, so a worker killed midway resumes after the last batch it finished — then done,
and undone while no return request uses what it added or changed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.engine import atomic
from db.files import FileStore
from db.outbox import add_to_outbox
from db.snapshots import aware, aware_at, moment
from db.sync import upsert_merchants, upsert_orders, upsert_products, upsert_terminals
from db.sync_writes import BatchOutcome, Indexed
from db.tables import (
    ImportChange,
    ImportRefusal,
    ImportRun,
    Merchant,
    Order,
    OrderItem,
    Product,
    ReturnItem,
    ReturnRequest,
    Terminal,
)
from domain.imports import Read, RowProblem, header_of
from domain.sync import Code, Kind, Repeats, problem
from domain.text import N_, Text

BATCH = 1_000  # records a transaction takes
IMPORT_JOB = "run_import"

_UPSERTS: dict[Kind, Callable[..., Awaitable[BatchOutcome]]] = {
    Kind.MERCHANTS: upsert_merchants, Kind.PRODUCTS: upsert_products,
    Kind.ORDERS: upsert_orders, Kind.TERMINALS: upsert_terminals,
}  # fmt: skip
_TABLES: dict[str, Any] = {table._meta.tablename: table
                           for table in (Merchant, Product, Order, OrderItem, Terminal)}  # fmt: skip


@dataclass(frozen=True)
class RunView:
    id: int
    kind: Kind
    file_name: str
    stored_name: str
    status: str  # previewed, queued, running, done, failed, undone
    rows_total: int
    rows_done: int
    added: int
    updated: int
    unchanged: int
    refused: int
    problem: str  # why it failed: {"msgid", "params"} as JSON, or ""
    staff_name: str
    created_at: datetime
    finished_at: datetime | None

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return min(99, self.rows_done * 100 // self.rows_total) if self.rows_total else 0


def _view(row: dict[str, Any]) -> RunView:
    return RunView(row["id"], Kind(row["kind"]), row["file_name"], row["stored_name"],
                   row["status"], row["rows_total"], row["rows_done"], row["added"],
                   row["updated"], row["unchanged"], row["refused"], row["problem"],
                   row["staff_name"], aware_at(row["created_at"]),
                   aware(row["finished_at"]))  # fmt: skip


async def new_run(kind: Kind, file_name: str, stored_name: str, rows_total: int,
                  staff_id: int, staff_name: str) -> int:  # fmt: skip
    rows = await ImportRun.insert(ImportRun(
        kind=kind.value, file_name=file_name[:200], stored_name=stored_name,
        rows_total=rows_total, staff_id=staff_id, staff_name=staff_name,
    )).returning(ImportRun.id)  # fmt: skip
    return int(rows[0]["id"])


async def run_view(run_id: int) -> RunView | None:
    row = await ImportRun.select().where(ImportRun.id == run_id).first()
    return _view(row) if row else None


async def recent_runs(limit: int = 20) -> list[RunView]:
    rows = await ImportRun.select().order_by(ImportRun.id, ascending=False).limit(limit)
    return [_view(row) for row in rows]


async def start_run(run_id: int, now: datetime) -> bool:
    """The previewed run's work queued (once: a second start changes nothing)."""
    async with atomic():
        started = await ImportRun.update({ImportRun.status: "queued"}).where(
            (ImportRun.id == run_id) & (ImportRun.status == "previewed")
        ).returning(ImportRun.id)  # fmt: skip
        if started:
            await add_to_outbox(key=f"import:{run_id}", job=IMPORT_JOB,
                                payload={"run": run_id}, due_at=now)  # fmt: skip
    return bool(started)


async def finish_run(run_id: int, now: datetime, problem_words: Text | None = None) -> None:
    status = "failed" if problem_words is not None else "done"
    said = json.dumps({"msgid": problem_words.msgid, "params": {
        k: _jsonable(v) for k, v in problem_words.params.items()}}) if problem_words else ""  # fmt: skip
    await ImportRun.update({ImportRun.status: status, ImportRun.finished_at: now,
                            ImportRun.problem: said}).where(ImportRun.id == run_id)  # fmt: skip


class _RunJournal:
    """An import's journal of one batch: what it changed, the rows refused, how far it got."""

    def __init__(self, run_id: int, kind: Kind, batch: list[Read], refused: list[RowProblem]):
        self.run_id, self.kind, self.batch, self.refused = run_id, kind, batch, refused

    async def added(self, table: str, row_ids: list[int]) -> None:
        await ImportChange.insert(*(ImportChange(run=self.run_id, table_name=table, row_id=row_id)
                                    for row_id in row_ids))  # fmt: skip

    async def changed(self, table: str, before: dict[str, Any], *, deleted: bool) -> None:
        kept = {name: _jsonable(value) for name, value in before.items()}
        await ImportChange.insert(ImportChange(run=self.run_id, table_name=table,
                                               row_id=before["id"],
                                               before={**kept, "$deleted": deleted}))  # fmt: skip

    async def batch_done(self, outcome: BatchOutcome) -> None:
        problems = list(self.refused)
        for index, found in outcome.refused:
            read = self.batch[index]
            problems.append(RowProblem(read.rows[0], header_of(self.kind, found.field),
                                       found.words))  # fmt: skip
        if problems:
            await ImportRefusal.insert(*(ImportRefusal(
                run=self.run_id, row=p.row, column_header=p.column, msgid=p.words.msgid,
                params={k: _jsonable(v) for k, v in p.words.params.items()}) for p in problems))  # fmt: skip
        refused_rows = sum(1 for read in self.batch if read.record is None)
        refused_rows += outcome.refused_records
        last_row = max(row for read in self.batch for row in read.rows) if self.batch else 0
        await ImportRun.update({
            ImportRun.status: "running",
            ImportRun.rows_done: max(last_row - 1, 0),
            ImportRun.added: ImportRun.added + outcome.added,
            ImportRun.updated: ImportRun.updated + outcome.updated,
            ImportRun.unchanged: ImportRun.unchanged + outcome.unchanged,
            ImportRun.refused: ImportRun.refused + refused_rows,
        }).where(ImportRun.id == self.run_id)  # fmt: skip


def _jsonable(value: object) -> object:
    if isinstance(value, datetime):
        return {"$at": value.isoformat()}
    return value


def _restored(value: object) -> object:
    if isinstance(value, dict) and set(value) == {"$at"}:
        return moment(value["$at"])
    return value


async def take_reads(run_id: int, kind: Kind, reads: Iterable[Read], now: datetime) -> None:
    """The run's records in batches, after the rows an earlier attempt already took."""
    view = await run_view(run_id)
    done_rows = view.rows_done if view else 0
    batches = _batches(reads, done_rows)
    # reading a sheet's rows is parsing (blocking): each batch is read off the event loop
    while (batch := await asyncio.to_thread(next, batches, None)) is not None:
        good: Indexed = [(n, read.record) for n, read in enumerate(batch) if read.record]
        refused = [p for read in batch for p in read.problems]
        journal = _RunJournal(run_id, kind, batch, refused)
        if good:
            await _UPSERTS[kind](good, now, journal)
        else:
            async with atomic():
                await journal.batch_done(BatchOutcome())


def _batches(reads: Iterable[Read], done_rows: int) -> Iterator[list[Read]]:
    """The reads in batches, past the rows already taken; a key repeated in the file refused
    after its first (two versions of one record cannot both be right)."""
    repeats = Repeats()
    batch: list[Read] = []
    repeat = problem("", Code.DUPLICATE_IN_BATCH).words
    for read in reads:
        again = bool(read.key) and repeats.again(read.key)
        if max(read.rows) - 1 <= done_rows:
            continue  # taken by an earlier attempt (its batch committed)
        if read.record is not None and again:
            read = Read(read.rows, read.key, None, (RowProblem(read.rows[0], "", repeat),))
        batch.append(read)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def refusals(run_id: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await ImportRefusal.select(
        ImportRefusal.row, ImportRefusal.column_header, ImportRefusal.msgid, ImportRefusal.params
    ).where(ImportRefusal.run == run_id).order_by(ImportRefusal.row).order_by(
        ImportRefusal.id).output(load_json=True)  # fmt: skip
    return rows


async def undo_run(run_id: int, now: datetime) -> Text | None:
    """Everything the run added removed and everything it changed put back, in one
    transaction; None when done, else why it may not be."""
    async with atomic():
        run = await ImportRun.select(ImportRun.status).where(ImportRun.id == run_id).first()
        if run is None or run["status"] != "done":
            return Text(N_("Only a finished import can be undone, and only once."))
        changes = await ImportChange.select().where(ImportChange.run == run_id).order_by(
            ImportChange.id, ascending=False).output(load_json=True)  # fmt: skip
        if await _used_by_requests(changes):
            return Text(N_("A return request uses rows this import added or changed: it can no "
                           "longer be undone."))  # fmt: skip
        for change in changes:
            await _put_back(change)
        await ImportRun.update({ImportRun.status: "undone", ImportRun.undone_at: now}).where(
            ImportRun.id == run_id)  # fmt: skip
    return None


async def _used_by_requests(changes: list[dict[str, Any]]) -> bool:
    ids: dict[str, list[int]] = {}
    for change in changes:
        ids.setdefault(change["table_name"], []).append(change["row_id"])
    merchants, orders = ids.get("merchant", []), ids.get("merchant_order", [])
    lines = ids.get("order_item", [])
    used = await ReturnRequest.exists().where(
        ReturnRequest.merchant.is_in(merchants or [0]) | ReturnRequest.order.is_in(orders or [0]))  # fmt: skip
    return bool(used) or bool(await ReturnItem.exists().where(
        ReturnItem.order_item.is_in(lines or [0])))  # fmt: skip


async def _put_back(change: dict[str, Any]) -> None:
    table = _TABLES[change["table_name"]]
    before = change["before"]
    if before is None:
        await table.delete().where(table.id == change["row_id"])
        return
    values = {name: _restored(value) for name, value in before.items() if name != "$deleted"}
    if before.get("$deleted"):
        await table.insert(table(**values))
    else:
        values.pop("id", None)
        await table.update(values).where(table.id == change["row_id"])


async def purge_import_files(store: FileStore, older_than: datetime) -> int:
    """Uploaded exports kept no longer than needed: a run taken in (or that failed, or was
    undone) needs its file no more; one checked but never started before `older_than` is
    closed as failed. The runs themselves, their refusals and changes stay (undo needs them)."""
    rows = await ImportRun.select(ImportRun.id, ImportRun.stored_name, ImportRun.status).where(
        (ImportRun.stored_name != "") & (ImportRun.created_at < older_than)
        & ImportRun.status.is_in(["previewed", "done", "failed", "undone"]))  # fmt: skip
    if not rows:
        return 0
    stale = Text(N_("The file waited a week without being started and is gone: upload it again."))
    for row in rows:
        if row["status"] == "previewed":
            await finish_run(row["id"], older_than, stale)
    await ImportRun.update({ImportRun.stored_name: ""}).where(
        ImportRun.id.is_in([row["id"] for row in rows]))  # fmt: skip
    await store.delete(row["stored_name"] for row in rows)
    return len(rows)
