"""Every merchant page, in every state it can be in, passes the W3C Nu HTML checker (the vnu-jar
`make test` fetches, run on Debian's Java) with no error."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from db.documents import record_document
from db.tables import Order
from domain.lifecycle import Action, FeePayer
from settings import PROJECT_ROOT
from tests.integration import factories

VNU = PROJECT_ROOT / "tests" / "browser" / "vendor" / "vnu.jar"


def nu_errors(pages: dict[str, str], folder: Path) -> list[str]:
    """Each page's errors as the checker reports them, one JVM for them all."""
    files = []
    for name, html in pages.items():
        path = folder / f"{name}.html"
        path.write_text(html)
        files.append(str(path))
    run = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(run.stderr or '{"messages": []}')
    return [
        f"{Path(m['url']).stem}:{m.get('lastLine')}: {m['message']}"
        for m in report["messages"]
        if m["type"] == "error"
    ]


async def _request_in(state: Action | None, merchant_id: int, now: datetime) -> str:
    request_id, rma = await factories.submitted(merchant_id, now)
    steps: dict[Action, list[tuple[Action, dict[str, Any]]]] = {
        Action.ASK_INFO: [(Action.ASK_INFO, {"message": "请补充序列号照片"})],
        Action.APPROVE: [(Action.APPROVE, {"fee_payer": FeePayer.PLATFORM})],
        Action.REJECT: [
            (Action.REJECT, {"message": "使用痕迹明显", "reason_code": "damage_by_use"})
        ],
    }
    for action, fields in steps.get(state, []) if state else []:
        await factories.staff_decides(request_id, action, now, **fields)
    return rma


async def _id_of(rma: str) -> int:
    from db.tables import ReturnRequest

    row = await ReturnRequest.select(ReturnRequest.id).where(ReturnRequest.rma == rma).first()
    return int(row["id"])


async def _order_listing_no_sn(merchant_id: int, now: datetime) -> tuple[int, list[int], str]:
    """An order whose terminal's SN the merchant types (or scans) at step 1."""
    order_id, items = await factories.order(merchant_id, now - timedelta(days=2), serials=(None,))  # type: ignore[arg-type]
    number = await Order.select(Order.order_no).where(Order.id == order_id).first()
    return order_id, items, number["order_no"]


async def test_every_merchant_page_passes_the_nu_html_checker(client: Any, tmp_path: Path) -> None:
    now = datetime.now(UTC)  # with its microseconds, as every real timestamp has them
    pages: dict[str, str] = {}

    async def page(name: str, path: str, **kwargs: Any) -> None:
        response = await client.get(path, **kwargs)
        assert response.status_code in (200, 404, 409, 422), (path, response.status_code)
        pages[name] = response.text

    await page("signed-out-home", "/")
    await page("login", "/login")
    await page("track", "/track")
    await page("not-found", "/no-such-page")
    merchant_id = await factories.merchant(phone="13812345678")
    token = await factories.csrf_token(client, "/login")
    await client.post("/login", data={"phone": "13812345678", "next": "/", "_csrf_token": token})
    await page("login-code", "/login/code")
    await factories.sign_in(client, merchant_id)
    await page("home-empty", "/")
    rmas = {
        name: await _request_in(action, merchant_id, now)
        for name, action in (
            ("submitted", None),
            ("needs-info", Action.ASK_INFO),
            ("approved", Action.APPROVE),
            ("rejected", Action.REJECT),
        )
    }
    approved_id = await _id_of(rmas["approved"])
    # documents made: the authorization in two versions (opened or downloaded), a case file
    for kind, facts in (("authorization", "0"), ("authorization", "1"), ("case_file", "2")):
        await record_document(request_id=approved_id, kind=kind, facts_sha256=facts * 64,
                              stored_name=f"{kind}-{facts}", size=1, locale="zh_CN", now=now)  # fmt: skip
    for name, rma in rmas.items():
        await page(f"request-{name}", f"/returns/{rma}")
    await factories.message(await _id_of(rmas["submitted"]), merchant_id, "什么时候审核？", now)
    await page("request-with-message", f"/returns/{rmas['submitted']}")
    await page("cancel", f"/returns/{rmas['submitted']}/cancel")
    token = await factories.csrf_token(client, f"/returns/{rmas['approved']}")
    opened = await client.post(
        f"/returns/{rmas['approved']}/cases",
        data={"kind": "logistics", "body": "快递丢件", "version": "3", "_csrf_token": token},
    )
    pages["side-case"] = opened.text
    stale = await client.post(
        f"/returns/{rmas['approved']}/ship",
        data={"carrier": "SF", "tracking_number": "1", "version": "1", "_csrf_token": token},
    )
    assert stale.status_code == 409
    pages["conflict"] = stale.text
    track = await client.post(
        "/track", data={"rma": rmas["approved"], "last4": "5678", "_csrf_token": token}
    )
    pages["track-result"] = track.text
    await page("logistics", f"/returns/{rmas['approved']}/cases/new?kind=logistics")
    await page("home", "/")
    await page("notifications", "/notifications")
    order_id, items = await factories.order(merchant_id, now - timedelta(days=2))
    draft = await factories.draft(merchant_id, order_id, items)
    for step in range(1, 6):
        await page(f"step-{step}", f"/returns/drafts/{draft}/step/{step}")
    await page("step-1-choose", f"/returns/drafts/{draft}/step/1?choose=1")
    _, _, unlisted = await _order_listing_no_sn(merchant_id, now)
    await page("step-1-sn-to-type", "/returns/new", params={"order_no": unlisted})
    await page("new", "/returns/new?new=1")
    await page("discard", f"/returns/drafts/{draft}/discard")
    token = await factories.csrf_token(client, f"/returns/drafts/{draft}/step/2")
    refused = await client.post(
        f"/returns/drafts/{draft}/step/2", data={"reason": "other", "_csrf_token": token}
    )
    pages["step-2-refused"] = refused.text
    # the pieces the phone's pages add are among what is checked
    assert "documents/authorization?open=1" in pages["request-approved"]
    assert "data-scan-fills" in pages["step-1-sn-to-type"] and "data-scan-picks" in pages["step-1"]
    assert 'capture="environment"' in pages["step-3"]
    assert nu_errors(pages, tmp_path) == []


