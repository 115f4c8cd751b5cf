"""A supervisor imports the provider's exports from the admin: checks a file and sees its first
rows with what is wrong, starts it, a worker takes it in while the page shows its progress, the
refused rows come back as CSV with why, and the import is undone — unless a return request uses
what it added. Hostile files are refused in words and change nothing."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from openpyxl import Workbook

from db.tables import ImportRun, Merchant, Order, OrderItem, Product, Terminal
from tests.integration import factories
from tests.integration.queue import deliver_outbox

Client = AsyncTestClient  # type: ignore[type-arg]

MERCHANTS = "商户编号,商户名称,手机号\r\nM-1,静安店,13912345678\r\nM-2,西湖店,12345\r\n"
PRODUCTS = "商品编码,商品名称,类别,有序列号,单价（元）\r\nP8,智能POS终端 P8,收款终端,是,1280\r\n"


def orders_csv(completed: datetime) -> str:
    when = completed.strftime("%Y-%m-%d %H:%M")
    return ("订单号,商户编号,完成时间,实付金额（元）,行号,商品编码,数量,单价（元）,序列号\r\n"
            f"DD-I-1,M-1,{when},2560,1,P8,2,1280,P8IMP01、P8IMP02\r\n"
            f"DD-I-2,M-9,{when},1280,1,P8,1,1280,P8IMP03\r\n")  # fmt: skip


@pytest.fixture
async def supervisor(client: Client) -> str:
    client.follow_redirects = False
    staff_id = await factories.staff("zhaomin", "supervisor")
    await factories.staff_session(client, staff_id)
    return await factories.csrf_token(client, "/staff/imports")


async def upload(client: Client, token: str, kind: str, content: bytes,
                 name: str = "export.csv") -> Any:  # fmt: skip
    return await client.post("/staff/imports", data={"kind": kind, "_csrf_token": token},
                             files=[("file", (name, content, "text/csv"))])  # fmt: skip


async def imported(client: Client, token: str, kind: str, content: bytes) -> str:
    """The file checked, started and taken in by a worker: its page's address."""
    checked = await upload(client, token, kind, content)
    assert checked.status_code == 303, checked.text
    page = checked.headers["location"]
    started = await client.post(f"{page}/start", data={"_csrf_token": token})
    assert started.status_code == 303
    await deliver_outbox()
    return str(page)


async def test_a_supervisor_imports_gbk_exports_sees_the_refusals_and_undoes_it(
    client: Client, supervisor: str
) -> None:
    token = supervisor
    await imported(client, token, "merchants", MERCHANTS.encode("gbk"))
    await imported(client, token, "products", PRODUCTS.encode("gb18030"))
    assert await Merchant.count() == 1 and await Product.count() == 1

    checked = await upload(client, token, "orders",
                           orders_csv(datetime.now(UTC) - timedelta(days=3)).encode("gbk"))  # fmt: skip
    page = checked.headers["location"]
    preview = await client.get(page)
    assert "DD-I-1" in preview.text and "DD-I-2" in preview.text
    assert "没有商户使用此外部编号" not in preview.text  # who exists is the import's to find
    assert "开始导入" in preview.text
    assert await Order.count() == 0  # nothing is taken before it is started

    await client.post(f"{page}/start", data={"_csrf_token": token})
    await deliver_outbox()
    done = await client.get(page)
    assert "已完成" in done.text
    run = await ImportRun.select().where(ImportRun.kind == "orders").first()
    assert run is not None
    assert (run["added"], run["refused"], run["rows_done"]) == (1, 1, 2)
    assert sorted(r["serial_number"] for r in await OrderItem.select(OrderItem.serial_number)) == [
        "P8IMP01", "P8IMP02"]  # fmt: skip
    refused = await client.get(f"{page}/refused.csv")
    assert refused.headers["content-type"].startswith("text/csv")
    assert "3,商户编号,没有商户使用此外部编号" in refused.text

    undone = await client.post(f"{page}/undo", data={"_csrf_token": token})
    assert undone.status_code == 303
    assert await Order.count() == 0 and await OrderItem.count() == 0
    again = await client.post(f"{page}/undo", data={"_csrf_token": token})
    assert again.status_code == 409


async def test_an_import_a_return_request_uses_cannot_be_undone(
    client: Client, supervisor: str, now: datetime
) -> None:
    token = supervisor
    await imported(client, token, "merchants", MERCHANTS.encode())
    await imported(client, token, "products", PRODUCTS.encode())
    page = await imported(client, token, "orders", orders_csv(now - timedelta(days=3)).encode())
    merchant = await Merchant.select(Merchant.id).first()
    order = await Order.select(Order.id).first()
    line = await OrderItem.select(OrderItem.id).first()
    assert merchant and order and line
    await factories.draft(merchant["id"], order["id"], [line["id"]])
    refused = await client.post(f"{page}/undo", data={"_csrf_token": token})
    assert refused.status_code == 409 and "有退货申请使用" in refused.text
    assert await OrderItem.count() == 2


