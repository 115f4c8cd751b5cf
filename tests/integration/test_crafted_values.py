"""Every route, page and form, merchant's and staff's, given crafted values in every field it
reads — huge, negative, out of range, unknown, not a number, repeated past any form's limit —
answers with a page for people, never a 500. Routes and field names are collected from the app
and the templates, so a new form is in the corpus without anyone adding it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from litestar.testing import AsyncTestClient

from settings import PROJECT_ROOT
from tests.integration import factories
from tests.integration.test_staff_access import TABLE

Client = AsyncTestClient  # type: ignore[type-arg]

CRAFTED = [
    "7",  # an id that may well exist, once per field and twelve times over
    "-1",
    "99999999999999999999999999999",
    "1e309",
    "²",
    "0001-01-01",
    "9999-12-31",
    "bogus",
    "x" * 3000,
    "\u202e\u0000",
]
REPEATED = 12  # past every list a form holds (ten files, ten units)
# fields built per row (receipt-12, qty-3, sn-3) and by macros the patterns below miss
DYNAMIC = ["receipt-1", "qty-1", "sn-1", "confirm-1", "check"]
SKIPPED = {"/dev/outbox", "/logout", "/staff/logout"}  # sign-outs end the session being tested


def _field_names() -> list[str]:
    names: set[str] = set(DYNAMIC)
    for template in (PROJECT_ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        names |= set(re.findall(r'name="([a-z_][a-z0-9_-]*)"', text))
        names |= set(re.findall(r'field\(\s*"([a-z_][a-z0-9_-]*)"', text))
    for module in (PROJECT_ROOT / "web").rglob("*.py"):
        names |= set(re.findall(r'(?:get|getall)\(\s*"([a-z_][a-z0-9_-]*)"', module.read_text()))
    return sorted(names - {"_csrf_token", "viewport", "robots", "htmx-config"})


FIELDS = _field_names()


def _routes(client: Client) -> Iterator[tuple[str, str]]:
    for route in client.app.routes:
        if route.path.startswith("/static") or route.path in SKIPPED:
            continue
        for handler in getattr(route, "route_handlers", ()):
            for method in sorted(handler.http_methods & {"GET", "POST"}):
                yield method, route.path


def _filled(path: str, values: dict[str, str], default: str) -> str:
    return re.sub(
        r"\{(\w+):\w+\}", lambda m: quote(values.get(m.group(1), default)[:200], safe=""), path
    )


def _actor_for(method: str, path: str) -> str:
    """Who the route is for: a role the staff table allows (a supervisor where all are), else
    the merchant."""
    if not path.startswith("/staff"):
        return "merchant"
    allowed = TABLE.get((method, path), frozenset({"supervisor"}))
    return "supervisor" if "supervisor" in allowed else sorted(allowed)[0]


async def _signed_in_as(
    client: Client, actor: str, merchant_id: int, staff: dict[str, int]
) -> None:
    client.cookies.clear()
    if actor == "merchant":
        await factories.sign_in(client, merchant_id)
    else:
        await factories.staff_session(client, staff[actor])


async def _ask(client: Client, method: str, path: str, value: str, token: str) -> Any:
    if method == "GET":  # a URL has room for less
        return await client.get(path, params={name: value[:300] for name in FIELDS})
    times = REPEATED if len(value) < 100 else 1  # a long one once: under the body limit
    repeated = [(name, value) for name in FIELDS for _ in range(times)]
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if value == "bogus":  # as htmx would send it, too
        headers["HX-Request"] = "true"
    body = urlencode([*repeated, ("_csrf_token", token)])
    return await client.post(path, content=body, headers=headers)


@pytest.mark.parametrize("value", CRAFTED, ids=lambda v: repr(v[:12]))
async def test_no_route_answers_a_crafted_value_with_a_500(client: Client, value: str) -> None:
    client.follow_redirects = False
    now = datetime.now(UTC)
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now)
    order_id, items = await factories.order(merchant_id, now, serials=("SN-DRAFT",))
    draft_id = await factories.draft(merchant_id, order_id, items)
    outlet = await factories.outlet("SZ01")
    staff = {role: await factories.staff(role, role, outlet_id=outlet if role == "counter" else None)
             for role in ("reviewer", "inspector", "finance", "supervisor", "counter")}  # fmt: skip
    in_path = {"rma": rma, "draft_id": str(draft_id), "request_id": str(request_id),
               "order_id": str(order_id), "field": "contact_phone"}  # fmt: skip
    failures = []
    for method, path in sorted(set(_routes(client))):
        actor = _actor_for(method, path)
        await _signed_in_as(client, actor, merchant_id, staff)
        token = await factories.csrf_token(client, "/staff/queue" if actor != "merchant" else "/")
        # the path's own ids real (the fields carry the value), then crafted too
        for filled in {_filled(path, in_path, "1"), _filled(path, {"rma": rma}, value)}:
            answer = await _ask(client, method, filled, value, token)
            if answer.status_code >= 500:
                failures.append(f"{actor} {method} {filled}: {answer.status_code}")
    assert not failures, "\n".join(failures)
