"""A client's webhook subscriptions, for supervisors on the client's page: add one (an address
checked as the API checks it, event types, none meaning all) and see its signing secret once,
change it, pause and resume it, rotate its secret (the old one signing on for an overlap
chosen), remove it. Each change is in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from db.webhook_subscriptions import (
    Subscription,
    add_subscription,
    change_subscription,
    remove_subscription,
    rotate_secret,
)
from domain.partners import EVENT_TYPES, events_problem, webhook_url_problem
from domain.terms import Role
from web.auth import current_staff, staff_required
from web.i18n import render_text
from web.navigation import redirect_to
from web.rendering import render
from web.staff import shown_once
from web.staff.api_admin import (
    audit,
    event_choices,
    overlap_hours,
    overlap_problem,
    unprintable,
)
from web.staff.api_clients import BASE, found_client
from web.staff.api_deliveries import SUBSCRIPTION, found_subscription, subscription_page
from web.staff.navigation import staff_nav

GUARDS = [staff_required(Role.SUPERVISOR)]


def _form(request: Request[Any, Any, Any], found: dict[str, Any], values: dict[str, Any],
          errors: dict[str, str], editing: Subscription | None = None,
          status_code: int = 200) -> Response[Any]:  # fmt: skip
    return render(
        request,
        "staff/api_subscription_form.html",
        status_code=status_code,
        nav=staff_nav(current_staff(request), "api_clients"),
        client=found,
        values=values,
        errors=errors,
        editing=editing,
        events=event_choices(),
    )


async def _read(request: Request[Any, Any, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The form as typed, and what is wrong with it by field."""
    form = await request.form()
    url = str(form.get("url") or "").strip()[:600]
    events = [str(event)[:60] for event in form.getall("events", [])[: len(EVENT_TYPES) + 1]]
    checked = "" if unprintable(url) else url  # an empty address is refused by the same words
    problems = {
        "url": webhook_url_problem(
            checked, allow_http=request.app.state.settings.webhook_allow_http
        ),
        "events": events_problem(events),
    }
    errors = {field: render_text(text) for field, text in problems.items() if text is not None}
    return {"url": url, "events": events}, errors


def _detail(values: dict[str, Any]) -> str:
    return f"{values['url']} · {' '.join(sorted(set(values['events']))) or '*'}"


@get(f"{BASE}/{{client_id:str}}/subscriptions/new", name="staff_api_subscription_new",
     guards=GUARDS)  # fmt: skip
async def new_subscription(request: Request[Any, Any, Any], client_id: FromPath[str]) -> Response[Any]:  # fmt: skip
    found = await found_client(client_id)
    if not found["active"]:  # a revoked client hears of nothing
        return redirect_to(request, f"{BASE}/{found['id']}")
    return _form(request, found, {"url": "", "events": []}, {})


@post(f"{BASE}/{{client_id:str}}/subscriptions", name="staff_api_subscription_create",
      guards=GUARDS)  # fmt: skip
async def create(request: Request[Any, Any, Any], client_id: FromPath[str]) -> Response[Any]:
    found = await found_client(client_id)
    if not found["active"]:
        return redirect_to(request, f"{BASE}/{found['id']}")
    values, errors = await _read(request)
    if errors:
        return _form(request, found, values, errors, status_code=422)
    now = datetime.now(UTC)
    new_id, secret = await add_subscription(int(found["id"]), values["url"], values["events"],
                                            request.app.state.settings.secret_key, now)  # fmt: skip
    await shown_once.keep(request, f"subscription:{new_id}", secret)
    await audit(request, "add_webhook", f"{found['name']} · {new_id}", _detail(values), now)
    return redirect_to(request, f"{BASE}/{found['id']}/subscriptions/{new_id}")


@get(f"{SUBSCRIPTION}/edit", name="staff_api_subscription_edit", guards=GUARDS)
async def edit(request: Request[Any, Any, Any], client_id: FromPath[str],
               subscription_id: FromPath[str]) -> Response[Any]:  # fmt: skip
    found, chosen = await found_subscription(client_id, subscription_id)
    values = {"url": chosen.url, "events": list(chosen.events)}
    return _form(request, found, values, {}, editing=chosen)