async def test_an_xlsx_of_terminals_is_imported_and_a_resend_changes_nothing(
    client: Client, supervisor: str
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["序列号", "商户号", "终端号", "已绑定", "已激活", "最后交易时间"])
    sheet.append(["P8X001", "898310058120001", "10000101", "是", "是", datetime(2026, 12, 1, 9)])
    buffer = BytesIO()
    book.save(buffer)
    first = await imported(client, supervisor, "terminals", buffer.getvalue())
    assert "新增" in (await client.get(first)).text
    row = await Terminal.select(Terminal.tid, Terminal.bound).first()
    assert row == {"tid": "10000101", "bound": True}
    again = await imported(client, supervisor, "terminals", buffer.getvalue())
    page = (await client.get(again)).text
    assert re.search(r"未变\s*</dt>\s*<dd>1</dd>", page), page


def _bomb() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * (20 * 1024 * 1024) + b">")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "words"),
    [("商户编号,商户名称\nM-1,Café\n".replace("商户编号", "id").replace("商户名称", "name")
      .encode("latin-1"), "字符编码无法识别"),
     (_bomb(), "解压后远大于"),
     ("商户编号,地址\nM-1,上海\n".encode(), "缺少这些列：商户名称、手机号"),
     (b"", "")],
)  # fmt: skip
async def test_a_hostile_or_wrong_file_is_refused_in_words_and_changes_nothing(
    client: Client, supervisor: str, content: bytes, words: str
) -> None:
    answer = await upload(client, supervisor, "merchants", content)
    assert answer.status_code == 422
    assert words in answer.text
    assert await ImportRun.count() == 0 and await Merchant.count() == 0


async def test_a_million_rows_are_refused_before_anything_is_taken(
    client: Client, supervisor: str
) -> None:
    rows = "序列号,终端号\n" + "".join(f"S{n},{n}\n" for n in range(1_000_000))
    answer = await upload(client, supervisor, "terminals", rows.encode())
    assert answer.status_code == 422 and "文件超过 100000 行" in answer.text
    assert await ImportRun.count() == 0


async def test_only_supervisors_import(client: Client) -> None:
    client.follow_redirects = False
    staff_id = await factories.staff("wangfang", "reviewer")
    await factories.staff_session(client, staff_id)
    assert (await client.get("/staff/imports")).status_code == 403
    assert (await client.get("/staff/imports/templates/orders.csv")).status_code == 403


async def test_each_kind_has_a_template_its_import_reads(client: Client, supervisor: str) -> None:
    for kind in ("merchants", "products", "orders", "terminals"):
        for extension in ("csv", "xlsx"):
            answer = await client.get(f"/staff/imports/templates/{kind}.{extension}")
            assert answer.status_code == 200
            checked = await upload(client, supervisor, kind, answer.content)
            assert checked.status_code == 303, (kind, extension, checked.text)
    assert (await client.get("/staff/imports/templates/orders.exe")).status_code == 404


async def test_a_file_past_the_size_limit_is_refused_in_words(
    client: Client, supervisor: str
) -> None:
    big = b"\xe5\x95\x86" * (17 * 1024 * 1024)  # 51 MB of one character
    answer = await upload(client, supervisor, "merchants", big)
    assert answer.status_code == 413
    assert "导出文件最大 20 MB" in answer.text
    assert await ImportRun.count() == 0


async def test_housekeeping_lets_go_of_a_weeks_old_export(client: Client, supervisor: str) -> None:
    from db.imports import purge_import_files
    from db.s3_files import file_store_for
    from settings import Settings

    page = await imported(client, supervisor, "merchants", MERCHANTS.encode())
    waiting = (await upload(client, supervisor, "products", PRODUCTS.encode())).headers["location"]
    store = file_store_for(Settings.from_env())
    names = [r["stored_name"] for r in await ImportRun.select(ImportRun.stored_name)]
    assert all([await store.read(name) for name in names])
    assert await purge_import_files(store, datetime.now(UTC) - timedelta(days=1)) == 0
    assert await purge_import_files(store, datetime.now(UTC) + timedelta(seconds=1)) == 2
    assert [r["stored_name"] for r in await ImportRun.select(ImportRun.stored_name)] == ["", ""]
    assert "已完成" in (await client.get(page)).text  # what it did stays, and can be undone
    stale = await client.get(waiting)
    assert "文件已等待一周" in stale.text and f'action="{waiting}/start"' not in stale.text


async def test_an_import_stopped_midway_resumes_after_its_last_batch(now: datetime) -> None:
    """A worker killed after a batch committed: the next attempt takes the rows after it."""
    from zoneinfo import ZoneInfo

    from db.imports import new_run, run_view, take_reads
    from domain.imports import Layout, match_headers, read_records
    from domain.sync import Kind

    header = ["序列号", "终端号"]
    rows = [(n, (f"SN-R{n}", f"T{n}")) for n in range(2, 12)]  # ten rows, numbered as a sheet
    layout = match_headers(Kind.TERMINALS, header)
    assert isinstance(layout, Layout)
    run_id = await new_run(Kind.TERMINALS, "t.csv", "", 10, 1, "test")
    await ImportRun.update({ImportRun.rows_done: 4}).where(ImportRun.id == run_id)  # 4 taken
    reads = read_records(Kind.TERMINALS, layout, rows, ZoneInfo("Asia/Shanghai"), now)
    await take_reads(run_id, Kind.TERMINALS, reads, now)
    taken = sorted(r["serial_number"] for r in await Terminal.select(Terminal.serial_number))
    assert taken == sorted(f"SN-R{n}" for n in range(6, 12))  # rows 6-11: after the first four
    run = await run_view(run_id)
    assert run is not None and (run.rows_done, run.added) == (10, 6)
