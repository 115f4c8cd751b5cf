"""The audit log and the CSV export, for supervisors only."""

from __future__ import annotations

import csv
import html
import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from domain.labels import STATE_LABELS
from domain.lifecycle import Action, State
from tests.integration import factories
from web.i18n import translations

Client = AsyncTestClient  # type: ignore[type-arg]


@pytest.fixture(autouse=True)
def _as_answered(client: Client) -> None:
    client.follow_redirects = False
    client.headers["Accept-Language"] = "en"


async def _supervisor(client: Client) -> None:
    await factories.staff_session(client, await factories.staff("zhao", "supervisor"))


async def test_the_audit_log_shows_who_did_what_from_which_state_to_which(
    client: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    approved_id, approved = await factories.submitted(merchant_id, now)
    rejected_id, rejected = await factories.submitted(merchant_id, now)
    await factories.staff_decides(approved_id, Action.APPROVE, now, name="审核员 王芳")
    await factories.staff_decides(
        rejected_id, Action.REJECT, now, name="审核员 刘洋", reason_code="other", message="No."
    )
    await _supervisor(client)
    log = await client.get("/staff/audit")
    assert log.status_code == 200
    assert approved in log.text and rejected in log.text and "审核员 王芳" in log.text
    en = translations("en")
    moved = (
        f"{en.gettext(STATE_LABELS[State.SUBMITTED])} → {en.gettext(STATE_LABELS[State.APPROVED])}"
    )
    assert html.escape(moved) in log.text
    assert "Submit" not in log.text.split("<tbody>")[1]  # merchants' own steps are not staff's
    only = await client.get("/staff/audit", params={"actor": "刘洋"})
    assert rejected in only.text and approved not in only.text
    by_action = await client.get("/staff/audit", params={"action": "approve"})
    assert approved in by_action.text and rejected not in by_action.text


async def test_the_export_opens_in_excel_with_chinese_and_runs_no_formula(
    client: Client, now: datetime
) -> None:
    named = await factories.merchant(name='=HYPERLINK("http://evil.example","点我")')
    plain = await factories.merchant(name="上海小杨生煎")
    _, first = await factories.submitted(named, now)
    _, second = await factories.submitted(plain, now)
    await _supervisor(client)
    day = now.date()
    response = await client.get(
        "/staff/export.csv",
        params={
            "from": (day - timedelta(days=1)).isoformat(),
            "to": (day + timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "RMA"
    by_rma = {row[0]: row for row in rows[1:]}
    assert by_rma[second][2] == "上海小杨生煎"
    assert by_rma[first][2].startswith("'=HYPERLINK")  # shown as text, never run


async def test_a_bad_period_is_sent_back_with_words(client: Client) -> None:
    await _supervisor(client)
    for params in (
        {},
        {"from": "2026-12-10", "to": "2026-12-01"},
        {"from": "2024-01-01", "to": "2026-01-01"},
        {"from": "x", "to": "y"},
    ):
        response = await client.get("/staff/export.csv", params=params)
        assert response.status_code == 303, params
        assert response.headers["location"] == "/staff/audit?export_problem=1"
    page = await client.get("/staff/audit", params={"export_problem": "1"})
    assert "Choose a first and a last day, at most a year apart." in page.text


async def test_days_out_of_range_are_a_400_or_a_period_sent_back(client: Client) -> None:
    await _supervisor(client)
    client.headers["Accept-Language"] = "en"
    for params in ({"to": "9999-12-31"}, {"from": "0001-01-01"}):
        page = await client.get("/staff/audit", params=params)
        assert page.status_code == 400, params
        assert "Choose a date between" in page.text
    export = await client.get(
        "/staff/export.csv", params={"from": "9999-12-30", "to": "9999-12-31"}
    )
    assert export.status_code == 303
    assert export.headers["location"] == "/staff/audit?export_problem=1"


async def test_only_supervisors_read_the_audit_log_and_export(client: Client) -> None:
    for role in ("reviewer", "inspector", "finance", "counter"):
        await factories.staff_session(client, await factories.staff(role, role))
        assert (await client.get("/staff/audit")).status_code == 403, role
        assert (
            await client.get("/staff/export.csv", params={"from": "2026-12-01", "to": "2026-12-01"})
        ).status_code == 403


async def test_finance_sees_the_full_account_only_on_request_and_each_reveal_is_logged(
    client: Client, now: datetime, settings: Any
) -> None:
    from db.crypto import encrypt_account

    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(
        merchant_id,
        now,
        serials=("P8AREFUND01",),
        refund_method="bank_transfer",
        refund_bank="招商银行",
        refund_account_holder="杨小明",
        refund_account_last4="6789",
        refund_account_enc=encrypt_account(settings.secret_key, "6222020200116789"),
    )
    for action, role in ((Action.APPROVE, "reviewer"), (Action.RECEIVE, "inspector"),
                         (Action.INSPECT_PASS, "inspector")):  # fmt: skip
        await factories.staff_decides(
            request_id,
            action,
            now,
            role=role,
            confirmed_serials=("P8AREFUND01",) if action is Action.INSPECT_PASS else (),
        )
    finance = await factories.staff("chenjing", "finance")
    await factories.staff_session(client, finance)
    screen = await client.get(f"/staff/requests/{rma}")
    assert "ending 6789" in screen.text and "6222020200116789" not in screen.text
    shown = await client.post(
        f"/staff/requests/{rma}/account", data={"_csrf_token": factories.token_in(screen.text)}
    )
    assert shown.status_code == 200
    assert "6222020200116789" in shown.text and "杨小明" in shown.text
    assert shown.headers["cache-control"] == "no-store"

    await factories.staff_session(client, await factories.staff("wangfang", "reviewer"))
    other = await client.get(f"/staff/requests/{rma}")
    assert "Show the full account number" not in other.text
    refused = await client.post(
        f"/staff/requests/{rma}/account", data={"_csrf_token": factories.token_in(other.text)}
    )
    assert refused.status_code == 403 and "6222020200116789" not in refused.text

    await _supervisor(client)
    log = await client.get("/staff/audit")
    assert "Showed a full account number" in log.text and rma in log.text
    assert "finance chenjing" in log.text