@post(SUBSCRIPTION, name="staff_api_subscription_update", guards=GUARDS)
async def update(request: Request[Any, Any, Any], client_id: FromPath[str],
                 subscription_id: FromPath[str]) -> Response[Any]:  # fmt: skip
    found, chosen = await found_subscription(client_id, subscription_id)
    values, errors = await _read(request)
    if errors:
        return _form(request, found, values, errors, editing=chosen, status_code=422)
    await change_subscription(int(found["id"]), chosen.id, url=values["url"],
                              events=values["events"], active=chosen.active)  # fmt: skip
    await audit(request, "change_webhook", f"{found['name']} · {chosen.id}", _detail(values),
                datetime.now(UTC))  # fmt: skip
    return redirect_to(request, f"{BASE}/{found['id']}/subscriptions/{chosen.id}")


@post(f"{SUBSCRIPTION}/active", name="staff_api_subscription_active", guards=GUARDS)
async def toggle_active(request: Request[Any, Any, Any], client_id: FromPath[str],
                        subscription_id: FromPath[str]) -> Response[Any]:  # fmt: skip
    found, chosen = await found_subscription(client_id, subscription_id)
    active = not chosen.active
    await change_subscription(int(found["id"]), chosen.id, url=chosen.url,
                              events=list(chosen.events), active=active)  # fmt: skip
    await audit(request, "resume_webhook" if active else "pause_webhook",
                f"{found['name']} · {chosen.id}", chosen.url, datetime.now(UTC))  # fmt: skip
    return redirect_to(request, f"{BASE}/{found['id']}/subscriptions/{chosen.id}")


@post(f"{SUBSCRIPTION}/rotate", name="staff_api_subscription_rotate", guards=GUARDS)
async def rotate(request: Request[Any, Any, Any], client_id: FromPath[str],
                 subscription_id: FromPath[str]) -> Response[Any]:  # fmt: skip
    found, chosen = await found_subscription(client_id, subscription_id)
    hours = overlap_hours((await request.form()).get("overlap"))
    if hours is None:
        return await subscription_page(request, found, chosen, errors=overlap_problem(),
                                       status_code=422)  # fmt: skip
    now = datetime.now(UTC)
    secret = await rotate_secret(int(found["id"]), chosen.id, timedelta(hours=hours),
                                 request.app.state.settings.secret_key, now)  # fmt: skip
    if secret is not None:
        await shown_once.keep(request, f"subscription:{chosen.id}", secret)
        await audit(request, "rotate_webhook_secret", f"{found['name']} · {chosen.id}",
                    f"{hours} h", now)  # fmt: skip
    return redirect_to(request, f"{BASE}/{found['id']}/subscriptions/{chosen.id}")


@get(f"{SUBSCRIPTION}/remove", name="staff_api_subscription_remove_ask", guards=GUARDS)
async def ask_remove(request: Request[Any, Any, Any], client_id: FromPath[str],
                     subscription_id: FromPath[str]) -> Response[Any]:  # fmt: skip
    found, chosen = await found_subscription(client_id, subscription_id)
    return render(request, "staff/api_subscription_remove.html",
                  nav=staff_nav(current_staff(request), "api_clients"), client=found,
                  subscription=chosen)  # fmt: skip


@post(f"{SUBSCRIPTION}/remove", name="staff_api_subscription_remove", guards=GUARDS)
async def remove(request: Request[Any, Any, Any], client_id: FromPath[str],
                 subscription_id: FromPath[str]) -> Response[Any]:  # fmt: skip
    found, chosen = await found_subscription(client_id, subscription_id)
    if await remove_subscription(int(found["id"]), chosen.id):
        await audit(request, "remove_webhook", f"{found['name']} · {chosen.id}", chosen.url,
                    datetime.now(UTC))  # fmt: skip
    return redirect_to(request, f"{BASE}/{found['id']}")


ROUTES: list[Any] = [new_subscription, create, edit, update, toggle_active, rotate, ask_remove,
                     remove]  # fmt: skip
