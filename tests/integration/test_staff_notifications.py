"""Staff are told in the admin: a merchant's message or answer reaches whoever last worked on
the request (else the role it waits for), an appeal the supervisors, work that gave up the
supervisors (once a quarter hour, however much gives up). Opening the list marks it seen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient

from db.outbox import MAX_ATTEMPTS, add_to_outbox, mark_failed
from db.tables import OutboxRow
from domain.lifecycle import Action
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]


@pytest.fixture(autouse=True)
def _as_answered(client: Client) -> None:
    client.headers["Accept-Language"] = "en"


async def _as(client: Client, staff_id: int) -> str:
    """The signed-in staff member's notifications page."""
    client.cookies.clear()
    await factories.staff_session(client, staff_id)
    return (await client.get("/staff/notifications")).text


async def _unread_on_queue(client: Client, staff_id: int) -> str:
    client.cookies.clear()
    await factories.staff_session(client, staff_id)
    return (await client.get("/staff/queue")).text


async def test_a_merchant_answer_and_message_reach_the_reviewer_who_asked(client: Client) -> None:
    now = datetime.now(UTC)
    asker = await factories.staff("wang", "reviewer")
    colleague = await factories.staff("li", "reviewer")
    merchant = await factories.merchant()
    request_id, rma = await factories.submitted(merchant, now)
    await factories.staff_decides(request_id, Action.ASK_INFO, now, staff_id=f"staff:{asker}",
                                  message="请补充照片")  # fmt: skip
    await factories.merchant_answers(request_id, merchant, now, "已补充")
    await factories.message(request_id, merchant, "请尽快处理", now)
    assert 'class="count-badge">2<' in await _unread_on_queue(client, asker)
    page = await _as(client, asker)
    assert f"The merchant answered the question on {rma}" in page
    assert f"The merchant wrote on {rma}." in page and f'href="/staff/requests/{rma}"' in page
    assert "count-badge" not in (await client.get("/staff/queue")).text  # seen now
    assert rma not in await _as(client, colleague)


async def test_an_appeal_reaches_every_supervisor(client: Client) -> None:
    now = datetime.now(UTC)
    supervisors = [await factories.staff(n, "supervisor") for n in ("zhao", "qian")]
    reviewer = await factories.staff("wang", "reviewer")
    merchant = await factories.merchant()
    request_id, rma = await factories.submitted(merchant, now)
    await factories.staff_decides(request_id, Action.REJECT, now, staff_id=f"staff:{reviewer}",
                                  reason_code="not_a_defect", message="照片未显示故障")  # fmt: skip
    await factories.merchant_appeals(request_id, merchant, now, "故障确实存在")
    for supervisor in supervisors:
        assert f"{rma} was appealed: the appeal waits for a supervisor." in await _as(
            client, supervisor
        )
    assert "was appealed" not in await _as(client, reviewer)


async def test_a_message_on_a_request_nobody_touched_goes_to_the_reviewers(client: Client) -> None:
    now = datetime.now(UTC)
    reviewer = await factories.staff("wang", "reviewer")
    inspector = await factories.staff("zhou", "inspector")
    merchant = await factories.merchant()
    request_id, rma = await factories.submitted(merchant, now)
    await factories.message(request_id, merchant, "什么时候审核？", now)
    assert f"The merchant wrote on {rma}." in await _as(client, reviewer)
    assert rma not in await _as(client, inspector)


async def test_work_that_gives_up_alerts_supervisors_once_however_much_gives_up(
    client: Client,
) -> None:
    now = datetime.now(UTC)
    supervisor = await factories.staff("zhao", "supervisor")
    for n in range(3):
        key = f"webhook:test:{n}"
        await add_to_outbox(key=key, job="send_notification", payload={}, due_at=now)
        await OutboxRow.update({OutboxRow.attempts: MAX_ATTEMPTS}).where(OutboxRow.key == key)
        assert await mark_failed(key, "provider said 500", now)
    page = await _as(client, supervisor)
    assert page.count("Work gave up after its last try") == 1
    assert "1 waiting under Work that did not go out" in page and 'href="/staff/outbox"' in page
    later = now + timedelta(minutes=16)
    await add_to_outbox(key="webhook:test:late", job="send_notification", payload={}, due_at=later)
    await OutboxRow.update({OutboxRow.attempts: MAX_ATTEMPTS}).where(
        OutboxRow.key == "webhook:test:late"
    )
    assert await mark_failed("webhook:test:late", "again", later)
    assert "4 waiting under" in await _as(client, supervisor)
