"""The whole merchant journey in Chromium at phone size, in Chinese: sign in with the SMS code,
fill the five steps with a photo, submit, open the request, and watch a staff decision arrive."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image
from playwright.async_api import BrowserContext, Page, expect

from db.returns import Applied, apply_action
from db.tables import ReturnRequest
from domain.labels import STATE_LABELS
from domain.lifecycle import Action, Actor, Command, Role, State
from tests.browser.conftest import axe_violations
from tests.browser.flows import sign_in
from tests.integration import factories
from web.i18n import translations

PHONE = "13800138000"
SERIAL = "P8A2611000101"
ZH = translations("zh_CN")


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "terminal-screen.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 60, 60)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


async def _merchant_with_an_order() -> int:
    merchant_id = await factories.merchant(phone=PHONE, name="上海小杨生煎")
    await factories.order(merchant_id, datetime.now(UTC) - timedelta(days=5), serials=(SERIAL,))
    return merchant_id


async def _fill_the_form(page: Page, photo: Path, *, javascript: bool) -> str:
    await expect(page.get_by_text("第 1 步，共 5 步")).to_be_visible()
    await page.locator("a.choice-link").first.click()
    # the order lists the terminal's SN: ticking it picks that very unit, nothing to type
    await expect(page.get_by_text(f"序列号 {SERIAL}")).to_be_visible()
    await page.locator("input[name=item]").first.check()
    await page.locator("form[method=post] button[type=submit]").first.click()

    await expect(page.get_by_text("第 2 步，共 5 步")).to_be_visible()
    await page.locator("input[name=reason][value=quality_defect]").check()
    await page.locator("textarea[name=description]").fill("开机后屏幕不亮，充电也没有反应。")
    await page.locator("form[method=post] button[type=submit]").first.click()

    await expect(page.get_by_text("第 3 步，共 5 步")).to_be_visible()
    await page.locator("#f-files").set_input_files(str(photo))
    if not javascript:
        await page.locator(".upload-form button[type=submit]").click()
    await expect(page.locator(".thumbs img")).to_have_count(1)
    await page.locator("form[method=post]:not(.upload-form) .actions button[type=submit]").click()

    await expect(page.get_by_text("第 4 步，共 5 步")).to_be_visible()
    await page.locator("input[name=resolution][value=refund]").check()
    await page.locator("input[name=refund_method][value=original]").check()
    await page.locator("form[method=post] .actions button[type=submit]").click()

    await expect(page.get_by_text("第 5 步，共 5 步")).to_be_visible()
    await expect(page.get_by_text(SERIAL)).to_be_visible()
    await page.locator("form[method=post] .actions button[type=submit]").last.click()
    await expect(page).to_have_url(re.compile(r"/returns/RD"))
    return page.url.rsplit("/", 1)[-1]


async def _approve(rma: str) -> None:
    row = (
        await ReturnRequest.select(ReturnRequest.id, ReturnRequest.version)
        .where(ReturnRequest.rma == rma)
        .first()
    )
    result = await apply_action(
        row["id"],
        Command(Action.APPROVE),
        Actor(Role.REVIEWER, "staff:1"),
        datetime.now(UTC),
        expected_version=row["version"],
        actor_name="审核员 王芳",
    )
    assert isinstance(result, Applied)


async def test_a_merchant_returns_a_terminal_and_sees_the_decision_arrive(
    live_server: str, page: Page, tmp_path: Path
) -> None:
    await _merchant_with_an_order()
    await sign_in(page, live_server, PHONE, next_path="/returns/new")

    rma = await _fill_the_form(page, _photo(tmp_path), javascript=True)

    waiting = ZH.gettext(STATE_LABELS[State.SUBMITTED])
    await expect(page.locator(".badge", has_text=waiting).first).to_be_visible()
    await page.evaluate("window.__stillTheSamePage = true")
    await _approve(rma)
    approved = ZH.gettext(STATE_LABELS[State.APPROVED])
    await expect(page.locator(".badge", has_text=approved).first).to_be_visible(timeout=10_000)
    assert await page.evaluate("window.__stillTheSamePage === true"), "the page was not reloaded"
    # staff by role and staff number, never by name (domain.attribution)
    await expect(page.get_by_text("审核员 · 工号 0001").first).to_be_visible()
    assert await page.get_by_text("王芳").count() == 0


async def test_the_same_return_works_with_javascript_off(
    live_server: str, context_without_js: BrowserContext, tmp_path: Path
) -> None:
    await _merchant_with_an_order()
    page = await context_without_js.new_page()
    await sign_in(page, live_server, PHONE, next_path="/returns/new")

    rma = await _fill_the_form(page, _photo(tmp_path), javascript=False)

    await _approve(rma)
    await page.reload()
    approved = ZH.gettext(STATE_LABELS[State.APPROVED])
    await expect(page.locator(".badge", has_text=approved).first).to_be_visible()


async def test_merchant_pages_have_no_serious_accessibility_violations(
    live_server: str, page: Page, tmp_path: Path
) -> None:
    await _merchant_with_an_order()
    await sign_in(page, live_server, PHONE, next_path="/returns/new")
    checked = []

    async def check() -> None:
        violations = await axe_violations(page)
        assert violations == [], (page.url, violations)
        checked.append(page.url)

    await check()  # step 1, the order list
    rma = await _fill_the_form(page, _photo(tmp_path), javascript=True)
    await check()  # the request page
    for path in ("/", "/notifications", f"/returns/{rma}/cancel", "/track"):
        await page.goto(live_server + path)
        await check()
    await page.goto(live_server + "/returns/new?new=1")
    await page.locator("a.choice-link").first.click()
    await check()  # step 1 with the items
    assert len(checked) == 7


async def _rejected_request(merchant_id: int) -> str:
    request_id, rma = await factories.submitted(merchant_id, datetime.now(UTC))
    result = await apply_action(
        request_id,
        Command(
            Action.REJECT,
            reason_code="not_a_defect",
            message="照片中看不出故障，请补充开机画面的照片。",
        ),
        Actor(Role.REVIEWER, "staff:1"),
        datetime.now(UTC),
        actor_name="审核员 王芳",
    )
    assert isinstance(result, Applied)
    return rma


async def test_a_merchant_appeals_a_rejection_with_javascript_on_and_off(
    live_server: str, browser_contexts: list[BrowserContext]
) -> None:
    merchant_id = await factories.merchant(phone=PHONE)
    for context in browser_contexts:
        rma = await _rejected_request(merchant_id)
        page = await context.new_page()
        await sign_in(page, live_server, PHONE, next_path=f"/returns/{rma}")
        await expect(page.get_by_text("照片中看不出故障").first).to_be_visible()
        await page.locator("#appeal textarea[name=statement]").fill(
            "终端确实无法开机，附上新的照片。"
        )
        await page.locator("#appeal button[type=submit]").click()
        appealed = ZH.gettext(STATE_LABELS[State.APPEALED])
        await expect(page.locator(".badge", has_text=appealed).first).to_be_visible()
        await expect(page.locator("#appeal")).to_have_count(0)  # one appeal per decision
        await page.close()
