"""Texts of SMS and e-mail, in the recipient's language, with dates in the display time zone."""

from __future__ import annotations

import os
from typing import Any

import texts
from domain.notices import COUNTER_CODE_TEXT, NOTICE_TEXTS, SIGN_IN_CODE_TEXT
from domain.text import Text


def _timezone() -> str:
    return os.environ.get("TIMEZONE", "Asia/Shanghai")


def notice_text(kind: str, locale: str, params: dict[str, Any]) -> str:
    """What a notice of this kind says, filled in as the in-app notification is."""
    return texts.render(Text(NOTICE_TEXTS[kind], params), locale, _timezone())


def sign_in_code_text(code: str, locale: str, outlet: str = "") -> str:
    """A sign-in code, or (with `outlet`) the code a counter asks the merchant for."""
    if outlet:
        text = Text(COUNTER_CODE_TEXT, {"code": code, "outlet": outlet})
    else:
        text = Text(SIGN_IN_CODE_TEXT, {"code": code})
    return texts.render(text, locale, _timezone())


def masked_sign_in_code_text(locale: str, outlet: str = "") -> str:
    """The same SMS as the attempt log keeps it: the code never rests in clear."""
    return sign_in_code_text("••••••", locale, outlet)
