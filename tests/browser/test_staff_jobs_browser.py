"""Each role's whole job in Chromium, in Chinese, from the queue: one request goes from
submitted to refunded (reviewer approves, the merchant ships, the inspector receives and
inspects at the dock on a phone, finance pays), another to a replacement shipped, and an appeal
is decided by the supervisor who did not take the decision appealed."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pyotp
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from db.tables import ReturnRequest
from domain.lifecycle import Action
from domain.verification import verification_token
from tests.browser import flows
from tests.browser.conftest import axe_violations
from tests.integration import factories

PHONE = "13612345678"


@pytest.fixture
async def desk(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN",
                                        timezone_id="Asia/Shanghai")  # fmt: skip
    yield context
    await context.close()


@pytest.fixture
async def dock_phone(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                        timezone_id="Asia/Shanghai", has_touch=True)  # fmt: skip
    yield context
    await context.close()


async def _signed_in(context: BrowserContext, base: str, username: str) -> Page:
    await context.clear_cookies()
    page = await context.new_page()
    await page.goto(base + "/staff/login")
    await flows.staff_password(page, username)
    await page.wait_for_url(re.compile(r"/staff/(queue|login/enrol|login/code)"))
    if "/staff/login/" in page.url:  # a supervisor: the second factor, enrolled on first use
        secret = await page.locator(".totp-qr code").inner_text()
        await page.get_by_label("6 位验证码").fill(pyotp.TOTP(secret).now())
        await page.get_by_role("button", name="确认").click()
    await expect(page.get_by_role("heading", name="待办队列")).to_be_visible()
    return page


async def _open_from_queue(page: Page, rma: str) -> None:
    await page.locator("#results").get_by_role("link", name=rma).click()
    await expect(page.get_by_role("heading", name=f"退货申请 {rma}")).to_be_visible()


async def _state(rma: str) -> str:
    row = await ReturnRequest.select(ReturnRequest.state).where(ReturnRequest.rma == rma).first()
    return str(row["state"])


async def _approve(desk: BrowserContext, base: str, rma: str) -> None:
    reviewer = await _signed_in(desk, base, "wangfang")
    await _open_from_queue(reviewer, rma)
    await reviewer.locator("#act-approve button[type=submit]").first.click()
    await expect(reviewer.locator("#act-approve")).to_have_count(0)
    assert await _state(rma) == "approved"
    await reviewer.close()


async def _receive_and_pass(phone: BrowserContext, base: str, rma: str, serial: str) -> Page:
    dock = await _signed_in(phone, base, "liqiang")
    await dock.get_by_role("link", name="包裹收货").click()
    await dock.get_by_label(re.compile("扫描")).fill(rma.lower())
    await dock.get_by_role("button", name="打开收货登记").click()
    await expect(dock.get_by_role("heading", name=rma)).to_be_visible()
    await expect(dock.locator("form.decision")).to_have_count(1)  # one action per screen
    await dock.locator("#act-receive button[type=submit]").click()
    await expect(dock.locator("#act-inspect_pass")).to_be_visible()
    await dock.locator("#act-inspect_pass input[name=serial]").fill(serial.lower())
    for box in await dock.locator("#act-inspect_pass input[name=check]").all():
        await box.check()
    await dock.locator("#act-inspect_pass button[type=submit]").click()
    await expect(dock.locator("#act-inspect_pass")).to_have_count(0)
    return dock


async def test_a_request_goes_from_submitted_to_refunded_in_the_browser(
    live_server: str, desk: BrowserContext, dock_phone: BrowserContext, browser: Browser
) -> None:
    merchant_id = await factories.merchant(phone=PHONE, name="杭州小笼包")
    _, rma = await factories.submitted(merchant_id, datetime.now(UTC), serials=("P8A0000RF01",))
    for username, role in (
        ("wangfang", "reviewer"),
        ("liqiang", "inspector"),
        ("qianduo", "finance"),
    ):
        await factories.staff(username, role)
    await _approve(desk, live_server, rma)

    merchant = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    shop = await merchant.new_page()
    await flows.sign_in(shop, live_server, PHONE, f"/returns/{rma}")
    # the worker renders the authorization within seconds; the page shows it without a reload
    authorization = shop.locator("#documents").get_by_role("link", name="退货授权书（PDF，可打印）")
    await expect(authorization).to_be_visible(timeout=20_000)
    await authorization.click()  # opens in the browser's PDF viewer
    await expect(shop).to_have_url(re.compile(r"/documents/authorization\?open=1$"))
    await shop.go_back()
    async with shop.expect_download() as downloading:
        await shop.locator("#documents").get_by_role("link", name="下载 PDF").click()
    saved = await (await downloading.value).path()
    assert (await asyncio.to_thread(Path(saved).read_bytes)).startswith(b"%PDF")
    # the QR's link, opened on a phone: genuine, and nothing private
    await shop.goto(live_server + f"/v/{verification_token(os.environ['SECRET_KEY'], rma)}")
    await expect(shop.get_by_text("真实：此退货授权书由 ReturnDesk 签发。")).to_be_visible()
    await shop.goto(live_server + f"/returns/{rma}")
    await shop.locator("#ship").get_by_label("快递公司").fill("顺丰速运")
    await shop.locator("#ship").get_by_label("快递单号").fill("SF1234567890")
    await shop.locator("#ship button[type=submit]").click()
    await expect(shop.locator("#ship")).to_have_count(0)
    await merchant.close()
    assert await _state(rma) == "in_transit"

    dock = await _receive_and_pass(dock_phone, live_server, rma, "P8A0000RF01")
    await expect(dock.get_by_text("这个包裹在收货台已无需再处理。")).to_be_visible()
    assert await _state(rma) == "refund_pending"

    finance = await _signed_in(desk, live_server, "qianduo")
    await _open_from_queue(finance, rma)
    await finance.locator("#act-refund input[name=payment_reference]").fill("WX20261202-0001")
    await finance.locator("#act-refund button[type=submit]").first.click()
    await expect(finance.locator("#act-refund")).to_have_count(0)
    assert await _state(rma) == "refunded"


async def test_a_request_goes_from_submitted_to_a_replacement_shipped_in_the_browser(
    live_server: str, desk: BrowserContext, dock_phone: BrowserContext
) -> None:
    merchant_id = await factories.merchant(phone=PHONE)
    _, rma = await factories.submitted(merchant_id, datetime.now(UTC), serials=("P8A0000EX01",),
                                       resolution="exchange")  # fmt: skip
    await factories.staff("wangfang", "reviewer")
    await factories.staff("liqiang", "inspector")
    await _approve(desk, live_server, rma)
    dock = await _receive_and_pass(dock_phone, live_server, rma, "P8A0000EX01")
    assert await _state(rma) == "replacement_pending"
    form = dock.locator("#act-ship_replacement")  # the dock's next step: the new unit goes out
    await form.get_by_label("新设备的序列号").fill("P8A0000EX01")  # the returned unit: refused
    await form.get_by_label("快递公司").fill("京东物流")
    await form.get_by_label("快递单号").fill("JD0099887766")
    await form.locator("button[type=submit]").click()
    await expect(dock.locator("#problems")).to_be_visible()
    assert await _state(rma) == "replacement_pending"
    form = dock.locator("#act-ship_replacement")
    await form.get_by_label("新设备的序列号").fill("P8A0000NEW9")
    await form.get_by_label("快递公司").fill("京东物流")
    await form.get_by_label("快递单号").fill("JD0099887766")
    await form.locator("button[type=submit]").click()
    await expect(dock.get_by_text("这个包裹在收货台已无需再处理。")).to_be_visible()
    assert await _state(rma) == "closed"


async def test_an_appeal_is_decided_by_the_supervisor_who_did_not_reject(
    live_server: str, desk: BrowserContext
) -> None:
    now = datetime.now(UTC)
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now)
    first = await factories.staff("zhaolei", "supervisor")
    await factories.staff("sunli", "supervisor")
    await factories.staff_decides(request_id, Action.REJECT, now, role="supervisor",
                                  staff_id=f"staff:{first}", reason_code="evidence_unclear",
                                  message="照片看不清")  # fmt: skip
    await factories.merchant_appeals(request_id, merchant_id, now, "补充了清晰照片")

    deciding = await _signed_in(desk, live_server, "zhaolei")
    await _open_from_queue(deciding, rma)
    await expect(deciding.locator("#act-overturn")).to_have_count(0)  # not the one who rejected
    await deciding.close()

    second = await _signed_in(desk, live_server, "sunli")
    await expect(second.get_by_role("link", name=re.compile("通知"))).to_contain_text("1")
    await _open_from_queue(second, rma)
    await second.locator("#act-overturn textarea[name=message]").fill(
        "新照片显示屏幕故障，同意退货。"
    )
    await second.locator("#act-overturn button[type=submit]").first.click()
    await expect(second.locator("#act-overturn")).to_have_count(0)
    assert await _state(rma) == "approved"


async def test_the_supervisor_counter_and_dock_screens_have_no_serious_accessibility_violations(
    live_server: str, browser: Browser
) -> None:
    _, rma = await factories.submitted(await factories.merchant(), datetime.now(UTC))
    outlet = await factories.outlet("SZ01")
    await factories.staff("zhaolei", "supervisor")
    await factories.staff("xiaomei", "counter", outlet_id=outlet)
    await factories.staff("liqiang", "inspector")
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                        bypass_csp=True)  # fmt: skip
    visits = {
        "zhaolei": ["/staff/policy", "/staff/register", "/staff/notifications", "/staff/people"],
        "xiaomei": ["/staff/register", "/staff/queue"],
        "liqiang": [f"/staff/receive/{rma}", "/staff/receive"],
    }
    for username, paths in visits.items():
        page = await _signed_in(context, live_server, username)
        for path in paths:
            await page.goto(live_server + path)
            assert await axe_violations(page) == [], path
        await page.close()
    await context.close()
