"""Notification jobs: tell the merchant by SMS or e-mail what the in-app notification already says."""

from __future__ import annotations

from typing import Any

from arq import Retry

from db.outbox import payload_of
from db.tables import Event, Merchant, OutboxRow, ReturnRequest
from domain.notices import SIGN_IN_CODE_TEXT
from workers.bookkeeping import once
from workers.gateways import Gateway, GatewayError, deliver
from workers.messages import notice_text, translate


async def send_notification(ctx: dict[str, Any], key: str) -> str:
    gateway: Gateway = ctx["gateway"]
    payload = await payload_of(key)
    if payload is None:
        return "no such work"
    event = await Event.select(Event.request).where(Event.id == payload["event_id"]).first()
    if event is None:
        return "event gone"
    request = (
        await ReturnRequest.select(
            ReturnRequest.rma, ReturnRequest.contact_phone, ReturnRequest.merchant
        )
        .where(ReturnRequest.id == event["request"])
        .first()
    )
    if request is None:
        return "request gone"
    merchant = await Merchant.select().where(Merchant.id == request["merchant"]).first()
    if merchant is None:
        return "merchant gone"
    channel = payload["channel"]
    recipient = (
        (request["contact_phone"] or merchant["phone"]) if channel == "sms" else merchant["email"]
    )
    if not recipient:
        return "no address on file"
    body = notice_text(payload["kind"], merchant["locale"], request["rma"] or "")

    async def send() -> str:
        await deliver(gateway, key=key, channel=channel, recipient=recipient, body=body)
        return "sent"

    try:
        await once(key, "send_notification", send)
    except GatewayError as error:
        raise Retry(defer=ctx["job_try"] * 5) from error
    return "sent"


async def send_sign_in_code(ctx: dict[str, Any], key: str) -> str:
    """The one-time code goes out by SMS; afterwards the outbox row no longer holds it."""
    gateway: Gateway = ctx["gateway"]
    payload = await payload_of(key) or {}
    code = payload.get("code")
    if not code:
        return "already sent"
    body = translate(SIGN_IN_CODE_TEXT, payload.get("locale", "zh_CN"), code=code)

    async def send() -> str:
        await deliver(gateway, key=key, channel="sms", recipient=payload["phone"], body=body)
        return "sent"

    try:
        await once(key, "send_sign_in_code", send)
    except GatewayError as error:
        raise Retry(defer=ctx["job_try"] * 2) from error
    await OutboxRow.update({OutboxRow.payload: {"phone": payload["phone"], "code": ""}}).where(
        OutboxRow.key == key
    )
    return "sent"
