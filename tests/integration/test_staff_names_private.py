"""Names stay on the staff side: wherever the merchant reads who did something — the timeline,
the decision above an appeal, the messages, a side case's thread — staff are a role and a staff
number ("审核员 · 工号 0003"); staff still see each other by name."""

from __future__ import annotations

from datetime import datetime

from litestar.testing import AsyncTestClient

from db.tables import Message, SideCase
from domain.lifecycle import Action
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]
NAME = "王芳"


async def _rejected_by_staff_3(client: Client, now: datetime) -> tuple[int, str]:
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now)
    await factories.staff_decides(
        request_id,
        Action.REJECT,
        now,
        staff_id="staff:3",
        name=f"审核员 {NAME}",
        reason_code="evidence_unclear",
        message="照片模糊，看不清序列号",
    )
    await factories.sign_in(client, merchant_id)
    return request_id, rma


async def _staff_3_writes(request_id: int, body: str, side_case: int | None = None) -> None:
    await Message.insert(
        Message(
            request=request_id,
            side_case=side_case,
            author_role="reviewer",
            author_id="staff:3",
            author_name=f"审核员 {NAME}",
            body=body,
        )
    )


async def test_the_timeline_and_the_decision_appealed_name_a_role_and_a_staff_number(
    client: Client, now: datetime
) -> None:
    _, rma = await _rejected_by_staff_3(client, now)

    page = await client.get(f"/returns/{rma}")

    timeline = page.text.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    appeal = page.text.split('id="appeal"', 1)[1].split("</form>", 1)[0]
    assert "审核员 · 工号 0003" in timeline
    assert "审核员 · 工号 0003" in appeal and "照片模糊" in appeal
    assert NAME not in page.text


async def test_in_english_too(client: Client, now: datetime) -> None:
    _, rma = await _rejected_by_staff_3(client, now)

    page = await client.get(f"/returns/{rma}", headers={"Accept-Language": "en"})

    assert "Reviewer · staff no. 0003" in page.text
    assert NAME not in page.text


async def test_messages_and_side_case_threads_name_a_role_and_a_staff_number(
    client: Client, now: datetime
) -> None:
    request_id, rma = await _rejected_by_staff_3(client, now)
    case = await SideCase.insert(
        SideCase(request=request_id, kind="logistics", body="快递三天没动", opened_by="merchant:1")
    ).returning(SideCase.id)
    case_id = int(case[0]["id"])
    await _staff_3_writes(request_id, "请补拍序列号标签")
    await _staff_3_writes(request_id, "已联系快递公司", side_case=case_id)

    page = await client.get(f"/returns/{rma}")
    side = await client.get(f"/returns/{rma}/cases/{case_id}")

    thread = page.text.split('id="thread"', 1)[1].split("</ol>", 1)[0]
    assert "请补拍序列号标签" in thread and "审核员 · 工号 0003" in thread
    assert "已联系快递公司" in side.text and "审核员 · 工号 0003" in side.text
    assert NAME not in page.text and NAME not in side.text


async def test_staff_still_see_who_decided_by_name(client: Client, now: datetime) -> None:
    request_id, rma = await _rejected_by_staff_3(client, now)
    await _staff_3_writes(request_id, "请补拍序列号标签")
    staff_id = await factories.staff("zhaolei", "supervisor")
    await factories.staff_session(client, staff_id)

    screen = await client.get(f"/staff/requests/{rma}")

    assert f"审核员 {NAME}" in screen.text
