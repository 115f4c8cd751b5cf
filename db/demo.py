"""The demo `make dev` shows: the provider's sample exports (db/demo/: GBK CSVs and an XLSX, as a
provider's systems save them) taken in through the same import path as the admin's, re-dated to
today, then a few weeks of activity played through the same stores as the pages — requests in
every state, an appeal, a fee dispute, a failed inspection, refunds, a counter registration and a
partner's request — so every staff screen has something on first sign-in. Each part runs once:
`make dev` again adds nothing."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from db.conversations import open_side_case
from db.counter import Registration, register_return
from db.drafts import create_draft, save_reason, save_resolution, submit_draft
from db.evidence import stage
from db.files import FileStore
from db.imports import finish_run, new_run, take_reads
from db.partner_returns import PartnerDraft, create_partner_draft
from db.partners import all_clients, client_by_id
from db.returns import Applied, apply_action
from db.snapshots import load_snapshot
from db.spreadsheets import open_sheet
from db.tables import ImportRun, Merchant, Order, OrderItem, ReturnRequest, StaffUser
from domain.evidence import PreparedFile
from domain.imports import Layout, match_headers, read_records
from domain.inspection import CHECKLIST
from domain.lifecycle import Action, Actor, Command, Role
from domain.return_form import ChosenItem, RefundMethod, ResolutionChoice
from domain.side_cases import SideCaseKind
from domain.sync import Kind, OrderRecord, TerminalRecord
from domain.terms import FeePayer, ItemReceipt, Reason, Resolution

log = logging.getLogger("returndesk.demo")

SAMPLES = Path(__file__).parent / "demo"
EXPORT_DAY = datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # the samples' "today"
SAMPLE_FILES = ((Kind.MERCHANTS, "merchants-gbk.csv"), (Kind.PRODUCTS, "products-gbk.csv"),
                (Kind.ORDERS, "orders.xlsx"), (Kind.TERMINALS, "terminals-gbk.csv"))  # fmt: skip
IMPORTED_BY = "make dev"


def _redated(record: object, shift: timedelta) -> object:
    """A sample record moved from the export's day to today, so its orders are as recent."""
    if isinstance(record, OrderRecord):
        delivered = record.delivered_at + shift if record.delivered_at else None
        return replace(record, completed_at=record.completed_at + shift, delivered_at=delivered)
    if isinstance(record, TerminalRecord) and record.last_transaction_at:
        return replace(record, last_transaction_at=record.last_transaction_at + shift)
    return record


async def import_samples(now: datetime, zone: ZoneInfo) -> None:
    """Each sample export imported once, as a supervisor would (it shows under /staff/imports)."""
    shift = timedelta(days=(now.astimezone(zone).date() - EXPORT_DAY.date()).days)
    for kind, name in SAMPLE_FILES:
        if await ImportRun.exists().where(ImportRun.file_name == name):
            continue
        sheet = open_sheet(SAMPLES / name)
        layout = match_headers(kind, sheet.header)
        assert isinstance(layout, Layout), layout  # our own sample: its headers are the template's
        run_id = await new_run(kind, name, "", sum(1 for _ in sheet.rows()), 0, IMPORTED_BY)
        reads = (replace(read, record=_redated(read.record, shift)) if read.record else read
                 for read in read_records(kind, layout, sheet.rows(), zone, now))  # fmt: skip
        await take_reads(run_id, kind, reads, now)
        await finish_run(run_id, now)


@dataclass(frozen=True)
class Story:
    """One demo request: whose order, how it was filed, and what happened to it since."""

    order_no: str
    days_ago: int  # when it was filed
    reason: Reason
    steps: tuple[tuple[Action, str, dict[str, Any]], ...]  # (action, who: a role, fields)
    description: str = ""
    channel: str = "web"  # "web", "counter" or "partner"


