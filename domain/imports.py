"""Spreadsheet rows as the provider's exports give them, read into the sync's records: columns
matched by their Chinese or English header, each cell read as people write it in China (amounts
in yuan, dates in local time, 是/否), every wrong cell named by row and column. What a record
then means is domain.sync's to check, exactly as for the sync API."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from domain.sync import (
    CATEGORY_NAMES,
    Code,
    Kind,
    LineIn,
    Problem,
    check_merchant,
    check_order,
    check_product,
    check_terminal,
    problem,
)
from domain.text import N_, Text

T = TypeVar("T")
MAX_ROWS = 100_000  # data rows of one file: a provider's export, not a database dump
MAX_CELL = 1_000  # characters of one cell
MAX_YUAN_DIGITS = 11  # up to ten billion yuan, domain.sync's bound, read without arithmetic


@dataclass(frozen=True)
class Column:
    field: str
    headers: tuple[str, ...]  # Chinese first (the template's), then English
    required: bool = False


COLUMNS: dict[Kind, tuple[Column, ...]] = {
    Kind.MERCHANTS: (
        Column("external_id", ("商户编号", "外部编号", "external_id", "merchant id"), True),
        Column("name", ("商户名称", "名称", "name", "merchant name"), True),
        Column("phone", ("手机号", "手机", "联系电话", "phone", "mobile"), True),
        Column("other_phones", ("其他电话", "other phones")),
        Column("email", ("邮箱", "电子邮箱", "email")),
        Column("address", ("地址", "address")),
        Column("mid", ("商户号", "mid")),
    ),
    Kind.PRODUCTS: (
        Column("sku", ("商品编码", "sku"), True),
        Column("name_zh", ("商品名称", "中文名称", "name_zh", "chinese name"), True),
        Column("name_en", ("英文名称", "name_en", "english name")),
        Column("category", ("类别", "品类", "category"), True),
        Column("serialised", ("有序列号", "serialised", "serialized")),
        Column("unit_price", ("单价（元）", "单价", "unit price", "unit price (yuan)")),
    ),
    Kind.ORDERS: (
        Column("order_no", ("订单号", "order_no", "order no"), True),
        Column("merchant_external_id", ("商户编号", "merchant_external_id", "merchant id"), True),
        Column("channel", ("销售渠道", "渠道", "channel")),
        Column("completed_at", ("完成时间", "交易完成时间", "completed_at", "completed at"), True),
        Column("delivered_at", ("签收时间", "delivered_at", "delivered at")),
        Column(
            "paid_total", ("实付金额（元）", "实付金额", "paid total", "paid total (yuan)"), True
        ),
        Column("invoice_issued", ("已开发票", "invoice issued")),
        Column("invoice_no", ("发票号码", "发票号", "invoice no")),
        Column("line_no", ("行号", "line no"), True),
        Column("sku", ("商品编码", "sku"), True),
        Column("quantity", ("数量", "quantity"), True),
        Column("unit_price", ("单价（元）", "单价", "unit price", "unit price (yuan)"), True),
        Column("serial_numbers", ("序列号", "sn", "serial numbers")),
    ),
    Kind.TERMINALS: (
        Column("serial_number", ("序列号", "sn", "serial number"), True),
        Column("mid", ("商户号", "mid")),
        Column("tid", ("终端号", "tid")),
        Column("bound", ("已绑定", "bound")),
        Column("activated", ("已激活", "activated")),
        Column("last_transaction_at", ("最后交易时间", "last transaction at")),
    ),
}


def _folded(header: str) -> str:
    """A header as compared: full-width forms folded (（元） is (元)), case and spaces ignored."""
    text = unicodedata.normalize("NFKC", header or "").strip().lower()
    return re.sub(r"[\s_]+", " ", text).replace(" (", "(")


@dataclass(frozen=True)
class Layout:
    """Which column of the file holds which field."""

    positions: dict[str, int]


def match_headers(kind: Kind, headers: Sequence[object]) -> Layout | list[Text]:
    """The file's columns, matched by header; the words for what is missing or doubled."""
    wanted = {_folded(name): column.field for column in COLUMNS[kind] for name in column.headers}
    positions: dict[str, int] = {}
    problems: list[Text] = []
    for n, header in enumerate(headers):
        field = wanted.get(_folded(str(header or "")))
        if field is None:
            continue  # a column ReturnDesk does not read: the provider's own, left alone
        if field in positions:
            problems.append(Text(N_("Two columns are headed %(header)s."), {"header": str(header)}))
        positions[field] = n
    missing = [column.headers[0] for column in COLUMNS[kind]
               if column.required and column.field not in positions]  # fmt: skip
    if missing:
        problems.append(Text(N_("These columns are missing: %(columns)s. Download the template "
                                "to see the headers it reads."), {"columns": "、".join(missing)}))  # fmt: skip
    return problems or Layout(positions)


class CellError(ValueError):
    """A cell that cannot be read as its column's kind of value; the words say why."""

    def __init__(self, words: Text) -> None:
        super().__init__(words.msgid)
        self.words = words


