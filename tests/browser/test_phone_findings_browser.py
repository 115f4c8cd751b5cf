"""What a walk on a phone found, tried again in Chromium at 390×844 in Chinese: a refused step
takes the reader to what to put right, uploads do not cost extra presses of Back, a unit held by
another request is said at step 1, and the request page's forms pick files with thumbnails."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image
from playwright.async_api import BrowserContext, Page, expect

from db.returns import Applied, apply_action
from domain.lifecycle import Action, Actor, Command, Role
from tests.browser.flows import sign_in
from tests.integration import factories

PHONE = "13800138000"
SERIAL = "P8A2611000202"


def _photo(tmp_path: Path, name: str = "screen.jpg") -> Path:
    path = tmp_path / name
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 200)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


async def _merchant_with_an_order() -> int:
    merchant_id = await factories.merchant(phone=PHONE, name="上海小杨生煎")
    await factories.order(merchant_id, datetime.now(UTC) - timedelta(days=3), serials=(SERIAL,))
    return merchant_id


async def _to_step_2(page: Page, base: str) -> None:
    await sign_in(page, base, PHONE, next_path="/returns/new?new=1")
    await page.locator("a.choice-link").first.click()
    await page.locator("input[name=item]").first.check()
    await page.locator("form[method=post] button[type=submit]").first.click()
    await expect(page.get_by_text("第 2 步，共 5 步")).to_be_visible()


async def to_step_3(page: Page, base: str) -> None:
    """Steps 1 and 2 done; at the photos, once the page is ready."""
    await _to_step_2(page, base)
    await page.locator("input[name=reason][value=quality_defect]").check()
    await page.locator("textarea[name=description]").fill("屏幕碎裂，无法显示。")
    await page.locator("form[method=post] button[type=submit]").first.click()
    await expect(page.get_by_text("第 3 步，共 5 步")).to_be_visible()
    # the picker uploads in place once htmx has taken the page; a file chosen before that goes
    # the way it does without script (a page load, a step in the history): as a person would,
    # choose once the page is ready
    await page.wait_for_function(
        "typeof htmx !== 'undefined' && document.readyState === 'complete'"
    )


async def _refuse_step_2(page: Page) -> None:
    # "other" needs a description: leave it empty and send
    await page.locator("input[name=reason][value=other]").check()
    await page.locator("form[method=post] button[type=submit]").first.click()


async def test_a_refused_step_takes_the_reader_to_what_to_put_right(
    live_server: str, browser_contexts: list[BrowserContext]
) -> None:
    await _merchant_with_an_order()
    for context in browser_contexts:  # with script (htmx swaps the form), then without
        page = await context.new_page()
        await _to_step_2(page, live_server)
        await _refuse_step_2(page)

        summary = page.locator("#problems")
        await expect(summary).to_be_visible()
        await expect(summary).to_be_in_viewport()
        await expect(summary.get_by_role("link")).to_have_count(1)
        if await page.evaluate("typeof htmx !== 'undefined'"):
            await expect(summary).to_be_focused()
        else:
            assert page.url.endswith("#problems"), page.url
        # the summary's entry leads to the field it names, and the words are said once, there
        await summary.get_by_role("link").click()
        await expect(page.locator("#f-description")).to_be_in_viewport()
        await expect(page.locator(".field-error")).to_have_count(1)
        await page.close()


async def test_uploading_at_step_3_costs_no_extra_press_of_back(
    live_server: str, page: Page, tmp_path: Path
) -> None:
    await _merchant_with_an_order()
    await to_step_3(page, live_server)

    for count, name in enumerate(("one.jpg", "two.jpg"), start=1):
        await page.locator("#f-files").set_input_files(str(_photo(tmp_path, name)))
        await expect(page.locator(".thumbs img")).to_have_count(count)
        # the new form is htmx's once the swap has settled (a person takes longer than that)
        await page.wait_for_function(
            "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
        )
    await page.reload()  # the address answers GET: the step again, not a 405
    await expect(page.get_by_text("第 3 步，共 5 步")).to_be_visible()
    await expect(page.locator(".thumbs img")).to_have_count(2)

    await page.go_back()
    await expect(page.get_by_text("第 2 步，共 5 步")).to_be_visible()


async def test_a_unit_on_another_live_request_is_said_at_step_1(
    live_server: str, page: Page
) -> None:
    merchant_id = await factories.merchant(phone=PHONE, name="上海小杨生煎")
    _, earlier = await factories.submitted(merchant_id, datetime.now(UTC), serials=(SERIAL,))
    await sign_in(page, live_server, PHONE, next_path="/returns/new?new=1")
    await page.locator("a.choice-link").first.click()

    held = page.locator("li.item-held")
    await expect(held).to_have_count(1)
    await expect(held.locator("input[name=item]")).to_be_disabled()
    await expect(held).to_contain_text(earlier)


async def test_the_appeal_form_picks_photos_with_thumbnails_that_can_be_taken_back(
    live_server: str, page: Page, tmp_path: Path
) -> None:
    merchant_id = await factories.merchant(phone=PHONE)
    request_id, rma = await factories.submitted(merchant_id, datetime.now(UTC))
    rejected = await apply_action(
        request_id,
        Command(Action.REJECT, reason_code="not_a_defect", message="照片不清楚。"),
        Actor(Role.REVIEWER, "staff:1"),
        datetime.now(UTC),
        actor_name="审核员 王芳",
    )
    assert isinstance(rejected, Applied)
    await sign_in(page, live_server, PHONE, next_path=f"/returns/{rma}")

    appeal = page.locator("#appeal")
    await appeal.locator("#f-appeal-files").set_input_files(
        [str(_photo(tmp_path, "a.jpg")), str(_photo(tmp_path, "b.jpg"))]
    )
    await expect(appeal.locator(".thumbs img")).to_have_count(2)
    await appeal.locator(".thumbs button.remove").first.click()
    await expect(appeal.locator(".thumbs img")).to_have_count(1)

    await appeal.locator("textarea[name=statement]").fill("终端确实无法开机，附上新的照片。")
    await appeal.locator("button[type=submit]").click()
    await expect(page.locator("#appeal")).to_have_count(0)
    # the one photo kept is the one the appeal carries
    await expect(page.locator(".timeline .thumbs img, .timeline a[href*='/files/']")).to_have_count(
        1
    )


async def test_a_poll_that_fails_leaves_the_page_and_a_later_decision_still_arrives(
    live_server: str, page: Page
) -> None:
    merchant_id = await factories.merchant(phone=PHONE)
    request_id, rma = await factories.submitted(merchant_id, datetime.now(UTC))
    await sign_in(page, live_server, PHONE, next_path=f"/returns/{rma}")
    status_card = page.locator(".status-card")
    before = await status_card.inner_text()

    # the service away for a moment: polls answer with the 503 page
    outage = "**/returns/*/status*"
    await page.route(outage, lambda route: route.fulfill(status=503, body="<h1>稍后再试</h1>"))
    async with page.expect_response(lambda response: "/status" in response.url) as answered:
        pass
    assert (await answered.value).status == 503
    await page.wait_for_timeout(500)  # whatever the answer would have done, it has done
    await expect(page.get_by_text("稍后再试")).to_have_count(0)
    assert await status_card.inner_text() == before
    await page.unroute(outage)

    await factories.staff_decides(request_id, Action.APPROVE, datetime.now(UTC))
    await expect(page.locator(".status-card .badge", has_text="已通过")).to_be_visible(
        timeout=10_000
    )