_PAY = {"payment_reference": "ZF20261120001", "invoice_reversal": "红字发票 04401112"}
_SHIP = {"carrier": "顺丰速运", "tracking_number": "SF1402345678901"}
_REJECT = {"reason_code": "damage_by_use", "message": "照片显示有人为进水痕迹，不在退货范围内。"}
STORIES = (
    Story("DD20261101", 1, Reason.CHANGE_OF_MIND, (), "店里换了收银方案，这台用不上了。"),
    Story("DD20261102", 3, Reason.OTHER, (), "打印偶尔卡纸，不确定是不是机器的问题。"),
    Story(
        "DD20261103",
        5,
        Reason.CHANGE_OF_MIND,
        ((Action.ASK_INFO, "reviewer", {"message": "请补充机器背面序列号标签的照片。"}),),
        "不需要这么多台。",
    ),
    Story(
        "DD20261104", 7, Reason.CHANGE_OF_MIND, ((Action.APPROVE, "reviewer", {}),), "多买了一台。"
    ),
    Story(
        "DD20261105",
        9,
        Reason.OTHER,
        (
            (Action.APPROVE, "reviewer", {"fee_payer": FeePayer.PLATFORM}),
            (Action.SHIP, "merchant", _SHIP),
        ),
        "屏幕有亮点。",
    ),
    Story(
        "DD20261106",
        11,
        Reason.OTHER,
        (
            (Action.APPROVE, "reviewer", {"fee_payer": FeePayer.MERCHANT}),
            (Action.SHIP, "merchant", _SHIP),
            (Action.RECEIVE, "inspector", {}),
        ),
        "按键不灵。",
    ),
    Story(
        "DD20261111",
        12,
        Reason.CHANGE_OF_MIND,
        (
            (Action.APPROVE, "reviewer", {}),
            (Action.SHIP, "merchant", _SHIP),
            (Action.RECEIVE, "inspector", {}),
            (Action.INSPECT_PASS, "inspector", {}),
        ),
        "门店关闭。",
    ),
    Story(
        "DD20261112",
        16,
        Reason.CHANGE_OF_MIND,
        (
            (Action.APPROVE, "reviewer", {}),
            (Action.SHIP, "merchant", _SHIP),
            (Action.RECEIVE, "inspector", {}),
            (Action.INSPECT_PASS, "inspector", {}),
            (Action.REFUND, "finance", _PAY),
        ),
        "用不上了。",
    ),
    Story(
        "DD20261113",
        6,
        Reason.OTHER,
        ((Action.REJECT, "reviewer", _REJECT),),
        "机器进水后无法开机。",
    ),
    Story(
        "DD20261114",
        10,
        Reason.OTHER,
        (
            (Action.REJECT, "reviewer", _REJECT),
            (Action.APPEAL, "merchant", {"message": "机器到货时就有水渍，附开箱视频截图。"}),
        ),
        "无法开机。",
    ),
    Story(
        "DD20261115",
        14,
        Reason.OTHER,
        (
            (Action.APPROVE, "reviewer", {"fee_payer": FeePayer.MERCHANT}),
            (Action.SHIP, "merchant", _SHIP),
            (Action.RECEIVE, "inspector", {}),
            (Action.INSPECT_FAIL, "inspector", {"message": "外壳有明显摔裂，非质量问题。"}),
        ),
        "开机后黑屏。",
    ),
    Story("DD20261121", 2, Reason.CHANGE_OF_MIND, (), "换了别家的收款码。", channel="counter"),
    Story(
        "DD20261122",
        4,
        Reason.CHANGE_OF_MIND,
        ((Action.APPROVE, "reviewer", {}),),
        "合作门店代为申请。",
        channel="partner",
    ),
    Story(
        "DD20261123", 8, Reason.CHANGE_OF_MIND, ((Action.CANCEL, "merchant", {}),), "后来又用上了。"
    ),
)  # fmt: skip
FEE_DISPUTE_ON = "DD20261106"  # the merchant disputes paying the return shipping


async def play_stories(now: datetime, store: FileStore, secret_key: str) -> None:
    """The demo's requests, once: nothing happens where a demo order already has a request."""
    for story in STORIES:
        order = await Order.select(Order.id, Order.merchant).where(
            Order.order_no == story.order_no).first()  # fmt: skip
        if order is None or await ReturnRequest.exists().where(ReturnRequest.order == order["id"]):
            continue
        try:
            await _play(story, order["id"], order["merchant"], now, store, secret_key)
        except Exception:  # a demo that cannot play a story still starts
            log.exception("the demo request for %s could not be played", story.order_no)


