"""Reading an uploaded export's rows one at a time, whatever it is: a CSV in UTF-8 (with or without
a BOM) or in GBK/GB18030 as Excel in China saves it, or an XLSX workbook (its first sheet),
streamed so that a large file costs what one row costs. What cannot be read is refused before a
row is taken, in words: an unknown encoding, a zip that would unpack to more than a workbook
holds (a zip bomb), a file that is neither."""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from domain.imports import MAX_ROWS
from domain.text import N_, Text

MAX_FILE_BYTES = 20 * 1024 * 1024  # an export of 100,000 rows is a few MB
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # what an XLSX's parts may unpack to, together
MAX_RATIO = 100  # unpacked ÷ packed for any part: real sheets compress 5-20×
SNIFF_BYTES = 64 * 1024
_ZIP_MAGIC = b"PK\x03\x04"


class Unreadable(Exception):
    """The file cannot be read as an export; the words say why (nothing was taken from it)."""

    def __init__(self, words: Text) -> None:
        super().__init__(words.msgid)
        self.words = words


@dataclass(frozen=True)
class Sheet:
    """An export's header and a way to read its data rows (numbered from 2, as a spreadsheet
    shows them); `rows()` may be called again to read it anew."""

    path: Path
    kind: str  # "csv" or "xlsx"
    encoding: str  # the CSV's ("utf-8-sig", "gb18030"); "" for a workbook
    header: tuple[object, ...]

    def rows(self) -> Iterator[tuple[int, tuple[object, ...]]]:
        reader = (
            _csv_rows(self.path, self.encoding) if self.kind == "csv" else _xlsx_rows(self.path)
        )
        next(reader, None)  # the header
        for number, row in enumerate(reader, 2):
            if number > MAX_ROWS + 1:
                raise Unreadable(Text(N_("The file has more than %(limit)s rows: split it into "
                                         "smaller files."), {"limit": MAX_ROWS}))  # fmt: skip
            if any(cell not in (None, "") for cell in row):  # blank rows are skipped
                yield number, row


def open_sheet(path: Path) -> Sheet:
    """The export at `path`, checked and its header read."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise Unreadable(Text(N_("The file is larger than %(mb)s MB."),
                              {"mb": MAX_FILE_BYTES // (1024 * 1024)}))  # fmt: skip
    with path.open("rb") as file:
        head = file.read(SNIFF_BYTES)
    if head.startswith(_ZIP_MAGIC):
        _check_workbook(path)
        kind, encoding = "xlsx", ""
        rows = _xlsx_rows(path)
    else:
        kind, encoding = "csv", _encoding_of(head)
        rows = _csv_rows(path, encoding)
    header = next(rows, None)
    if header is None or not any(cell not in (None, "") for cell in header):
        raise Unreadable(Text(N_("The file is empty: its first row should be the headers.")))
    return Sheet(path, kind, encoding, tuple(header))


def _encoding_of(head: bytes) -> str:
    """UTF-8 (a BOM or not) where the bytes are UTF-8, else GB18030 (GBK's superset) where they
    are that; anything else is refused rather than read as something it is not."""
    if b"\x00" in head:
        raise Unreadable(Text(N_("This is not a CSV or XLSX file.")))
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            decoder.decode(head, final=False)  # a character cut at the sample's end is fine
            return encoding
        except UnicodeDecodeError:
            continue
    raise Unreadable(Text(N_("The file's characters are in an encoding ReturnDesk does not read: "
                             "save it as CSV UTF-8 or as an Excel workbook.")))  # fmt: skip


def _csv_rows(path: Path, encoding: str) -> Iterator[tuple[object, ...]]:
    with path.open("r", encoding=encoding, newline="") as text:
        try:
            # the field limit bounds one cell; csv refuses a longer one with csv.Error
            for row in csv.reader(_bounded_lines(text)):
                yield tuple(row)
        except UnicodeDecodeError:
            raise Unreadable(Text(N_("Part of the file is in another encoding than its start: "
                                     "save it again as CSV UTF-8."))) from None  # fmt: skip
        except csv.Error:
            raise Unreadable(Text(N_("The file is not a well-formed CSV."))) from None


def _bounded_lines(text: IO[str]) -> Iterator[str]:
    """Lines at most 64 KB long: a file of one endless line is not an export."""
    while line := text.readline(SNIFF_BYTES + 1):
        if len(line) > SNIFF_BYTES:
            raise Unreadable(Text(N_("The file is not a well-formed CSV.")))
        yield line


def _check_workbook(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except zipfile.BadZipFile:
        raise Unreadable(Text(N_("This is not a CSV or XLSX file."))) from None
    unpacked = sum(part.file_size for part in parts)
    if (
        len(parts) > 1_000
        or unpacked > MAX_UNPACKED_BYTES
        or any(
            part.file_size > MAX_RATIO * max(part.compress_size, 1) and part.file_size > 1024 * 1024
            for part in parts
        )
    ):
        raise Unreadable(Text(N_("The workbook unpacks to far more than a spreadsheet holds: "
                                 "it is refused.")))  # fmt: skip
    if "xl/workbook.xml" not in {part.filename for part in parts}:
        raise Unreadable(Text(N_("This is not a CSV or XLSX file.")))


def _xlsx_rows(path: Path) -> Iterator[tuple[object, ...]]:
    from openpyxl import load_workbook

    try:
        # read-only streams the sheet's XML; formulas stay formulas (data_only=False), so that
        # a cell whose value Excel computed is refused rather than read as its formula's text
        book = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise Unreadable(Text(N_("This is not a CSV or XLSX file."))) from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            return
        for row in sheet.iter_rows(values_only=True):
            yield tuple(row)
    finally:
        book.close()
