"""A merchant signs in on a phone-sized Chromium, in Chinese, with the code from the SMS."""

from __future__ import annotations

from playwright.async_api import BrowserContext, Page, expect

from tests.browser.conftest import axe_violations
from tests.browser.flows import sign_in
from tests.integration import factories

PHONE = "13800138000"


async def test_a_merchant_signs_in_and_sees_their_home(live_server: str, page: Page) -> None:
    await factories.merchant(phone=PHONE, name="上海小杨生煎")
    await sign_in(page, live_server, PHONE)
    await expect(page.get_by_role("heading", name="我的退货")).to_be_visible()
    await expect(page.get_by_text("上海小杨生煎")).to_be_visible()


async def test_signing_in_works_without_javascript(
    live_server: str, context_without_js: BrowserContext
) -> None:
    await factories.merchant(phone=PHONE)
    page = await context_without_js.new_page()
    await sign_in(page, live_server, PHONE)
    await expect(page.get_by_role("heading", name="我的退货")).to_be_visible()


async def test_public_and_sign_in_pages_have_no_serious_accessibility_violations(
    live_server: str, page: Page
) -> None:
    for path in ("/", "/login", "/track", "/no-such-page"):
        await page.goto(live_server + path)
        assert await axe_violations(page) == [], path


async def test_the_home_page_fits_a_360px_phone(live_server: str, context: BrowserContext) -> None:
    page = await context.new_page()
    await page.set_viewport_size({"width": 360, "height": 740})
    await page.goto(live_server + "/")
    scroll_width = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360