async def test_every_staff_page_passes_the_nu_html_checker(client: Any, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    merchant_id = await factories.merchant(phone="13800138000")
    pages = {"staff-login": (await client.get("/staff/login")).text}
    rmas = {}
    for state in (None, Action.APPROVE, Action.REJECT):
        rmas[state] = await _request_in(state, merchant_id, now)
    for role in ("reviewer", "inspector", "finance", "supervisor", "counter"):
        await factories.staff_session(client, await factories.staff(role, role))
        pages[f"queue-{role}"] = (await client.get("/staff/queue")).text
        for state, rma in rmas.items():
            pages[f"screen-{role}-{state}"] = (await client.get(f"/staff/requests/{rma}")).text
        tools = {
            "inspector": ["/staff/receive", "/staff/cases"],
            "supervisor": [
                "/staff/outbox",
                "/staff/audit",
                "/staff/people",
                "/staff/people/new",
                "/staff/api-clients",
                "/staff/dashboard",
                "/staff/policy",
                "/staff/register",
                "/staff/notifications",
            ],
            "counter": ["/staff/register"],
        }
        for n, path in enumerate(tools.get(role, [])):
            pages[f"{role}-tool-{n}"] = (await client.get(path)).text
    await factories.staff_session(client, await factories.staff("dock", "inspector"))
    pages["receive-unknown"] = (
        await client.get("/staff/receive", params={"code": "RD2612-AAAA-BBBB"})
    ).text
    client.cookies.clear()
    await factories.staff("sun", "supervisor", password="a-long-test-passphrase")
    token = factories.token_in((await client.get("/staff/login")).text)
    signed = await client.post(
        "/staff/login",
        data={"username": "sun", "password": "a-long-test-passphrase", "_csrf_token": token},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text[-3000:]
    pages["enrol"] = (await client.get("/staff/login/enrol")).text
    assert "<svg" in pages["enrol"] and "没有此编号的退货申请" in pages["receive-unknown"]
    await factories.staff_session(client, await factories.staff("second", "reviewer"))
    screen = await client.get(f"/staff/requests/{rmas[None]}")
    refused = await client.post(
        f"/staff/requests/{rmas[None]}/decide",
        data={"action": "reject", "version": "2", "_csrf_token": factories.token_in(screen.text)},
    )
    assert refused.status_code == 422
    pages["screen-refused"] = refused.text
    assert nu_errors(pages, tmp_path) == []


async def test_every_api_client_page_passes_the_nu_html_checker(
    client: Any, tmp_path: Path
) -> None:
    from tests.integration.test_api_clients_admin import _history

    client.follow_redirects = False
    await factories.staff_session(client, await factories.staff("zhao", "supervisor"))
    await factories.outlet("PS01")
    pages = {"clients-empty": (await client.get("/staff/api-clients")).text}
    pages["client-new"] = (await client.get("/staff/api-clients/new")).text
    token = factories.token_in(pages["client-new"])
    fields = {"name": "门店收银系统", "channel": "partner", "outlet": "", "rate_limit": "600",
              "scopes": ["returns:read"], "_csrf_token": token}  # fmt: skip
    pages["client-refused"] = (await client.post("/staff/api-clients", data={**fields, "channel": "x", "scopes": ["y"], "rate_limit": "0"})).text  # fmt: skip
    page = (await client.post("/staff/api-clients", data=fields)).headers["location"]
    pages["client-with-key"] = (await client.get(page)).text
    await client.post(f"{page}/rotate", data={"overlap": "24", "_csrf_token": token})
    pages["client-rotated"] = (await client.get(page)).text
    pages["client-overlap-refused"] = (await client.post(f"{page}/rotate", data={"overlap": "9", "_csrf_token": token})).text  # fmt: skip
    pages["client-edit"] = (await client.get(f"{page}/edit")).text
    pages["client-revoke"] = (await client.get(f"{page}/revoke")).text
    pages["subscription-new"] = (await client.get(f"{page}/subscriptions/new")).text
    sub_fields = {"url": "https://hooks.example.com/h", "events": ["return.approved"], "_csrf_token": token}  # fmt: skip
    pages["subscription-refused"] = (await client.post(f"{page}/subscriptions", data={**sub_fields, "url": "ftp://x", "events": ["bogus"]})).text  # fmt: skip
    sub = (await client.post(f"{page}/subscriptions", data=sub_fields)).headers["location"]
    numbers = [int(n) for n in sub.split("/") if n.isdigit()]
    await _history(numbers[0], numbers[1], datetime.now(UTC))
    pages["subscription-with-secret-and-log"] = (await client.get(sub)).text
    pages["subscription-edit"] = (await client.get(f"{sub}/edit")).text
    pages["subscription-remove"] = (await client.get(f"{sub}/remove")).text
    pages["subscription-since-refused"] = (await client.post(f"{sub}/redeliver", data={"since_day": "x", "since_time": "y", "_csrf_token": token})).text  # fmt: skip
    await client.post(f"{sub}/active", data={"_csrf_token": token})
    pages["subscription-paused"] = (await client.get(f"{sub}?sent=paused")).text
    await client.post(f"{page}/revoke", data={"_csrf_token": token})
    pages["client-revoked"] = (await client.get(page)).text
    pages["clients"] = (await client.get("/staff/api-clients")).text
    assert (
        "rdk_test_" in pages["client-with-key"]
        and "whsec_" in pages["subscription-with-secret-and-log"]
    )
    assert "upstream boom" in pages["subscription-with-secret-and-log"]
    assert nu_errors(pages, tmp_path) == []


async def test_every_import_page_passes_the_nu_html_checker(client: Any, tmp_path: Path) -> None:
    from tests.integration.queue import deliver_outbox
    from tests.integration.test_imports import MERCHANTS, upload

    client.follow_redirects = False
    await factories.staff_session(client, await factories.staff("zhao", "supervisor"))
    pages = {"imports-empty": (await client.get("/staff/imports")).text}
    token = factories.token_in(pages["imports-empty"])
    pages["import-refused"] = (await upload(client, token, "merchants", b"\xff\xfe\x00")).text
    page = (await upload(client, token, "merchants", MERCHANTS.encode("gbk"))).headers["location"]
    pages["import-preview"] = (await client.get(page)).text
    await client.post(f"{page}/start", data={"_csrf_token": token})
    pages["import-queued"] = (await client.get(page)).text
    pages["import-progress-fragment"] = (
        "<!doctype html><html lang=zh-CN><title>x</title>"
        + (await client.get(page, headers={"HX-Request": "true"})).text
    )
    await deliver_outbox()
    pages["import-done"] = (await client.get(page)).text
    pages["imports"] = (await client.get("/staff/imports")).text
    assert "M-1" in pages["import-preview"] and "已完成" in pages["import-done"]
    assert nu_errors(pages, tmp_path) == []
