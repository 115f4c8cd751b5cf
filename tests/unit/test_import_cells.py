"""Spreadsheet headers and cells as the provider's exports write them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.imports import (
    CellError,
    Layout,
    category_cell,
    header_of,
    int_cell,
    match_headers,
    moment_cell,
    serials_cell,
    text_cell,
    yes_no_cell,
    yuan_cell,
)
from domain.sync import Kind

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_columns_are_found_by_chinese_or_english_header_in_any_order() -> None:
    zh = match_headers(Kind.TERMINALS, ["备注", "序列号", "终端号", "已绑定"])
    assert zh == Layout({"serial_number": 1, "tid": 2, "bound": 3})
    en = match_headers(Kind.ORDERS, ["Order No", "Merchant ID", "Completed At", "Paid Total (Yuan)",
                                     "Line No", "SKU", "Quantity", "Unit Price", "SN"])  # fmt: skip
    assert isinstance(en, Layout) and en.positions["paid_total"] == 3
    full_width = match_headers(Kind.PRODUCTS, ["商品编码", "商品名称", "类别", "单价（元）"])
    assert isinstance(full_width, Layout) and full_width.positions["unit_price"] == 3


def test_missing_and_doubled_columns_are_named() -> None:
    found = match_headers(Kind.MERCHANTS, ["商户编号", "名称", "商户名称"])
    assert isinstance(found, list)
    assert [text.params for text in found] == [{"header": "商户名称"}, {"columns": "手机号"}]


@pytest.mark.parametrize(("cell", "fen"), [("1,280.00", 128000), ("¥12.5", 1250), (1280, 128000),
                                           (99.99, 9999), ("", 0)])  # fmt: skip
def test_amounts_in_yuan_become_fen(cell: object, fen: int) -> None:
    assert yuan_cell(cell) == fen


@pytest.mark.parametrize("cell", ["12.345", "一千", "NaN", "1e999", "1e999999999"])
def test_what_is_not_an_amount_is_said_so(cell: str) -> None:
    with pytest.raises(CellError):
        yuan_cell(cell)


def test_cells_as_people_write_them() -> None:
    assert text_cell(13800138000.0) == "13800138000"  # Excel kept the phone as a number
    assert [yes_no_cell(v) for v in ("是", "否", "", "Yes", 1)] == [True, False, False, True, True]
    assert int_cell("3") == 3 and int_cell(2.0) == 2
    assert category_cell("收款终端") == "terminal" and category_cell("Accessories") == "accessory"
    assert serials_cell("P8A001、P8A002；P8A003\nP8A004") == ["P8A001", "P8A002", "P8A003",
                                                               "P8A004"]  # fmt: skip
    for bad in (("=SUM(A1:A3)", text_cell), ("也许", yes_no_cell), ("2.5", int_cell),
                ("x" * 1001, text_cell)):  # fmt: skip
        with pytest.raises(CellError):
            bad[1](bad[0])


def test_times_are_local_unless_they_say_otherwise() -> None:
    assert moment_cell("2026-11-18 10:30", SHANGHAI) == datetime(2026, 11, 18, 2, 30, tzinfo=UTC)
    assert moment_cell("2026年11月18日", SHANGHAI) == datetime(2026, 11, 17, 16, tzinfo=UTC)
    assert moment_cell(datetime(2026, 11, 18, 10, 30), SHANGHAI) == datetime(
        2026, 11, 18, 2, 30, tzinfo=UTC)  # fmt: skip
    assert moment_cell("2026-11-18T10:30:00Z", SHANGHAI) == datetime(2026, 11, 18, 10, 30,
                                                                      tzinfo=UTC)  # fmt: skip
    assert moment_cell("", SHANGHAI) is None
    with pytest.raises(CellError):
        moment_cell("下周二", SHANGHAI)


def test_a_record_field_is_named_by_its_column_header() -> None:
    assert header_of(Kind.ORDERS, "items[2].serial_numbers") == "序列号"
    assert header_of(Kind.MERCHANTS, "phones[0]") == "手机号"
    assert header_of(Kind.ORDERS, "paid_total_fen") == "实付金额（元）"
