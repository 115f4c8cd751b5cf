"""Texts of SMS and e-mail, from templates/messages/{locale}/{event}.txt (one file per event and
language, see its README), with dates in the recipient's language and the display time zone."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import jinja2

import texts
from settings import PROJECT_ROOT

MESSAGES_DIR = PROJECT_ROOT / "templates" / "messages"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(MESSAGES_DIR),
    autoescape=False,  # noqa: S701 - plain text: an SMS or a text/plain mail, never HTML
    undefined=jinja2.StrictUndefined,  # a missing value fails the job, never sends a blank
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Message:
    sms: str
    subject: str  # e-mail only ("" where the event is not mailed)
    email: str


def _timezone() -> str:
    return os.environ.get("TIMEZONE", "Asia/Shanghai")


def _template(name: str, locale: str) -> jinja2.Template:
    return _env.get_template(
        f"{locale if locale in texts.LOCALES else texts.LOCALES[0]}/{name}.txt"
    )


def _message(name: str, locale: str, values: dict[str, Any]) -> Message:
    template = _template(name, locale)
    context = template.new_context(values)

    def block(part: str) -> str:  # "" where the file has no such block (codes are not mailed)
        render = template.blocks.get(part)
        return "".join(render(context)).strip() if render else ""

    email = block("email")
    # a no-break space (between a date and its hour) is outside the SMS alphabet and would
    # halve an English SMS's length
    return Message(block("sms").replace("\u00a0", " "), block("subject"),
                   email + "\n" if email else "")  # fmt: skip


def notice_message(kind: str, locale: str, params: dict[str, Any], link: str) -> Message:
    """What the SMS and the e-mail of this event say, with the values its in-app notice names."""
    values = texts.readable_params(params, locale, _timezone())
    return _message(kind, locale, {**values, "link": link})


def sign_in_code_text(code: str, locale: str, outlet: str = "") -> str:
    """A sign-in code, or (with `outlet`) the code a counter asks the merchant for."""
    if outlet:
        return _message("counter_code", locale, {"code": code, "outlet": outlet}).sms
    return _message("sign_in_code", locale, {"code": code}).sms


def masked_sign_in_code_text(locale: str, outlet: str = "") -> str:
    """The same SMS as the attempt log keeps it: the code never rests in clear."""
    return sign_in_code_text("••••••", locale, outlet)
