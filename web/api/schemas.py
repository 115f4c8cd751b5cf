"""What partners send the API: typed bodies Litestar validates (msgspec), each field bounded, so
a body of the wrong shape is a 400 naming its fields before any handler runs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar.openapi.spec import Example
from litestar.params import Body
from msgspec import Meta

from domain.limits import MAX_DESCRIPTION, MAX_MESSAGE, MAX_SHORT
from domain.partners import EVENT_TYPES

Id = Annotated[int, Meta(ge=1, le=2**31 - 1, description="A row id.")]
FileIds = Annotated[
    list[Id],
    Meta(max_length=10, description="Files uploaded first with POST …/files (at most 10)."),
]
Message = Annotated[str, Meta(max_length=MAX_MESSAGE)]
Short = Annotated[str, Meta(max_length=MAX_SHORT)]


class ItemIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    order_item_id: Id
    quantity: Annotated[int, Meta(ge=1, le=10_000)] = 1
    serial_number: Annotated[str, Meta(max_length=64)] | None = None


class RefundIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    method: Literal["original", "bank_transfer", "alipay"]
    account_holder: Annotated[str, Meta(max_length=100)] = ""
    bank: Annotated[str, Meta(max_length=100)] = ""
    account: Annotated[str, Meta(max_length=64, description="Bank account or Alipay account.")] = ""


class ReturnIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new return request, filed for a merchant as a draft: check it, add evidence, submit."""

    merchant_id: Id
    order_no: Annotated[str, Meta(min_length=1, max_length=40)]
    items: Annotated[list[ItemIn], Meta(min_length=1, max_length=200)]
    reason: Literal[
        "quality_defect",
        "wrong_item",
        "damaged_in_transit",
        "not_as_described",
        "change_of_mind",
        "other",
    ]
    description: Annotated[str, Meta(max_length=MAX_DESCRIPTION)] = ""
    resolution: Literal["refund", "exchange"] = "refund"
    refund: RefundIn | None = None
    contact_phone: Annotated[
        str, Meta(max_length=20, description="For this return; the merchant's own if empty.")
    ] = ""


class ShipIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    carrier: Short
    tracking_number: Short


class CancelIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    message: Message = ""


class StatementIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What the merchant says (an appeal's statement, an answer to a question), with files."""

    message: Message
    files: FileIds = msgspec.field(default_factory=list)


class MessageIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    body: Message = ""
    files: FileIds = msgspec.field(default_factory=list)


EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]


class SubscriptionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    url: Annotated[str, Meta(min_length=8, max_length=500)]
    events: Annotated[list[EventType], Meta(max_length=len(EVENT_TYPES))] = msgspec.field(
        default_factory=list
    )
    active: bool = True


def _example(summary: str, value: dict[str, object]) -> Any:
    """A JSON body's example, for the reference."""
    return Body(examples=[Example(summary=summary, value=value)])


ReturnBody = Annotated[ReturnIn, _example("A terminal that does not turn on, refunded by bank transfer", {
    "merchant_id": 7, "order_no": "PO20261120001",
    "items": [{"order_item_id": 31, "serial_number": "P8A00012345"}],
    "reason": "quality_defect", "description": "开机无反应，充电指示灯不亮",
    "resolution": "refund",
    "refund": {"method": "bank_transfer", "account_holder": "上海小杨生煎", "bank": "招商银行徐汇支行",
               "account": "6225880212345678"},
    "contact_phone": "13800138000",
})]  # fmt: skip
ShipBody = Annotated[ShipIn, _example("Sent back with SF Express",
                                      {"carrier": "顺丰速运", "tracking_number": "SF1234567890"})]  # fmt: skip
CancelBody = Annotated[
    CancelIn | None, _example("The merchant changed their mind", {"message": "商户决定不退了"})
]
StatementBody = Annotated[StatementIn, _example("An appeal with a photo uploaded first",
                                                {"message": "到货即坏，附开箱照片", "files": [58]})]  # fmt: skip
MessageBody = Annotated[MessageIn, _example("A question to customer service",
                                            {"body": "请问可以用原包装寄回吗？", "files": []})]  # fmt: skip
SubscriptionBody = Annotated[SubscriptionIn, _example("Every state change and message", {
    "url": "https://pos.example.com/hooks/returndesk",
    "events": ["return.approved", "return.rejected", "message.created"], "active": True,
})]  # fmt: skip
