"""Exports as providers save them — CSV in GBK, GB18030 or UTF-8 with or without a BOM, XLSX —
read row by row into the sync's records; hostile files refused before a row is taken."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from db.spreadsheets import Unreadable, open_sheet
from domain.imports import Layout, match_headers, read_records
from domain.sync import Kind, MerchantRecord, OrderRecord

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
ORDERS_CSV = (
    "订单号,商户编号,完成时间,实付金额（元）,行号,商品编码,数量,单价（元）,序列号,备注\r\n"
    'DD1,M-1,2026-11-18 10:30,"2,649.00",1,P8,2,1280.00,P8A001、P8A002,首单\r\n'
    'DD1,M-1,2026-11-18 10:30,"2,649.00",2,DOCK,1,89.00,,\r\n'
    "DD2,M-404,2026-11-19,100,1,PAPER,1,一百,,\r\n"
)


def saved(tmp_path: Path, data: bytes, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def records(path: Path, kind: Kind) -> list[object]:
    sheet = open_sheet(path)
    layout = match_headers(kind, sheet.header)
    assert isinstance(layout, Layout), layout
    return list(read_records(kind, layout, sheet.rows(), SHANGHAI, NOW))


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_a_chinese_csv_is_read_in_the_encoding_excel_saved_it_in(
    tmp_path: Path, encoding: str
) -> None:
    read = records(saved(tmp_path, ORDERS_CSV.encode(encoding)), Kind.ORDERS)
    assert [r.rows for r in read] == [(2, 3), (4,)]  # type: ignore[attr-defined]
    first = read[0].record  # type: ignore[attr-defined]
    assert isinstance(first, OrderRecord)
    assert first.paid_total_fen == 264900 and first.completed_at == datetime(2026, 11, 18, 2, 30,
                                                                             tzinfo=UTC)  # fmt: skip
    assert [line.serial_numbers for line in first.lines] == [("P8A001", "P8A002"), ()]
    refused = read[1]
    assert refused.record is None  # type: ignore[attr-defined]
    assert [(p.row, p.column) for p in refused.problems] == [(4, "单价（元）")]  # type: ignore[attr-defined]


def test_an_xlsx_workbook_is_read_with_its_own_dates_and_numbers(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["商户编号", "商户名称", "手机号", "其他电话"])
    sheet.append(["M-1", "静安店", 13912345678, "13700137000；13600136000"])
    sheet.append(["M-2", "西湖店", "=A1", None])
    book.save(tmp_path / "merchants.xlsx")
    read = records(tmp_path / "merchants.xlsx", Kind.MERCHANTS)
    assert read[0].record == MerchantRecord(  # type: ignore[attr-defined]
        "M-1", "静安店", "13912345678", ("13700137000", "13600136000"), "", "", ""
    )
    assert [(p.row, p.column, p.words.msgid[:8]) for p in read[1].problems] == [  # type: ignore[attr-defined]
        (3, "手机号", "Formulas")]  # fmt: skip


def test_a_csv_in_an_unknown_encoding_is_refused(tmp_path: Path) -> None:
    latin = "商户编号,商户名称\nM-1,Café Zoë\n".replace("商户编号", "id").replace(
        "商户名称", "name"
    )
    with pytest.raises(Unreadable) as refused:
        open_sheet(saved(tmp_path, latin.encode("latin-1")))
    assert "encoding" in refused.value.words.msgid


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * (20 * 1024 * 1024) + b">")
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(Unreadable) as refused:
        open_sheet(path)
    assert "unpacks" in refused.value.words.msgid


@pytest.mark.parametrize(
    ("data", "words"),
    [(b"", "empty"), (b"\x00\x01binary", "not a CSV"), (b"PK\x03\x04broken zip", "not a CSV"),
     (b"a,b\n" + b"x" * 70_000 + b"\n", "well-formed")],
)  # fmt: skip
def test_what_is_not_an_export_is_said_so(tmp_path: Path, data: bytes, words: str) -> None:
    with pytest.raises(Unreadable) as refused:
        sheet = open_sheet(saved(tmp_path, data))
        list(sheet.rows())
    assert words in refused.value.words.msgid


def test_more_rows_than_an_export_holds_are_refused(tmp_path: Path) -> None:
    from domain import imports

    lines = "序列号,终端号\n" + "".join(f"SN{n:07d},T{n}\n" for n in range(imports.MAX_ROWS + 5))
    sheet = open_sheet(saved(tmp_path, lines.encode()))
    with pytest.raises(Unreadable) as refused:
        for _row in sheet.rows():
            pass
    assert "more than" in refused.value.words.msgid
