"""Spreadsheet imports, for supervisors at /staff/imports: upload an export (CSV or XLSX) of
merchants, products, orders or terminals; see its first rows with what is wrong in each; start
it — a worker takes it in while the page shows its progress (htmx polling, no reload) — then
its summary, the refused rows as CSV with the reason of each, and an undo while no return
request uses what it added. A template of each kind is there to download."""

from __future__ import annotations

import csv
import io
import itertools
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import anyio
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath

from db.errors import NotFound
from db.imports import RunView, new_run, recent_runs, refusals, run_view, start_run, undo_run
from db.spreadsheets import MAX_FILE_BYTES, Unreadable, open_sheet
from domain.imports import COLUMNS, Layout, Read, match_headers, read_records
from domain.sync import Kind
from domain.terms import Role
from domain.text import N_, Text
from web.auth import current_staff, staff_required
from web.i18n import gettext as _
from web.i18n import render_text
from web.navigation import redirect_to
from web.params import row_id
from web.rendering import asks_for_fragment, render
from web.staff.api_admin import audit
from web.staff.navigation import staff_nav

GUARDS = [staff_required(Role.SUPERVISOR)]
BASE = "/staff/imports"
PREVIEW_ROWS = 10
KIND_LABELS = {Kind.MERCHANTS: N_("Merchants"), Kind.PRODUCTS: N_("Products"),
               Kind.ORDERS: N_("Orders (one row per order line)"),
               Kind.TERMINALS: N_("Terminals")}  # fmt: skip
STATUS_LABELS = {"previewed": N_("Checked, not started"), "queued": N_("Waiting to start"),
                 "running": N_("Importing"), "done": N_("Done"), "failed": N_("Failed"),
                 "undone": N_("Undone")}  # fmt: skip


def _kinds() -> list[tuple[str, str]]:
    return [(kind.value, _(label)) for kind, label in KIND_LABELS.items()]


async def _page(request: Request[Any, Any, Any], *, errors: dict[str, str] | None = None,
                kind: str = "", status_code: int = 200) -> Response[Any]:  # fmt: skip
    return render(request, "staff/imports.html", nav=staff_nav(current_staff(request), "imports"),
                  runs=await recent_runs(), kinds=_kinds(), chosen=kind, errors=errors or {},
                  status_labels=STATUS_LABELS, kind_labels=KIND_LABELS,
                  status_code=status_code)  # fmt: skip


@get(BASE, name="staff_imports", guards=GUARDS)
async def imports(request: Request[Any, Any, Any]) -> Response[Any]:
    return await _page(request)


@dataclass(frozen=True)
class _Checked:
    """An upload as the preview read it."""

    problems: list[Text]
    rows_total: int
    first: list[Read]


def _check(path: Path, kind: Kind, zone: ZoneInfo) -> _Checked:
    """Blocking: the file opened, its headers matched, its rows counted and the first read."""
    try:
        sheet = open_sheet(path)
        layout = match_headers(kind, sheet.header)
        if not isinstance(layout, Layout):
            return _Checked(layout, 0, [])
        total = sum(1 for _row in sheet.rows())
        if total == 0:
            return _Checked([Text(N_("The file has headers but no rows."))], 0, [])
        reads = read_records(kind, layout, sheet.rows(), zone, datetime.now(UTC))
        return _Checked([], total, list(itertools.islice(reads, PREVIEW_ROWS)))
    except Unreadable as refused:
        return _Checked([refused.words], 0, [])


@post(BASE, name="staff_import_upload", guards=GUARDS,
      request_max_body_size=MAX_FILE_BYTES + 64 * 1024,
      opt={"too_large": N_("An export can be up to 20 MB. Please split it into smaller files.")})  # fmt: skip
async def upload(request: Request[Any, Any, Any]) -> Response[Any]:
    form = await request.form()
    kind_text = str(form.get("kind") or "")
    file = form.get("file")
    if kind_text not in {kind.value for kind in Kind}:
        return await _page(request, errors={"kind": _("Choose what the file holds.")},
                           status_code=422)  # fmt: skip
    if not isinstance(file, UploadFile) or not file.filename:
        return await _page(request, errors={"file": _("Choose a CSV or XLSX file.")},
                           kind=kind_text, status_code=422)  # fmt: skip
    content = await file.read()
    suffix = ".xlsx" if content.startswith(b"PK") else ".csv"
    zone = ZoneInfo(request.app.state.settings.timezone)
    with tempfile.TemporaryDirectory(prefix="returndesk-upload-") as directory:
        path = Path(directory) / f"upload{suffix}"
        path.write_bytes(content)
        checked = await anyio.to_thread.run_sync(_check, path, Kind(kind_text), zone)
    if checked.problems:
        words = " ".join(render_text(p) for p in checked.problems)
        return await _page(request, errors={"file": words}, kind=kind_text, status_code=422)
    stored = await request.app.state.files.save(content, suffix, suffix="-import")
    staff = current_staff(request)
    run_id = await new_run(Kind(kind_text), file.filename, stored, checked.rows_total, staff.id,
                           staff.display_name)  # fmt: skip
    return redirect_to(request, f"{BASE}/{run_id}")


async def _run(run_id: str) -> RunView:
    found = await run_view(row_id(run_id))
    if found is None:
        raise NotFound(run_id)
    return found


