"""The import job: an uploaded export's rows taken in, in batches, its progress on the run for
the page to show. A worker killed midway is resumed by the outbox from the last batch done; a
file that turns out unreadable partway fails the run with the words why (what was taken stays,
and can be undone)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from db.files import FileStore
from db.imports import finish_run, run_view, take_reads
from db.spreadsheets import Unreadable, open_sheet
from domain.imports import Layout, match_headers, read_records
from workers.runner import run_once

IMPORT_LEASE = timedelta(minutes=10)


async def run_import(ctx: dict[str, Any], key: str, request_id: str = "") -> str:
    run_id = int(key.removeprefix("import:"))

    async def work() -> str:
        run = await run_view(run_id)
        if run is None or run.status in ("done", "failed", "undone"):
            return "nothing to do"
        store: FileStore = ctx["files"]
        content = await store.read(run.stored_name)
        with tempfile.TemporaryDirectory(prefix="returndesk-import-") as directory:
            path = Path(directory) / f"export{Path(run.stored_name).suffix}"
            path.write_bytes(content)
            del content
            try:
                sheet = open_sheet(path)
                layout = match_headers(run.kind, sheet.header)
                if not isinstance(layout, Layout):
                    await finish_run(run_id, _now(), layout[0])
                    return "failed: columns"
                reads = read_records(
                    run.kind,
                    layout,
                    sheet.rows(),
                    ZoneInfo(str(ctx.get("timezone", "Asia/Shanghai"))),
                    _now(),
                )
                await take_reads(run_id, run.kind, reads, _now())
            except Unreadable as refused:
                await finish_run(run_id, _now(), refused.words)
                return "failed: unreadable"
        await finish_run(run_id, _now())
        return "done"

    # longer than arq lets any job run (300 s): no second worker takes the import over while
    # the first still works; one stopped midway is resumed after its last committed batch
    return await run_once(
        {**ctx, "job_lease": IMPORT_LEASE}, key, "run_import", work, request_id=request_id
    )


def _now() -> datetime:
    return datetime.now(UTC)