def text_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number Excel kept as 13800138000.0
    text = str(value).strip()
    if "\x00" in text:  # a binary file read as text, or a cell no database would keep
        raise CellError(Text(N_("This is not a valid value here.")))
    if len(text) > MAX_CELL:
        raise CellError(Text(N_("This cell is longer than %(limit)s characters."),
                             {"limit": MAX_CELL}))  # fmt: skip
    if text.startswith("=") and len(text) > 1:  # as an XLSX keeps a formula: its value unknown
        raise CellError(Text(N_("Formulas are not read: paste the values instead.")))
    return text


def yuan_cell(value: object) -> int:
    """An amount in yuan ("1,280.00", "¥1280", 1280.5) as fen."""
    text = text_cell(value).replace(",", "").replace("，", "").lstrip("¥￥").strip()
    if not text:
        return 0
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellError(Text(N_("This is not an amount in yuan, such as 1280.00."))) from None
    # bounded before it becomes an int: "1e999999999" would be a billion digits
    if not amount.is_finite() or amount.adjusted() >= MAX_YUAN_DIGITS:
        raise CellError(Text(N_("This is not an amount in yuan, such as 1280.00.")))
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise CellError(Text(N_("This is not an amount in yuan, such as 1280.00.")))
    return int(fen)


def int_cell(value: object) -> int:
    text = text_cell(value)
    try:
        number = Decimal(text or "0")
        if not number.is_finite() or number.adjusted() > 9 or number != number.to_integral_value():
            raise InvalidOperation
        return int(number)
    except InvalidOperation:
        raise CellError(Text(N_("This is not a whole number."))) from None


_YES = {"是", "有", "已", "y", "yes", "true", "1", "√", "✓"}
_NO = {"否", "无", "未", "n", "no", "false", "0", ""}


def yes_no_cell(value: object) -> bool:
    text = text_cell(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError(Text(N_("Write 是 or 否 (yes or no).")))


_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                 "%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日")  # fmt: skip


def moment_cell(value: object, zone: tzinfo) -> datetime | None:
    """A date and time as the sheet shows it, in the provider's local time (or with its own
    offset, as ISO 8601 writes it); None for an empty cell."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=zone)
    text = text_cell(value)
    if not text:
        return None
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=zone)
        except ValueError:
            continue
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        raise CellError(
            Text(N_("This is not a date and time, such as 2026-11-18 10:30."))
        ) from None
    return found if found.tzinfo else found.replace(tzinfo=zone)


_CATEGORY_WORDS = {**{key: key for key, _zh, _en in CATEGORY_NAMES},
                   **{zh: key for key, zh, _en in CATEGORY_NAMES},
                   **{en.lower(): key for key, _zh, en in CATEGORY_NAMES}}  # fmt: skip


def category_cell(value: object) -> str:
    """A category as the sheet names it: its key, or its Chinese or English name."""
    text = text_cell(value)
    return _CATEGORY_WORDS.get(text.lower(), text)


def serials_cell(value: object) -> list[str]:
    """Serial numbers in one cell, separated as people separate them (、 ， ; spaces, lines)."""
    return [part for part in re.split(r"[\s,，;；、/]+", text_cell(value)) if part]


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one row: its number in the file (the header is row 1), the column's
    header as the template names it ("" for the row as a whole), and the words."""

    row: int
    column: str
    words: Text


_HEADER_OF = {kind: {column.field: column.headers[0] for column in columns}
              for kind, columns in COLUMNS.items()}  # fmt: skip


def header_of(kind: Kind, field: str) -> str:
    """A field of the sync's records ("items[0].sku", "phones[1]") as the sheet heads it."""
    base = re.sub(r"\[\d+\]", "", field).split(".")[-1]
    base = {"phones": "phone", "paid_total_fen": "paid_total", "unit_price_fen": "unit_price",
            "has_serial": "serialised", "items": "line_no"}.get(base, base)  # fmt: skip
    return _HEADER_OF[kind].get(base, "")


@dataclass(frozen=True)
class Read:
    """One record read from the sheet (an order from its consecutive rows), or what is wrong."""

    rows: tuple[int, ...]  # the sheet's row numbers it came from
    key: str  # the record's key (external id, SKU, order number, SN), for repeats
    record: object | None  # a domain.sync record; None when refused
    problems: tuple[RowProblem, ...] = ()


def _cell(row: Sequence[object], layout: Layout, field: str) -> object:
    at = layout.positions.get(field)
    return row[at] if at is not None and at < len(row) else None


class _Cells:
    """Reads a row's cells by field, collecting what cannot be read."""

    def __init__(self, kind: Kind, number: int, row: Sequence[object], layout: Layout) -> None:
        self.kind, self.number, self.row, self.layout = kind, number, row, layout
        self.problems: list[RowProblem] = []

    def get(self, field: str, read: Callable[[object], T], default: T) -> T:
        try:
            return read(_cell(self.row, self.layout, field))
        except CellError as refused:
            self.problems.append(RowProblem(self.number, _HEADER_OF[self.kind][field],
                                            refused.words))  # fmt: skip
            return default


