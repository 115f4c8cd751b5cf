"""The SMTP and HTTP SMS gateways against small local servers the tests start: a message is
sent once, a refusal is logged and retried, the log never keeps a sign-in code in clear."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from db.tables import GatewayMessage
from tests.integration.fake_sms import KEY, Provider, sms_provider
from workers.gateways import (
    ByChannel,
    DevOutboxGateway,
    GatewayError,
    HttpSmsGateway,
    Outgoing,
    SmtpGateway,
    deliver,
)


class _Inbox:
    def __init__(self) -> None:
        self.mails: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[int, _Inbox]]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


@pytest.fixture
def provider() -> Iterator[Provider]:
    with sms_provider() as running:
        yield running


async def test_an_email_goes_through_smtp_once(smtp: tuple[int, _Inbox]) -> None:
    port, inbox = smtp
    gateway = SmtpGateway(f"smtp://127.0.0.1:{port}", "ReturnDesk <noreply@example.com>")
    mail = Outgoing(
        "notify:1:email",
        "email",
        "shop@example.com",
        "退货申请已批准。",
        "退货申请已批准。",
        "ReturnDesk RD2612",
    )
    assert await deliver(gateway, mail) == "sent"
    assert await deliver(gateway, mail) == "sent before"
    await asyncio.sleep(0.1)
    assert len(inbox.mails) == 1 and inbox.mails[0].rcpt_tos == ["shop@example.com"]
    from email import message_from_bytes, policy

    sent = message_from_bytes(inbox.mails[0].content, policy=policy.default)
    assert sent["Subject"] == "ReturnDesk RD2612" and "退货申请已批准" in sent.get_content()


async def test_an_unreachable_smtp_server_is_a_logged_failure_to_retry() -> None:
    gateway = SmtpGateway("smtp://127.0.0.1:9", "x@example.com", timeout=2)
    with pytest.raises(GatewayError):
        await deliver(gateway, Outgoing("notify:2:email", "email", "a@example.com", "hi", "hi"))
    rows = await GatewayMessage.select(GatewayMessage.status, GatewayMessage.gateway).where(
        GatewayMessage.key == "notify:2:email"
    )
    assert rows == [{"status": "failed", "gateway": "smtp"}]


async def test_an_sms_provider_that_fails_then_succeeds_sends_once(provider: Provider) -> None:
    gateway = HttpSmsGateway(provider.url, KEY)
    provider.fail_next = 1
    sms = Outgoing("signin:abc", "sms", "13800138000", "您的验证码是 123456", "您的验证码是 ••••••")
    with pytest.raises(GatewayError, match="503"):
        await deliver(gateway, sms)
    assert await deliver(gateway, sms) == "sent"
    assert await deliver(gateway, sms) == "sent before"
    assert [m["idempotency_key"] for m in provider.received] == ["signin:abc"]
    log = (
        await GatewayMessage.select(
            GatewayMessage.status, GatewayMessage.body, GatewayMessage.response
        )
        .where(GatewayMessage.key == "signin:abc")
        .order_by(GatewayMessage.id)
    )
    assert [row["status"] for row in log] == ["failed", "sent"]
    assert all("123456" not in row["body"] for row in log) and log[1]["response"] == "msg-1"


async def test_a_wrong_key_is_refused_and_logged(provider: Provider) -> None:
    with pytest.raises(GatewayError, match="401"):
        await deliver(
            HttpSmsGateway(provider.url, "wrong"), Outgoing("k:1", "sms", "13800138000", "x", "x")
        )


async def test_each_channel_goes_to_its_own_gateway(
    provider: Provider, smtp: tuple[int, _Inbox]
) -> None:
    port, inbox = smtp
    both = ByChannel(
        HttpSmsGateway(provider.url, KEY), SmtpGateway(f"smtp://127.0.0.1:{port}", "x@example.com")
    )
    await deliver(both, Outgoing("n:1:sms", "sms", "13800138000", "短信", "短信"))
    await deliver(both, Outgoing("n:1:email", "email", "a@example.com", "邮件", "邮件"))
    await asyncio.sleep(0.1)
    assert len(provider.received) == 1 and len(inbox.mails) == 1
    assert DevOutboxGateway().name == "dev_outbox"


async def test_a_merchant_with_an_email_address_is_mailed_too() -> None:
    from datetime import UTC, datetime

    from db.tables import Merchant, OutboxRow
    from tests.integration import factories

    with_mail, without = await factories.merchant(), await factories.merchant()
    await Merchant.update({Merchant.email: "shop@example.com"}).where(Merchant.id == with_mail)
    for merchant in (with_mail, without):
        await factories.submitted(merchant, datetime.now(UTC))
    channels = [
        row["key"].rsplit(":", 1)[1]
        for row in await OutboxRow.select(OutboxRow.key).where(OutboxRow.job == "send_notification")
    ]
    assert sorted(channels) == ["email", "sms", "sms"]
