"""Real data in, in Chromium: a supervisor loads the order system's exports (GBK CSV and XLSX) at
/staff/imports and watches the import's progress fill without a reload; then a merchant named
in the file signs in with the phone it gave and returns a terminal from it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import axe_violations
from tests.browser.flows import sign_in
from tests.browser.test_return_flow_browser import _fill_the_form, _photo
from tests.integration import factories
from web.cookies import SESSION

PHONE = "13800138000"  # the merchant as the export names it
SERIAL = "P8A2611000101"  # the unit _fill_the_form returns


@pytest.fixture
async def desk(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN",
                                        timezone_id="Asia/Shanghai", bypass_csp=True)  # fmt: skip
    page = await context.new_page()
    yield page
    await context.close()


def _exports(tmp_path: Path) -> dict[str, Path]:
    completed = (datetime.now(UTC) - timedelta(days=5)).strftime("%Y-%m-%d %H:%M")
    files = {
        "merchants": ("商户编号,商户名称,手机号\r\nM-77,上海小杨生煎,13800138000\r\n", "gbk"),
        "products": ("商品编码,商品名称,类别,有序列号,单价（元）\r\n"
                     "P8-SMART,智能POS终端 P8,收款终端,是,1280.00\r\n", "gb18030"),
    }  # fmt: skip
    paths = {}
    for kind, (text, encoding) in files.items():
        paths[kind] = tmp_path / f"{kind}.csv"
        paths[kind].write_bytes(text.encode(encoding))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["订单号", "商户编号", "完成时间", "实付金额（元）", "行号", "商品编码", "数量",
                  "单价（元）", "序列号"])  # fmt: skip
    sheet.append(["DD-B-1", "M-77", completed, 1280, 1, "P8-SMART", 1, 1280, SERIAL])
    paths["orders"] = tmp_path / "orders.xlsx"
    book.save(paths["orders"])
    return paths


async def _import(page: Page, base: str, kind: str, path: Path) -> None:
    await page.goto(base + "/staff/imports")
    await page.locator(f"input[name=kind][value={kind}]").check()
    await page.locator("input[name=file]").set_input_files(str(path))
    await page.get_by_role("button", name="检查文件").click()
    await expect(page.get_by_role("heading", name="前几行的读取结果")).to_be_visible()
    await page.get_by_role("button", name="开始导入").click()
    # the progress card is polled in place: "done" arrives without a reload
    await expect(page.locator("#progress h2")).to_have_text("已完成", timeout=15_000)
    await expect(page.locator("#progress progress")).to_have_attribute("value", "100")


async def test_a_supervisor_imports_exports_and_a_merchant_in_them_returns_a_terminal(
    live_server: str, desk: Page, browser: Browser, tmp_path: Path
) -> None:
    supervisor = await factories.staff("zhaolei", "supervisor")
    token = await factories.staff_token(supervisor)  # signed in, as the sign-in form leaves it
    await desk.context.add_cookies([{"name": SESSION, "value": token, "url": live_server}])
    paths = _exports(tmp_path)
    for kind in ("merchants", "products", "orders"):
        await _import(desk, live_server, kind, paths[kind])
    assert await axe_violations(desk) == []
    await desk.goto(live_server + "/staff/imports")
    await expect(desk.locator("table tbody tr")).to_have_count(3)

    phone = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")  # fmt: skip
    page = await phone.new_page()
    await sign_in(page, live_server, PHONE, next_path="/returns/new")
    rma = await _fill_the_form(page, _photo(tmp_path), javascript=True)
    assert re.fullmatch(r"RD\d{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", rma)
    await expect(page.get_by_text(SERIAL).first).to_be_visible()
    await phone.close()