async def _play(story: Story, order_id: int, merchant_id: int, now: datetime,
                store: FileStore, secret_key: str) -> None:  # fmt: skip
    merchant = await Merchant.select(Merchant.name, Merchant.phone).where(
        Merchant.id == merchant_id).first()  # fmt: skip
    assert merchant is not None
    lines = await OrderItem.select(OrderItem.id, OrderItem.serial_number).where(
        OrderItem.order == order_id)  # fmt: skip
    items = [ChosenItem(line["id"], 1, line["serial_number"]) for line in lines]
    at = now - timedelta(days=story.days_ago, hours=3)
    request_id = await _filed(story, order_id, merchant_id, merchant, items, at, store, secret_key)
    if request_id is None:
        return
    for n, (action, who, fields) in enumerate(story.steps, 1):
        when = at + timedelta(hours=20 * n)
        fields = await _completed(action, request_id, fields)
        actor, name = await _actor(who, merchant_id, merchant["name"])
        photos = [await _photo(store, request_id, actor)] if action is Action.INSPECT_FAIL else []
        result = await apply_action(request_id, Command(action, **fields), actor, when,
                                    actor_name=name, staged_files=photos)  # fmt: skip
        if not isinstance(result, Applied):
            log.warning("demo %s: %s refused: %s", story.order_no, action.value, result)
            return
    if story.order_no == FEE_DISPUTE_ON:
        snapshot = await load_snapshot(request_id)
        await open_side_case(request_id, SideCaseKind.FEE_DISPUTE, Actor(
            Role.MERCHANT, f"merchant:{merchant_id}", merchant_id), merchant["name"],
            "按键失灵是质量问题，退货运费不应由我承担。", at + timedelta(days=2),
            expected_version=snapshot.version)  # fmt: skip


async def _filed(story: Story, order_id: int, merchant_id: int, merchant: dict[str, Any],
                 items: list[ChosenItem], at: datetime, store: FileStore,
                 secret_key: str) -> int | None:  # fmt: skip
    """The story's request, submitted through its channel's own path."""
    choice = ResolutionChoice(Resolution.REFUND, RefundMethod.ORIGINAL, "", "", "",
                              merchant["phone"])  # fmt: skip
    if story.channel == "counter":
        counter = await _staff("counter")
        registration = Registration(merchant_id, order_id, items, story.reason, story.description,
                                    Resolution.REFUND, merchant["phone"], counter["outlet"])  # fmt: skip
        actor = Actor(Role.COUNTER, f"staff:{counter['id']}", None, counter["outlet"])
        result = await register_return(registration, actor, counter["display_name"], (), store, at)
        return result.request_id if isinstance(result, Applied) else None
    if story.channel == "partner":
        found = [c for c in await all_clients() if c["active"]]
        client = await client_by_id(int(found[0]["id"])) if found else None
        if client is None:
            return None
        draft = PartnerDraft(merchant_id, order_id, items, story.reason, story.description, choice)
        request_id = await create_partner_draft(client, draft, secret_key, at)
        partner = Actor(Role.PARTNER, client.actor_id, merchant_id, client.outlet_id)
        result = await apply_action(request_id, Command(Action.SUBMIT), partner, at,
                                    actor_name=client.name)  # fmt: skip
        return request_id if isinstance(result, Applied) else None
    request_id = await create_draft(merchant_id, order_id, items, f"demo:{story.order_no}",
                                    merchant["phone"], at)  # fmt: skip
    await save_reason(request_id, merchant_id, story.reason, story.description, at)
    await save_resolution(request_id, merchant_id, choice, secret_key, at)
    result = await submit_draft(request_id, merchant_id, merchant["name"], at)
    return request_id if isinstance(result, Applied) else None


async def _completed(action: Action, request_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    """What an inspector reads off the parcel, filled in from the request itself."""
    if action is Action.RECEIVE:
        items = (await load_snapshot(request_id)).items
        return {**fields, "receipts": tuple((i.order_item_id, ItemReceipt.RECEIVED) for i in items)}
    if action is Action.INSPECT_PASS:
        items = (await load_snapshot(request_id)).items
        serials = tuple(i.serial_number for i in items if i.serial_number)
        return {**fields, "checklist": tuple(CHECKLIST), "confirmed_serials": serials}
    return fields


async def _photo(store: FileStore, request_id: int, actor: Actor) -> int:
    """The inspector's photo of what failed, staged for the decision as the form's upload is."""
    content = (SAMPLES / "cracked-case.jpg").read_bytes()
    prepared = PreparedFile("外壳裂纹.jpg", "image", "image/jpeg", ".jpg", content, None,
                            hashlib.sha256(content).hexdigest(), None)  # fmt: skip
    return await stage(store, request_id, actor.id, prepared)


async def _staff(role: str) -> dict[str, Any]:
    row = await StaffUser.select(StaffUser.id, StaffUser.display_name, StaffUser.outlet).where(
        StaffUser.role == role).order_by(StaffUser.id).first()  # fmt: skip
    assert row is not None, role  # the demo's staff are seeded first
    return row


async def _actor(who: str, merchant_id: int, merchant_name: str) -> tuple[Actor, str]:
    if who == "merchant":
        return Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id), merchant_name
    staff = await _staff(who)
    return Actor(Role(who), f"staff:{staff['id']}"), staff["display_name"]
