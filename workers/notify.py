"""Notification jobs: tell the merchant by SMS or e-mail what the in-app notification says,
and send sign-in codes while they are still worth having."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from db.crypto import open_code
from db.deliveries import notification_work
from db.outbox import payload_of, replace_payload
from workers.gateways import ByChannel, Gateway, Outgoing, deliver
from workers.messages import masked_sign_in_code_text, notice_message, sign_in_code_text
from workers.runner import run_once

log = logging.getLogger("returndesk.notify")


async def send_notification(ctx: dict[str, Any], key: str, request_id: str = "") -> str:
    gateway: Gateway | ByChannel = ctx["gateway"]

    async def work() -> str:
        facts = await notification_work(key)
        if facts is None:
            return "no such work"
        payload, recipient = facts.payload, facts.recipient
        if recipient is None:
            return "request gone"
        channel = payload["channel"]
        address = recipient.phone if channel == "sms" else recipient.email
        if not address:
            return "no address on file"
        params = payload.get("params") or {}
        link = f"{ctx.get('site_url', '')}/returns/{params.get('rma', '')}"
        text = notice_message(payload["kind"], recipient.locale, params, link)
        body = text.email if channel == "email" else text.sms
        message = Outgoing(key, channel, address, body, body, text.subject)
        return await deliver(gateway, message, sent_before=facts.sent_before)

    return await run_once(ctx, key, "send_notification", work, request_id=request_id)


async def send_sign_in_code(ctx: dict[str, Any], key: str, request_id: str = "") -> str:
    """The code travels sealed; once sent (or too old to use) the row no longer holds it."""
    gateway: Gateway | ByChannel = ctx["gateway"]

    async def work() -> str:
        payload = await payload_of(key) or {}
        sealed = payload.get("sealed_code")
        if not sealed:
            return "nothing to send"
        phone, locale = payload["phone"], payload.get("locale", "zh_CN")
        expires_at = datetime.fromisoformat(payload["expires_at"])
        if datetime.now(UTC) >= expires_at:
            # a code that arrives after it expired only confuses: drop it, say so in the log
            log.warning("sign-in code %s dropped: expired before it could be sent", key)
            await replace_payload(key, {"phone": phone, "expired": True})
            return "dropped: expired"
        code, outlet = open_code(ctx["secret_key"], sealed), str(payload.get("outlet", ""))
        text = Outgoing(
            key,
            "sms",
            phone,
            sign_in_code_text(code, locale, outlet),
            masked_sign_in_code_text(locale, outlet),
        )
        result = await deliver(gateway, text)
        await replace_payload(key, {"phone": phone})
        return result

    return await run_once(ctx, key, "send_sign_in_code", work, request_id=request_id)
