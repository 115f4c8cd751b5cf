"""The SMS and e-mail texts in templates/messages/: every event that sends an SMS has its file in
every language, names only what its notice carries, and fits one SMS; the codes too."""

from __future__ import annotations

from datetime import UTC, datetime

import jinja2
import jinja2.meta
import pytest

import texts
from domain.lifecycle import TRANSITIONS
from domain.notices import notice_fields
from workers.messages import (
    MESSAGES_DIR,
    masked_sign_in_code_text,
    notice_message,
    sign_in_code_text,
)

SMS_EVENTS = sorted({t.action.value for t in TRANSITIONS if "sms" in t.notify} | {"expiring_soon"})
RMA = "RD2612-D7J7-H7X2"
LINK = f"https://returns.example.com/returns/{RMA}"
# one SMS segment: 70 characters in Chinese (UCS-2), 160 in the GSM alphabet
LIMITS = {"zh_CN": 70, "en": 160}
GSM = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def _params(kind: str) -> dict[str, object]:
    # a late date of a two-digit month and day: the longest a date gets
    late = {"datetime": datetime(2026, 12, 16, 9, 43, tzinfo=UTC).isoformat()}
    return {"rma": RMA, **{name: late for name in notice_fields(kind)}}


def test_the_sms_events_are_the_ones_the_design_names() -> None:
    # DESIGN §6: needs info, approved, rejected, appeal decided, refunded, expiring soon
    assert {
        "ask_info",
        "approve",
        "reject",
        "uphold",
        "overturn",
        "refund",
        "expiring_soon",
    } <= set(SMS_EVENTS)


@pytest.mark.parametrize("locale", texts.LOCALES)
@pytest.mark.parametrize("kind", SMS_EVENTS)
def test_each_event_has_a_file_naming_only_what_its_notice_carries(kind: str, locale: str) -> None:
    path = MESSAGES_DIR / locale / f"{kind}.txt"
    source = path.read_text(encoding="utf-8")
    names = jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(source))

    assert names <= {"rma", "link", *notice_fields(kind)}, path
    for block in ("sms", "subject", "email"):
        assert f"{{% block {block} %}}" in source, (path, block)


@pytest.mark.parametrize("locale", texts.LOCALES)
@pytest.mark.parametrize("kind", SMS_EVENTS)
def test_each_sms_fits_one_message_and_each_mail_links_the_request(kind: str, locale: str) -> None:
    message = notice_message(kind, locale, _params(kind), LINK)

    assert RMA in message.sms and RMA in message.subject and RMA in message.email
    assert len(message.sms) <= LIMITS[locale], (len(message.sms), message.sms)
    assert message.sms.startswith("【ReturnDesk】" if locale == "zh_CN" else "ReturnDesk: ")
    if locale == "en":
        assert set(message.sms) <= GSM, set(message.sms) - GSM
    assert LINK in message.email and "\n" not in message.subject
    for name in notice_fields(kind):  # the date is written for the reader, hour included
        assert ("12月16日 17:43" if locale == "zh_CN" else "16 Dec 17:43") in message.sms, name


def test_the_texts_are_in_the_recipients_language_and_chinese_by_default() -> None:
    params = _params("approve")

    assert "已通过" in notice_message("approve", "zh_CN", params, LINK).sms
    assert "is approved" in notice_message("approve", "en", params, LINK).sms
    assert notice_message("approve", "fr", params, LINK) == notice_message(
        "approve", "zh_CN", params, LINK
    )


@pytest.mark.parametrize("locale", texts.LOCALES)
def test_codes_fit_one_sms_and_their_logged_form_hides_them(locale: str) -> None:
    for outlet in ("", "网点 SZ01 深圳南山科技园服务中心"):
        sent, logged = (
            sign_in_code_text("123456", locale, outlet),
            masked_sign_in_code_text(locale, outlet),
        )
        assert "123456" in sent and "123456" not in logged and "••••••" in logged
        assert outlet in sent and len(sent) <= LIMITS[locale] + len(outlet)


def test_a_missing_value_fails_instead_of_sending_a_blank() -> None:
    with pytest.raises(jinja2.UndefinedError):
        notice_message("approve", "zh_CN", {"rma": RMA}, LINK)
