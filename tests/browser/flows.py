"""Steps a merchant takes in the browser, shared by the browser tests."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect


async def sign_in(page: Page, base_url: str, phone: str, next_path: str = "/") -> None:
    """Sign in as a merchant does: ask for a code, read the SMS (the dev outbox), type it."""
    earlier = await _codes_in_outbox(page, base_url, phone)
    await page.goto(f"{base_url}/login?next={next_path}")
    await page.get_by_label("手机号").fill(phone)
    await page.get_by_role("button", name="获取验证码").click()
    await expect(page.get_by_role("heading", name="输入验证码")).to_be_visible()
    code = await _new_code(page, base_url, phone, earlier)
    await page.get_by_label("6 位验证码").fill(code)
    await page.get_by_role("button", name="登录").click()


async def _codes_in_outbox(page: Page, base_url: str, phone: str) -> list[str]:
    """Every sign-in code sent to this phone so far, newest first, as the dev outbox lists them."""
    outbox = await page.context.new_page()
    try:
        await outbox.goto(f"{base_url}/dev/outbox")
        entries = outbox.locator("#outbox li")
        codes = []
        for i in range(await entries.count()):
            text = await entries.nth(i).inner_text()
            match = re.search(r"\b(\d{6})\b", text)
            if phone in text and match:
                codes.append(match.group(1))
        return codes
    finally:
        await outbox.close()


async def _new_code(page: Page, base_url: str, phone: str, earlier: list[str]) -> str:
    for _ in range(50):  # the worker sends within a second or so
        codes = await _codes_in_outbox(page, base_url, phone)
        if len(codes) > len(earlier):
            return codes[0]
        await page.wait_for_timeout(200)
    raise AssertionError("no new sign-in code reached the dev outbox")


STAFF_PASSWORD = "a-long-test-passphrase"  # what tests.integration.factories.staff sets


async def staff_password(page: Page, username: str) -> None:
    """On the staff sign-in form the page shows: the username and password, sent."""
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(STAFF_PASSWORD)
    await page.get_by_role("button", name="登录").click()
