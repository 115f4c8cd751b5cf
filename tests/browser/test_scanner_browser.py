"""The camera reader in Chromium at 390×844, in Chinese, with a fake camera showing a printed code.
Linux Chromium has no BarcodeDetector of its own, so these read through the barcode-detector
polyfill (ZXing in WebAssembly) from our static files, as iOS Safari and WeChat do."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, Request, expect

from db.tables import ReturnItem
from domain.verification import verification_token
from tests.browser.camera import browser_with_camera, code128_label, qr_label, write_y4m
from tests.browser.conftest import PHONE_VIEWPORT
from tests.browser.flows import sign_in, staff_password
from tests.integration import factories

PHONE = "13800138055"
PRINTED_SN = "P8A2611000777"  # the label in front of the camera


@pytest.fixture(scope="module")
async def camera_browser(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Browser]:
    video = write_y4m(code128_label(PRINTED_SN), tmp_path_factory.mktemp("camera") / "sn.y4m")
    async with browser_with_camera(video) as browser:
        yield browser


async def _phone(browser: Browser, camera: bool = True) -> Page:
    context = await browser.new_context(
        viewport=PHONE_VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    if camera:
        await context.grant_permissions(["camera"])
    return await context.new_page()


async def _at_step_1(page: Page, base: str, serials: tuple[str | None, ...]) -> None:
    merchant_id = await factories.merchant(phone=PHONE)
    await factories.order(merchant_id, datetime.now(UTC) - timedelta(days=3), serials=serials)
    await sign_in(page, base, PHONE, next_path="/returns/new?new=1")
    await page.locator("a.choice-link").first.click()
    await expect(page.get_by_text("第 1 步，共 5 步")).to_be_visible()


async def test_a_merchant_fills_the_sn_by_pointing_the_camera_at_its_label(
    live_server: str, camera_browser: Browser
) -> None:
    page = await _phone(camera_browser)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    await _at_step_1(page, live_server, serials=(None,))  # the order lists no SN: it is typed
    await page.locator("input[name=item]").check()
    await page.get_by_role("button", name="扫描 SN").click()

    field = page.get_by_label("序列号（SN）")
    await expect(field).to_have_value(PRINTED_SN, timeout=20_000)
    await expect(
        page.get_by_role("status").filter(has_text=f"已读取：{PRINTED_SN}")
    ).to_be_visible()
    await expect(page.locator(".scanner-view video")).to_be_hidden()  # the camera is off again
    # read by the polyfill, its WebAssembly from our own static files
    assert any("/static/vendor/zxing-reader-3.1.3.wasm" in url for url in fetched)
    assert all(url.startswith(live_server) for url in fetched)

    await page.get_by_role("button", name="保存并继续").click()
    await expect(page.get_by_text("第 2 步，共 5 步")).to_be_visible()
    saved = await ReturnItem.select(ReturnItem.serial_number)
    assert [row["serial_number"] for row in saved] == [PRINTED_SN]
    await page.context.close()


async def test_an_sn_of_another_order_read_by_the_camera_is_refused_in_words(
    live_server: str, camera_browser: Browser
) -> None:
    # the label in front of the camera is of a unit another merchant's order delivered
    other = await factories.merchant()
    await factories.order(other, datetime.now(UTC) - timedelta(days=2), serials=(PRINTED_SN,))
    page = await _phone(camera_browser)
    await _at_step_1(page, live_server, serials=("P8A2611000101", "P8A2611000102"))
    await page.get_by_role("button", name="扫描设备的 SN 标签").click()

    said = f"SN {PRINTED_SN} 不是此订单的设备。请核对标签，或选择其他订单。"
    await expect(page.get_by_role("status").filter(has_text=said)).to_be_visible(timeout=20_000)
    for unit in await page.locator("input[name=item]").all():
        await expect(unit).not_to_be_checked()
    await page.context.close()


async def test_without_the_camera_allowed_the_field_stays_a_field_and_says_why(
    live_server: str, camera_browser: Browser
) -> None:
    page = await _phone(camera_browser, camera=False)
    await _at_step_1(page, live_server, serials=(None,))
    await page.locator("input[name=item]").check()
    await page.get_by_role("button", name="扫描 SN").click()
    await expect(page.get_by_role("status").filter(has_text="未允许使用摄像头")).to_be_visible()
    field = page.get_by_label("序列号（SN）")
    await field.fill("P8A2611000555")
    await expect(field).to_be_editable()
    await page.context.close()


async def test_without_a_camera_the_field_stays_a_field_and_says_why(
    live_server: str, browser: Browser
) -> None:
    # the browser of the other tests: no capture device at all, the camera allowed
    page = await _phone(browser)
    await _at_step_1(page, live_server, serials=(None,))
    await page.locator("input[name=item]").check()
    await page.get_by_role("button", name="扫描 SN").click()
    said = "此设备上没有找到摄像头。请在输入框中手动填写。"
    await expect(page.get_by_role("status").filter(has_text=said)).to_be_visible()
    await expect(page.get_by_label("序列号（SN）")).to_be_editable()
    await page.context.close()


async def test_the_dock_opens_the_parcel_whose_authorization_qr_the_camera_reads(
    live_server: str, tmp_path: Path
) -> None:
    merchant_id = await factories.merchant()
    _, rma = await factories.submitted(merchant_id, datetime.now(UTC))
    await factories.staff("zhoujie", "inspector")
    # the QR printed on the authorization holds its verification link, which names the RMA
    link = f"{live_server}/v/{verification_token(os.environ['SECRET_KEY'], rma)}"
    video = write_y4m(qr_label(link), tmp_path / "qr.y4m")
    async with browser_with_camera(video) as browser:
        page = await _phone(browser)
        wasm: list[Request] = []
        page.on("request", lambda request: wasm.append(request) if ".wasm" in request.url else None)
        await page.goto(live_server + "/staff/receive")
        await staff_password(page, "zhoujie")
        await page.get_by_role("button", name="用摄像头扫描").click()
        await expect(page.get_by_role("heading", name=rma)).to_be_visible(timeout=20_000)
        assert page.url.endswith(f"/staff/receive/{rma}")
        assert len(wasm) == 1


async def test_without_script_there_is_no_scan_button(live_server: str, browser: Browser) -> None:
    context = await browser.new_context(
        viewport=PHONE_VIEWPORT, locale="zh-CN", java_script_enabled=False
    )
    page = await context.new_page()
    await _at_step_1(page, live_server, serials=(None,))
    await expect(page.get_by_label("序列号（SN）")).to_be_attached()
    await expect(page.get_by_role("button", name="扫描 SN")).to_have_count(0)
    await context.close()
