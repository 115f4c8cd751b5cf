"""The staff admin in Chromium at desktop size, in Chinese: a reviewer signs in, finds the new
request at the top of the queue, approves it, and the next one opens; every staff screen has
no serious accessibility violation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import axe_violations
from tests.browser.flows import staff_password
from tests.integration import factories


@pytest.fixture
async def desk(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(
        viewport={"width": 1280, "height": 800},
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        bypass_csp=True,  # axe-core is injected as a script tag
    )
    page = await context.new_page()
    yield page
    await context.close()


async def _sign_in(page: Page, base: str, username: str) -> None:
    await page.goto(base + "/staff/queue")
    await expect(page.get_by_role("heading", name="员工登录")).to_be_visible()
    await staff_password(page, username)
    await expect(page.get_by_role("heading", name="待办队列")).to_be_visible()


async def test_a_reviewer_works_through_the_queue_approving(live_server: str, desk: Page) -> None:
    merchant_id = await factories.merchant(name="上海小杨生煎")
    now = datetime.now(UTC)
    _, first = await factories.submitted(merchant_id, now - timedelta(hours=3))
    _, second = await factories.submitted(merchant_id, now)
    await factories.staff("wangfang", "reviewer")
    await _sign_in(desk, live_server, "wangfang")

    rows = desk.locator("#results tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_contain_text(first)  # submitted earlier: due sooner
    await rows.first.get_by_role("link", name=first).click()
    await expect(desk.get_by_role("heading", name=f"退货申请 {first}")).to_be_visible()
    await desk.locator("#act-approve").get_by_role("button", name="通过并打开下一个").click()

    await expect(desk.get_by_role("heading", name=f"退货申请 {second}")).to_be_visible()
    await desk.get_by_role("link", name="返回待办队列").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(second)


async def test_every_decision_button_keeps_its_words_on_one_line(
    live_server: str, desk: Page
) -> None:
    merchant_id = await factories.merchant()
    _, rma = await factories.submitted(merchant_id, datetime.now(UTC))
    await factories.staff("wangfang", "reviewer")
    await _sign_in(desk, live_server, "wangfang")
    await desk.goto(f"{live_server}/staff/requests/{rma}")

    lines = await desk.eval_on_selector_all(
        ".decision .actions .btn",
        """buttons => buttons.map(button => {
            const style = getComputedStyle(button);
            const text = button.clientHeight - parseFloat(style.paddingTop)
                - parseFloat(style.paddingBottom);
            return [button.textContent.trim(), Math.round(text / parseFloat(style.lineHeight))];
        })""",
    )

    assert ["请商户补充资料", 1] in lines  # it wrapped inside a narrow button
    assert [words for words, count in lines if count != 1] == []


async def test_a_search_narrows_the_queue_without_a_reload(live_server: str, desk: Page) -> None:
    merchant_id = await factories.merchant()
    now = datetime.now(UTC)
    _, wanted = await factories.submitted(merchant_id, now, serials=("P8AFIND0001",))
    await factories.submitted(merchant_id, now)
    await factories.staff("wangfang", "reviewer")
    await _sign_in(desk, live_server, "wangfang")
    await desk.evaluate("window.__samePage = true")

    await desk.get_by_label("搜索").fill("p8afind0001")
    await expect(desk.locator("#results tbody tr")).to_have_count(1)
    await expect(desk.locator("#results")).to_contain_text(wanted)
    assert "q=p8afind0001" in desk.url  # the view can be bookmarked and shared
    assert await desk.evaluate("window.__samePage === true")


async def test_staff_screens_have_no_serious_accessibility_violations(
    live_server: str, desk: Page
) -> None:
    merchant_id = await factories.merchant()
    _, rma = await factories.submitted(merchant_id, datetime.now(UTC))
    await factories.staff("zhaolei", "supervisor")
    await factories.staff("liqiang", "inspector")
    await desk.goto(live_server + "/staff/login")
    assert await axe_violations(desk) == []
    # a supervisor's password leads to the second factor's enrolment, with its QR code
    await staff_password(desk, "zhaolei")
    await expect(desk.get_by_role("img", name="身份验证器应用的二维码")).to_be_visible()
    assert await axe_violations(desk) == [], desk.url
    await desk.context.clear_cookies()
    await _sign_in(desk, live_server, "liqiang")
    assert await axe_violations(desk) == [], desk.url
    for path in (f"/staff/requests/{rma}", "/staff/receive"):
        await desk.goto(live_server + path)
        assert await axe_violations(desk) == [], desk.url
