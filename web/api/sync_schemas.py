"""What the provider's systems send the sync API: typed records Litestar validates (msgspec),
each field bounded, so a batch of the wrong shape is a 400 naming its fields before anything is
read. What a record means (a phone that is a phone, a date not in the future) is domain.sync's
to check, record by record."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar.openapi.spec import Example
from litestar.params import Body
from msgspec import Meta

from domain.sync import BATCH_LIMIT, MAX_LINES, MAX_PHONES, MAX_UNITS

# bounded above what domain.sync accepts, so that its words (not a shape error) say what is wrong
Str = Annotated[str, Meta(max_length=1_000)]
Fen = Annotated[int, Meta(ge=-(2**62), le=2**62, description="An amount in fen (0.01 yuan).")]
Moment = Annotated[datetime, Meta(description="RFC 3339, with its offset.")]


class MerchantIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    external_id: Annotated[str, Meta(max_length=1_000, description="The merchant's id upstream.")]
    name: Str
    phones: Annotated[list[Str], Meta(max_length=MAX_PHONES * 2, description=(
        "Mainland mobile numbers; the first is the one the merchant signs in with."))]  # fmt: skip
    email: Str = ""
    address: Str = ""
    mid: Annotated[str, Meta(max_length=1_000, description="Merchant number (MID).")] = ""


class ProductIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    sku: Str
    name_zh: Str
    name_en: Str = ""
    category: Annotated[str, Meta(max_length=1_000, description=(
        "terminal, accessory or consumable."))]  # fmt: skip
    serialised: Annotated[bool, Meta(description="Each unit has a serial number.")] = False
    unit_price_fen: Fen = 0


class OrderLineIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    line_no: Annotated[int, Meta(ge=-(2**31), le=2**31, description="The order's line number.")]
    sku: Str
    quantity: Annotated[int, Meta(ge=-(2**31), le=2**31)] = 1
    unit_price_fen: Fen
    serial_numbers: Annotated[list[Str], Meta(max_length=MAX_UNITS * 2)] = []


class OrderIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    order_no: Str
    merchant_external_id: Str
    channel: Annotated[str, Meta(max_length=1_000, description="Where it was sold.")] = ""
    completed_at: Moment
    delivered_at: Moment | None = None
    paid_total_fen: Fen
    invoice_issued: bool = False
    invoice_no: Str = ""
    items: Annotated[list[OrderLineIn], Meta(max_length=MAX_LINES * 2)]


class TerminalIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    serial_number: Str
    mid: Str = ""
    tid: Str = ""
    bound: bool = False
    activated: bool = False
    last_transaction_at: Moment | None = None


Batch = Meta(min_length=1, max_length=BATCH_LIMIT)


class MerchantBatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    records: Annotated[list[MerchantIn], Batch]


class ProductBatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    records: Annotated[list[ProductIn], Batch]


class OrderBatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    records: Annotated[list[OrderIn], Batch]


class TerminalBatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    records: Annotated[list[TerminalIn], Batch]


def _example(summary: str, value: dict[str, Any]) -> Any:
    return Body(examples=[Example(summary=summary, value=value)])


MerchantBody = Annotated[MerchantBatch, _example("Two merchants", {"records": [
    {"external_id": "M-100231", "name": "上海小杨生煎（静安店）", "phones": ["13800138000"],
     "email": "jingan@example.com", "address": "上海市静安区南京西路 1 号", "mid": "898310058120001"},
    {"external_id": "M-100232", "name": "杭州小笼包（西湖店）",
     "phones": ["13900139000", "13700137000"]},
]})]  # fmt: skip
ProductBody = Annotated[ProductBatch, _example("A terminal and its dock", {"records": [
    {"sku": "P8-SMART", "name_zh": "智能POS终端 P8", "name_en": "Smart POS terminal P8",
     "category": "terminal", "serialised": True, "unit_price_fen": 128000},
    {"sku": "DOCK-P8", "name_zh": "P8 充电底座", "name_en": "P8 charging dock",
     "category": "accessory", "serialised": False, "unit_price_fen": 8900},
]})]  # fmt: skip
OrderBody = Annotated[OrderBatch, _example("An order of two terminals and a dock", {"records": [
    {"order_no": "DD20261118001", "merchant_external_id": "M-100231", "channel": "online",
     "completed_at": "2026-11-18T10:30:00+08:00", "delivered_at": "2026-11-17T16:00:00+08:00",
     "paid_total_fen": 264900, "invoice_issued": True, "invoice_no": "04400123",
     "items": [{"line_no": 1, "sku": "P8-SMART", "quantity": 2, "unit_price_fen": 128000,
                "serial_numbers": ["P8A2611000101", "P8A2611000102"]},
               {"line_no": 2, "sku": "DOCK-P8", "quantity": 1, "unit_price_fen": 8900}]},
]})]  # fmt: skip
TerminalBody = Annotated[TerminalBatch, _example("A terminal still bound, last used yesterday", {
    "records": [{"serial_number": "P8A2611000101", "mid": "898310058120001", "tid": "10000101",
                 "bound": True, "activated": True,
                 "last_transaction_at": "2026-12-03T19:42:00+08:00"}]})]  # fmt: skip
