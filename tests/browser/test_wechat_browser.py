"""The merchant's journey in WeChat's in-app browser, as Chromium plays it: WeChat's Android and
iOS user agents, a 360×640 phone whose top 56 px are WeChat's title bar, touch. Sign in, the
five steps with a photo taken by the camera button, submit, the decision arriving, and the
return authorization opened in the browser's PDF viewer (WeChat cannot save a download) with
the line saying so. No page is wider than the phone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from db.tables import ReturnItem
from tests.browser.flows import sign_in
from tests.browser.test_return_flow_browser import (
    PHONE,
    SERIAL,
    _approve,
    _merchant_with_an_order,
    _photo,
)

WECHAT = {
    "android": "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 "
    "XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) "
    "WeChat/arm64 Weixin NetType/4G Language/zh_CN ABI/arm64",
    "ios": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/4G "
    "Language/zh_CN",
}
TITLE_BAR = 56  # WeChat's own bar above the page: the page gets the rest of the 640


async def _wechat_phone(browser: Browser, system: str) -> Page:
    context = await browser.new_context(
        # "": the same phone's own browser (Chromium's user agent), for the line WeChat alone gets
        user_agent=WECHAT.get(system),
        viewport={"width": 360, "height": 640 - TITLE_BAR},
        screen={"width": 360, "height": 640},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    return await context.new_page()


async def _fits_the_phone(page: Page) -> None:
    wide = await page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 360, f"{page.url} is {wide} px wide on a 360 px phone"


async def _five_steps(page: Page, photo: Path) -> str:
    await page.locator("a.choice-link").first.click()
    await page.locator("input[name=item]").first.check()
    await _fits_the_phone(page)
    await page.get_by_role("button", name="保存并继续").click()
    await page.locator("input[name=reason][value=quality_defect]").check()
    await page.locator("textarea[name=description]").fill("开机后屏幕不亮。")
    await page.get_by_role("button", name="保存并继续").click()
    await expect(page.get_by_text("第 3 步，共 5 步")).to_be_visible()
    await page.wait_for_function(
        "typeof htmx !== 'undefined' && document.readyState === 'complete'"
    )
    # the camera straight away: an input that takes PDFs too gets no camera in WeChat on Android
    camera = page.locator("label.take-photo")
    await expect(camera).to_be_visible()
    taking = camera.locator("input[type=file]")
    assert await taking.get_attribute("capture") == "environment"
    assert await taking.get_attribute("accept") == "image/*"
    await taking.set_input_files(str(photo))
    await expect(page.locator(".thumbs img")).to_have_count(1)
    await _fits_the_phone(page)
    await page.get_by_role("button", name="继续").click()
    await page.locator("input[name=resolution][value=refund]").check()
    await page.locator("input[name=refund_method][value=original]").check()
    await page.get_by_role("button", name="保存并继续").click()
    await expect(page.get_by_text(SERIAL)).to_be_visible()
    await _fits_the_phone(page)
    await page.locator("form[method=post] .actions button[type=submit]").last.click()
    await expect(page).to_have_url(re.compile(r"/returns/RD"))
    return page.url.rsplit("/", 1)[-1]


@pytest.mark.parametrize("system", ["android", "ios", ""])
async def test_the_merchant_journey_in_wechat(
    live_server: str, browser: Browser, tmp_path: Path, system: str
) -> None:
    await _merchant_with_an_order()
    page = await _wechat_phone(browser, system)
    await sign_in(page, live_server, PHONE, next_path="/returns/new")
    rma = await _five_steps(page, _photo(tmp_path))
    assert [row["serial_number"] for row in await ReturnItem.select(ReturnItem.serial_number)] == [
        SERIAL
    ]

    await _approve(rma)
    # the authorization, made by the worker, appears without a reload; WeChat's line with it
    opened = page.get_by_role("link", name="退货授权书")
    await expect(opened).to_be_visible(timeout=30_000)
    wechat_line = page.get_by_text("微信中无法保存下载的文件")
    await (expect(wechat_line).to_be_visible() if system else expect(wechat_line).to_be_hidden())
    await _fits_the_phone(page)
    href = await opened.get_attribute("href")
    assert href is not None and href.endswith("?open=1")
    async with page.expect_response(lambda answer: "/documents/authorization" in answer.url) as got:
        await opened.click()
    answer = await got.value
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("inline")
    await expect(page).to_have_url(
        re.compile(r"/documents/authorization\?open=1$")
    )  # shown, not saved
    await page.context.close()