async def _preview(request: Request[Any, Any, Any], run: RunView) -> list[Read]:
    if run.status != "previewed":
        return []
    content = await request.app.state.files.read(run.stored_name)
    zone = ZoneInfo(request.app.state.settings.timezone)
    with tempfile.TemporaryDirectory(prefix="returndesk-preview-") as directory:
        path = Path(directory) / f"export{Path(run.stored_name).suffix}"
        path.write_bytes(content)
        return (await anyio.to_thread.run_sync(_check, path, run.kind, zone)).first


@get(f"{BASE}/{{run_id:str}}", name="staff_import", guards=GUARDS)
async def run_page(request: Request[Any, Any, Any], run_id: FromPath[str]) -> Response[Any]:
    run = await _run(run_id)
    failed = json.loads(run.problem) if run.problem else None
    context: dict[str, Any] = {"run": run, "status_labels": STATUS_LABELS, "kind_labels": KIND_LABELS,
               "failed": Text(failed["msgid"], failed["params"]) if failed else None,
               "preview": await _preview(request, run),
               "columns": [column.headers[0] for column in COLUMNS[run.kind]]}  # fmt: skip
    if asks_for_fragment(request):
        return render(request, "staff/import.html", block="progress", **context)
    return render(request, "staff/import.html", nav=staff_nav(current_staff(request), "imports"),
                  **context)  # fmt: skip


@post(f"{BASE}/{{run_id:str}}/start", name="staff_import_start", guards=GUARDS)
async def start(request: Request[Any, Any, Any], run_id: FromPath[str]) -> Response[Any]:
    run = await _run(run_id)
    now = datetime.now(UTC)
    if await start_run(run.id, now):
        await audit(request, "start_import", f"{run.file_name} · {run.kind.value}",
                    f"{run.rows_total} rows", now)  # fmt: skip
    return redirect_to(request, f"{BASE}/{run.id}")


@post(f"{BASE}/{{run_id:str}}/undo", name="staff_import_undo", guards=GUARDS)
async def undo(request: Request[Any, Any, Any], run_id: FromPath[str]) -> Response[Any]:
    run = await _run(run_id)
    now = datetime.now(UTC)
    refused = await undo_run(run.id, now)
    if refused is not None:
        return render(request, "staff/import.html", nav=staff_nav(current_staff(request), "imports"),
                      run=run, status_labels=STATUS_LABELS, kind_labels=KIND_LABELS, failed=None,
                      preview=[], columns=[], undo_refused=render_text(refused),
                      status_code=409)  # fmt: skip
    await audit(request, "undo_import", f"{run.file_name} · {run.kind.value}", "", now)
    return redirect_to(request, f"{BASE}/{run.id}")


def _safe_cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula when the CSV is opened."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_response(rows: list[list[str]], name: str) -> Response[Any]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([[_safe_cell(cell) for cell in row] for row in rows])
    return Response(content="\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@get(f"{BASE}/{{run_id:str}}/refused.csv", name="staff_import_refused", guards=GUARDS)
async def refused_rows(request: Request[Any, Any, Any], run_id: FromPath[str]) -> Response[Any]:
    run = await _run(run_id)
    rows = [[_("Row"), _("Column"), _("Why it was not imported")]]
    for found in await refusals(run.id):
        rows.append([str(found["row"]), found["column_header"],
                     render_text(Text(found["msgid"], found["params"] or {}))])  # fmt: skip
    return _csv_response(rows, f"import-{run.id}-refused.csv")


@get(f"{BASE}/templates/{{kind:str}}", name="staff_import_template", guards=GUARDS)
async def template(request: Request[Any, Any, Any], kind: FromPath[str]) -> Response[Any]:
    """A kind's template, as CSV (UTF-8 with a BOM, which Excel opens as such) or XLSX."""
    name, _dot, extension = kind.partition(".")
    if name not in {k.value for k in Kind} or extension not in ("csv", "xlsx"):
        raise NotFound(kind)
    rows = [[column.headers[0] for column in COLUMNS[Kind(name)]], TEMPLATE_ROWS[Kind(name)]]
    if extension == "csv":
        return _csv_response(rows, f"returndesk-{name}.csv")
    return Response(content=_workbook(rows), media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="returndesk-{name}.xlsx"'})  # fmt: skip


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workbook(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


TEMPLATE_ROWS = {
    Kind.MERCHANTS: ["M-100231", "上海小杨生煎（静安店）", "13800138000", "13700137000",
                     "jingan@example.com", "上海市静安区南京西路 1 号", "898310058120001"],
    Kind.PRODUCTS: ["P8-SMART", "智能POS终端 P8", "Smart POS terminal P8", "收款终端", "是", "1280.00"],
    Kind.ORDERS: ["DD20261118001", "M-100231", "线上商城", "2026-11-18 10:30", "2026-11-17 16:00",
                  "2649.00", "是", "04400123", "1", "P8-SMART", "2", "1280.00",
                  "P8A2611000101、P8A2611000102"],
    Kind.TERMINALS: ["P8A2611000101", "898310058120001", "10000101", "是", "是",
                     "2026-12-03 19:42"],
}  # fmt: skip

ROUTES = [imports, upload, run_page, start, undo, refused_rows, template]
