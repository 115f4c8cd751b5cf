"""Steps a merchant takes in the browser, shared by the browser tests."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect


async def sign_in(page: Page, base_url: str, phone: str, next_path: str = "/") -> None:
    """Sign in as a merchant does: ask for a code, read the SMS (the dev outbox), type it."""
    await page.goto(f"{base_url}/login?next={next_path}")
    await page.get_by_label("手机号").fill(phone)
    await page.get_by_role("button", name="获取验证码").click()
    await expect(page.get_by_role("heading", name="输入验证码")).to_be_visible()
    code = await _code_from_outbox(page, base_url, phone)
    await page.get_by_label("6 位验证码").fill(code)
    await page.get_by_role("button", name="登录").click()


async def _code_from_outbox(page: Page, base_url: str, phone: str) -> str:
    outbox = await page.context.new_page()
    try:
        for _ in range(50):  # the worker sends within a second or so
            await outbox.goto(f"{base_url}/dev/outbox")
            text = (
                await outbox.locator("#outbox").inner_text()
                if await outbox.locator("#outbox").count()
                else ""
            )
            match = re.search(rf"{phone}\s+.*?\n.*?(\d{{6}})", text, re.S)
            if match:
                return match.group(1)
            await outbox.wait_for_timeout(200)
    finally:
        await outbox.close()
    raise AssertionError("no sign-in code reached the dev outbox")