def _refused(kind: Kind, rows: tuple[int, ...], key: str, found: list[Problem]) -> Read:
    problems = []
    for each in found:
        line = re.match(r"items\[(\d+)\]", each.field)
        row = rows[int(line.group(1))] if line and int(line.group(1)) < len(rows) else rows[0]
        problems.append(RowProblem(row, header_of(kind, each.field), each.words))
    return Read(rows, key, None, tuple(problems))


def read_records(
    kind: Kind, layout: Layout, rows: Iterable[tuple[int, Sequence[object]]], zone: tzinfo,
    now: datetime,
) -> Iterator[Read]:  # fmt: skip
    """The sheet's records in its order. Orders gather their consecutive rows (one per line)."""
    if kind is Kind.ORDERS:
        yield from _orders(layout, rows, zone, now)
        return
    for number, row in rows:
        cells = _Cells(kind, number, row, layout)
        key, found = _one(kind, cells, zone, now)
        if cells.problems:
            yield Read((number,), key, None, tuple(cells.problems))
        elif isinstance(found, list):
            yield _refused(kind, (number,), key, found)
        else:
            yield Read((number,), key, found)


def _one(kind: Kind, cells: _Cells, zone: tzinfo, now: datetime) -> tuple[str, object]:
    text = cells.get
    if kind is Kind.MERCHANTS:
        key = text("external_id", text_cell, "")
        phones = [text("phone", text_cell, ""), *serials_cell(text("other_phones", text_cell, ""))]
        return key, check_merchant(external_id=key, name=text("name", text_cell, ""),
                                   phones=[p for p in phones if p],
                                   email=text("email", text_cell, ""),
                                   address=text("address", text_cell, ""),
                                   mid=text("mid", text_cell, ""))  # fmt: skip
    if kind is Kind.PRODUCTS:
        key = text("sku", text_cell, "")
        return key, check_product(sku=key, name_zh=text("name_zh", text_cell, ""),
                                  name_en=text("name_en", text_cell, ""),
                                  category=text("category", category_cell, ""),
                                  has_serial=text("serialised", yes_no_cell, False),
                                  unit_price_fen=text("unit_price", yuan_cell, 0))  # fmt: skip
    key = text("serial_number", text_cell, "")
    return key, check_terminal(serial_number=key, now=now, mid=text("mid", text_cell, ""),
                               tid=text("tid", text_cell, ""),
                               bound=text("bound", yes_no_cell, False),
                               activated=text("activated", yes_no_cell, False),
                               last_transaction_at=text("last_transaction_at",
                                                        lambda v: moment_cell(v, zone), None))  # fmt: skip


def _orders(
    layout: Layout, rows: Iterable[tuple[int, Sequence[object]]], zone: tzinfo, now: datetime
) -> Iterator[Read]:
    group: list[tuple[int, Sequence[object]]] = []
    for number, row in rows:
        order_no = str(_cell(row, layout, "order_no") or "").strip()
        if group and str(_cell(group[0][1], layout, "order_no") or "").strip() != order_no:
            yield _order(layout, group, zone, now)
            group = []
        group.append((number, row))
    if group:
        yield _order(layout, group, zone, now)


def _order(
    layout: Layout, group: list[tuple[int, Sequence[object]]], zone: tzinfo, now: datetime
) -> Read:
    """An order from its rows: the order's own cells from its first row, a line from each."""
    numbers = tuple(number for number, _row in group)
    first = _Cells(Kind.ORDERS, *group[0], layout)
    key = first.get("order_no", text_cell, "")
    problems = first.problems
    lines = []
    for number, row in group:
        cells = _Cells(Kind.ORDERS, number, row, layout)
        lines.append(LineIn(cells.get("line_no", int_cell, 0), cells.get("sku", text_cell, ""),
                            cells.get("quantity", int_cell, 0),
                            cells.get("unit_price", yuan_cell, 0),
                            cells.get("serial_numbers", serials_cell, [])))  # fmt: skip
        problems.extend(cells.problems)
    at = lambda value: moment_cell(value, zone)  # noqa: E731
    completed = first.get("completed_at", at, None)
    if completed is None and not any(p.column == header_of(Kind.ORDERS, "completed_at")
                                     for p in problems):  # fmt: skip
        problems.append(RowProblem(numbers[0], header_of(Kind.ORDERS, "completed_at"),
                                   problem("completed_at", Code.REQUIRED).words))  # fmt: skip
    found = check_order(order_no=key,
                        merchant_external_id=first.get("merchant_external_id", text_cell, ""),
                        completed_at=completed or now,
                        paid_total_fen=first.get("paid_total", yuan_cell, 0), lines=lines,
                        now=now, channel=first.get("channel", text_cell, ""),
                        delivered_at=first.get("delivered_at", at, None),
                        invoice_issued=first.get("invoice_issued", yes_no_cell, False),
                        invoice_no=first.get("invoice_no", text_cell, ""))  # fmt: skip
    if problems:
        return Read(numbers, key, None, tuple(problems))
    if isinstance(found, list):
        return _refused(Kind.ORDERS, numbers, key, found)
    return Read(numbers, key, found)
