"""The audit log and the CSV export, for supervisors only."""

from __future__ import annotations

import csv
import html
import io
from datetime import datetime, timedelta

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


async def test_only_supervisors_read_the_audit_log_and_export(client: Client) -> None:
    for role in ("reviewer", "inspector", "finance", "counter"):
        await factories.staff_session(client, await factories.staff(role, role))
        assert (await client.get("/staff/audit")).status_code == 403, role
        assert (
            await client.get("/staff/export.csv", params={"from": "2026-12-01", "to": "2026-12-01"})
        ).status_code == 403
