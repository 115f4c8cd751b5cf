"""Side cases from the staff side: replies in the case's thread, a logistics problem settled by
those handling the parcel, a fee dispute decided by a supervisor — which changes the refund."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from db.conversations import open_side_case
from db.snapshots import load_snapshot
from db.tables import Notification, ReturnRequest, SideCase
from domain.inspection import CHECKLIST
from domain.lifecycle import Action, Actor, Role
from domain.money import Money
from domain.side_cases import SideCaseKind
from domain.terms import Reason
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]


@pytest.fixture(autouse=True)
def _as_answered(client: Client) -> None:
    client.follow_redirects = False
    client.headers["Accept-Language"] = "en"


async def _case(request_id: int, merchant_id: int, kind: SideCaseKind, now: datetime) -> int:
    version = (await load_snapshot(request_id)).version
    actor = Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id)
    opened = await open_side_case(
        request_id, kind, actor, "商户", "The parcel has not moved for five days.", now,
        expected_version=version,
    )  # fmt: skip
    assert isinstance(opened, tuple), opened
    return opened[0]


async def _post(client: Client, rma: str, path: str, **data: Any) -> Any:
    screen = await client.get(f"/staff/requests/{rma}")
    return await client.post(
        f"/staff/requests/{rma}/{path}",
        data={"_csrf_token": factories.token_in(screen.text), **data},
    )


async def test_a_logistics_problem_is_answered_in_its_thread_and_settled(
    client: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now)
    await factories.staff_decides(request_id, Action.APPROVE, now)
    case_id = await _case(request_id, merchant_id, SideCaseKind.LOGISTICS, now)
    await factories.staff_session(client, await factories.staff("finance", "finance"))
    refused = await _post(client, rma, f"cases/{case_id}/resolve", outcome="Paid.")
    assert refused.status_code == 422 and "Your role does not allow this action." in refused.text

    await factories.staff_session(client, await factories.staff("wangfang", "reviewer"))
    replied = await _post(
        client, rma, "messages", body="We asked SF for a pick-up.", kind="reply", case=str(case_id)
    )
    assert replied.status_code == 303
    unsaid = await _post(client, rma, f"cases/{case_id}/resolve", outcome=" ")
    assert unsaid.status_code == 422 and "Say what was decided" in unsaid.text
    settled = await _post(
        client, rma, f"cases/{case_id}/resolve", outcome="SF will pick it up tomorrow."
    )
    assert settled.status_code == 303
    case = (await SideCase.select().where(SideCase.id == case_id))[0]
    assert (case["status"], case["outcome"]) == ("resolved", "SF will pick it up tomorrow.")
    assert await Notification.count().where(Notification.kind == "side_case_resolved") == 1

    await factories.sign_in(client, merchant_id)
    page = await client.get(f"/returns/{rma}/cases/{case_id}")
    assert "We asked SF for a pick-up." in page.text and "SF will pick it up tomorrow." in page.text


async def test_a_supervisor_decides_a_fee_dispute_and_the_refund_follows(
    client: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(
        merchant_id, now, serials=("P8AFEE00001",), reason=Reason.CHANGE_OF_MIND.value
    )
    await factories.staff_decides(request_id, Action.APPROVE, now)  # the merchant pays
    await ReturnRequest.update({ReturnRequest.shipping_advanced_fen: 2000}).where(
        ReturnRequest.id == request_id
    )
    await factories.staff_decides(request_id, Action.RECEIVE, now, role="inspector")
    await factories.staff_decides(request_id, Action.INSPECT_PASS, now, role="inspector",
                                  confirmed_serials=("P8AFEE00001",), checklist=tuple(CHECKLIST))  # fmt: skip
    before = await load_snapshot(request_id)
    assert before.refund_amount is not None
    case_id = await _case(request_id, merchant_id, SideCaseKind.FEE_DISPUTE, now)

    await factories.staff_session(client, await factories.staff("wangfang", "reviewer"))
    screen = await client.get(f"/staff/requests/{rma}")
    assert f"/cases/{case_id}/resolve" not in screen.text  # a reviewer does not decide the fee
    await factories.staff_session(client, await factories.staff("zhao", "supervisor"))
    unchosen = await _post(client, rma, f"cases/{case_id}/resolve", outcome="We pay.")
    assert unchosen.status_code == 422 and "Choose who pays the return shipping." in unchosen.text
    decided = await _post(
        client,
        rma,
        f"cases/{case_id}/resolve",
        outcome="The unit was faulty: we pay.",
        fee_payer="platform",
    )
    assert decided.status_code == 303
    after = await load_snapshot(request_id)
    assert after.fee_payer is not None and after.fee_payer.value == "platform"
    assert after.refund_amount == before.refund_amount + Money(2000)
    assert after.version == before.version + 1
    again = await _post(
        client, rma, f"cases/{case_id}/resolve", outcome="Again.", fee_payer="merchant"
    )
    assert again.status_code == 422 and "resolved already" in again.text
    assert re.search(
        r"The unit was faulty: we pay\.", (await client.get(f"/staff/requests/{rma}")).text
    )


async def test_open_cases_are_listed_for_those_who_settle_them(
    client: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant(name="上海小杨生煎")
    request_id, rma = await factories.submitted(merchant_id, now)
    await factories.staff_decides(request_id, Action.APPROVE, now)
    case_id = await _case(request_id, merchant_id, SideCaseKind.LOGISTICS, now)
    await factories.staff_session(client, await factories.staff("wangfang", "reviewer"))
    listed = await client.get("/staff/cases")
    assert listed.status_code == 200
    assert (
        f'href="/staff/requests/{rma}#case-{case_id}"' in listed.text
        and "上海小杨生煎" in listed.text
    )
    await factories.staff_session(client, await factories.staff("chen", "finance"))
    assert f"#case-{case_id}" not in (await client.get("/staff/cases")).text
