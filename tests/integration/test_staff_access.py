"""Every staff route × every role, anonymous included, from one table: a role the table names
reaches the route (whatever the handler then says: never a 401, 403 or 5xx); any other role
gets 403 and changes nothing; an anonymous visitor is sent to sign in. A staff route missing
from the table fails the test, so a new page cannot skip the question."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from db.tables import PartnerClient, PolicyVersion, ReturnRequest, StaffUser
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]

ALL = frozenset({"reviewer", "inspector", "finance", "supervisor", "counter"})
SUPERVISOR = frozenset({"supervisor"})
SIGN_IN = {"/staff/login", "/staff/logout", "/staff/login/code", "/staff/login/enrol"}
REGISTER = [
    ("GET", "/staff/register"),
    ("POST", "/staff/register"),
    ("GET", "/staff/register/code"),
    ("POST", "/staff/register/code"),
    ("POST", "/staff/register/end"),
    ("GET", "/staff/register/orders"),
    ("GET", "/staff/register/orders/{order_id:str}"),
    ("POST", "/staff/register/orders/{order_id:str}"),
]
CLIENT = "/staff/api-clients/{client_id:str}"
SUBSCRIPTION = CLIENT + "/subscriptions/{subscription_id:str}"
API_CLIENTS = [
    ("GET", "/staff/api-clients"),
    ("POST", "/staff/api-clients"),
    ("GET", "/staff/api-clients/new"),
    ("GET", CLIENT),
    ("POST", CLIENT),
    ("GET", CLIENT + "/edit"),
    ("POST", CLIENT + "/rotate"),
    ("GET", CLIENT + "/revoke"),
    ("POST", CLIENT + "/revoke"),
    ("GET", CLIENT + "/subscriptions/new"),
    ("POST", CLIENT + "/subscriptions"),
    ("GET", SUBSCRIPTION),
    ("POST", SUBSCRIPTION),
    ("GET", SUBSCRIPTION + "/edit"),
    ("POST", SUBSCRIPTION + "/active"),
    ("POST", SUBSCRIPTION + "/rotate"),
    ("GET", SUBSCRIPTION + "/remove"),
    ("POST", SUBSCRIPTION + "/remove"),
    ("POST", SUBSCRIPTION + "/redeliver"),
    ("POST", SUBSCRIPTION + "/deliveries/{delivery_id:str}/redeliver"),
]
RUN = "/staff/imports/{run_id:str}"
IMPORTS = [
    ("GET", "/staff/imports"),
    ("POST", "/staff/imports"),
    ("GET", "/staff/imports/templates/{kind:str}"),
    ("GET", RUN),
    ("POST", RUN + "/start"),
    ("POST", RUN + "/undo"),
    ("GET", RUN + "/refused.csv"),
]
TABLE: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/staff/queue"): ALL,
    ("GET", "/staff/notifications"): ALL,
    ("GET", "/staff/requests/{rma:str}"): ALL,
    ("POST", "/staff/requests/{rma:str}/decide"): ALL,  # then domain/ says which action
    ("POST", "/staff/requests/{rma:str}/claim"): ALL,
    ("POST", "/staff/requests/{rma:str}/release"): ALL,
    ("POST", "/staff/requests/{rma:str}/messages"): ALL,
    ("POST", "/staff/requests/{rma:str}/staged"): ALL,
    ("GET", "/staff/requests/{rma:str}/staged/{file_id:str}/thumb"): ALL,
    ("POST", "/staff/requests/{rma:str}/staged/{file_id:str}/remove"): ALL,
    ("POST", "/staff/requests/{rma:str}/cases/{case_id:str}/resolve"): ALL,
    ("GET", "/staff/files/{evidence_id:str}/{kind:str}"): ALL,
    ("GET", "/staff/requests/{rma:str}/documents"): ALL,
    ("GET", "/staff/requests/{rma:str}/documents/{kind:str}"): ALL,
    ("POST", "/staff/requests/{rma:str}/case-file"): SUPERVISOR,
    ("POST", "/staff/requests/{rma:str}/account"): frozenset({"finance"}),
    ("GET", "/staff/cases"): frozenset({"reviewer", "inspector", "supervisor"}),
    ("GET", "/staff/receive"): frozenset({"inspector"}),
    ("GET", "/staff/receive/{rma:str}"): frozenset({"inspector"}),
    ("GET", "/staff/outbox"): SUPERVISOR,
    ("POST", "/staff/outbox/retry"): SUPERVISOR,
    ("POST", "/staff/outbox/{key:str}/retry"): SUPERVISOR,
    ("GET", "/staff/audit"): SUPERVISOR,
    ("GET", "/staff/export.csv"): SUPERVISOR,
    ("GET", "/staff/dashboard"): SUPERVISOR,
    ("GET", "/staff/policy"): SUPERVISOR,
    ("POST", "/staff/policy"): SUPERVISOR,
    ("GET", "/staff/people"): SUPERVISOR,
    ("POST", "/staff/people"): SUPERVISOR,
    ("GET", "/staff/people/new"): SUPERVISOR,
    ("GET", "/staff/people/{staff_id:str}"): SUPERVISOR,
    ("POST", "/staff/people/{staff_id:str}"): SUPERVISOR,
    ("POST", "/staff/people/{staff_id:str}/active"): SUPERVISOR,
    **{route: SUPERVISOR for route in API_CLIENTS},
    **{route: SUPERVISOR for route in IMPORTS},
    **{route: frozenset({"counter", "supervisor"}) for route in REGISTER},
}


def _staff_routes(client: Client) -> set[tuple[str, str]]:
    found = set()
    for route in client.app.routes:
        for handler in getattr(route, "route_handlers", ()):
            for method in handler.http_methods:
                if route.path.startswith("/staff") and method in ("GET", "POST"):
                    found.add((method, route.path))
    return found


def test_every_staff_route_is_in_the_table(client: Client) -> None:
    routes = {(m, p) for m, p in _staff_routes(client) if p not in SIGN_IN}
    assert routes == set(TABLE), routes ^ set(TABLE)


def _filled(path: str, rma: str) -> str:
    values = {"rma": rma, "case_id": "1", "evidence_id": "1", "kind": "thumb",
              "key": "notify:1:sms", "staff_id": "999999", "order_id": "1", "file_id": "1",
              "client_id": "999999", "subscription_id": "1", "delivery_id": "1", "run_id": "1"}  # fmt: skip
    return re.sub(r"\{(\w+):str\}", lambda m: values[m.group(1)], path)


async def _ask(client: Client, method: str, path: str, token: str) -> Any:
    if method == "GET":
        return await client.get(path)
    return await client.post(path, data={"_csrf_token": token})


@pytest.mark.parametrize("role", [None, *sorted(ALL)])
async def test_each_role_reaches_its_routes_and_is_refused_the_others(
    client: Client, role: str | None
) -> None:
    client.follow_redirects = False
    merchant = await factories.merchant()
    request_id, rma = await factories.submitted(merchant, datetime.now(UTC))
    if role is not None:
        outlet = await factories.outlet("SZ01") if role == "counter" else None
        await factories.staff_session(client, await factories.staff("me", role, outlet_id=outlet))
    token = await factories.csrf_token(client, "/staff/queue" if role else "/staff/login")
    before = (await ReturnRequest.select(ReturnRequest.version).where(ReturnRequest.id == request_id).first(),
              await PolicyVersion.count(), await StaffUser.count(), await PartnerClient.count())  # fmt: skip
    for (method, path), allowed in sorted(TABLE.items()):
        answer = await _ask(client, method, _filled(path, rma), token)
        where = f"{role} {method} {path}: {answer.status_code}"
        if role is None:
            assert answer.status_code == 303 and answer.headers["location"].startswith(
                "/staff/login"
            ), where
        elif role in allowed:
            assert answer.status_code not in (401, 403) and answer.status_code < 500, where
        else:
            assert answer.status_code == 403, where
    if role not in ("supervisor", "reviewer"):  # the only ones allowed to change these here
        after = (await ReturnRequest.select(ReturnRequest.version).where(ReturnRequest.id == request_id).first(),
                 await PolicyVersion.count(), await StaffUser.count(), await PartnerClient.count())  # fmt: skip
        assert after == before
