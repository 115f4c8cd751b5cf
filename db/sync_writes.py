"""A sync batch's outcome and its writes: every row it adds, updates or removes goes through
one writer, which tells a journal where there is one (an import keeps what it changed, so that
it can be undone) inside the batch's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from piccolo.table import Table

from domain.sync import Problem

INSERT_ROWS = 1_000  # rows one INSERT carries


@dataclass
class BatchOutcome:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[tuple[int, Problem]] = field(default_factory=list)  # (index, problem)

    def refuse(self, index: int, problems: Sequence[Problem]) -> None:
        self.refused.extend((index, found) for found in problems)

    @property
    def refused_records(self) -> int:
        return len({index for index, _ in self.refused})


Indexed = Sequence[tuple[int, Any]]  # (position in the batch, checked record)


class Journal(Protocol):
    """Told of every row a batch writes, inside its transaction (an import keeps it, so that
    it can be undone), and of the batch's outcome last."""

    async def added(self, table: str, row_ids: list[int]) -> None: ...

    async def changed(self, table: str, before: dict[str, Any], *, deleted: bool) -> None: ...

    async def batch_done(self, outcome: BatchOutcome) -> None: ...


@dataclass
class Writes:
    """The batch's writes, each told to the journal where there is one."""

    journal: Journal | None

    async def insert(self, table: type[Table], rows: list[Any]) -> list[int]:
        if not rows:
            return []
        ids = []
        for start in range(0, len(rows), INSERT_ROWS):  # SQLite takes 32,766 values a statement
            chunk = rows[start : start + INSERT_ROWS]
            ids += [row["id"] for row in await table.insert(*chunk).returning(
                table._meta.primary_key)]  # fmt: skip
        if self.journal is not None:
            await self.journal.added(table._meta.tablename, ids)
        return ids

    async def update(
        self, table: type[Table], stored: dict[str, Any], values: dict[Any, Any]
    ) -> None:
        if self.journal is not None:
            before = {"id": stored["id"], **{name: stored[name] for name in values}}
            await self.journal.changed(table._meta.tablename, before, deleted=False)
        await table.update(values).where(table._meta.primary_key == stored["id"])

    async def delete(self, table: type[Table], stored: list[dict[str, Any]]) -> None:
        if not stored:
            return
        if self.journal is not None:
            for row in stored:
                await self.journal.changed(table._meta.tablename, row, deleted=True)
        await table.delete().where(table._meta.primary_key.is_in([row["id"] for row in stored]))

    async def done(self, outcome: BatchOutcome) -> BatchOutcome:
        if self.journal is not None:
            await self.journal.batch_done(outcome)
        return outcome
