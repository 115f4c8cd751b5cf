"""API clients, for supervisors at /staff/api-clients: add one (name, channel, outlet, scopes, rate
limit) and see its key once, change it, rotate its key (the old one working on for an overlap
chosen: none after a leak), revoke it for good. Each change is in the audit log; a key is never
in a URL, a redirect or the database in clear (db.partners keeps its hash)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from db.errors import NotFound
from db.partners import (
    all_clients,
    client_record,
    create_client,
    revoke_client,
    rotate_key,
    update_client,
)
from db.staff import outlets
from db.webhook_subscriptions import subscriptions_of
from domain.partners import DEFAULT_RATE_LIMIT, client_problems, parse_key
from domain.terms import Role
from web.auth import current_staff, staff_required
from web.i18n import render_text
from web.navigation import redirect_to
from web.params import row_id, whole_number
from web.rendering import render
from web.staff import shown_once
from web.staff.api_admin import (
    audit,
    channel_choices,
    key_prefix,
    overlap_choices,
    overlap_hours,
    overlap_problem,
    scope_choices,
    unprintable,
    words_for_clients,
)
from web.staff.navigation import staff_nav

GUARDS = [staff_required(Role.SUPERVISOR)]
BASE = "/staff/api-clients"
_FIELDS = ("name", "channel", "outlet", "rate_limit")


async def _outlet_names() -> dict[int, str]:
    return {int(o["id"]): f"{o['code']} · {o['name']}" for o in await outlets()}


@get(BASE, name="staff_api_clients", guards=GUARDS)
async def clients(request: Request[Any, Any, Any]) -> Response[Any]:
    names = await _outlet_names()
    rows = [
        {**row, "outlet_name": names.get(row["outlet"] or 0, "")} for row in await all_clients()
    ]
    return render(
        request,
        "staff/api_clients.html",
        nav=staff_nav(current_staff(request), "api_clients"),
        clients=rows,
        prefix=key_prefix(request),
        now=datetime.now(UTC),
        **words_for_clients(),
    )


async def _form(request: Request[Any, Any, Any], values: dict[str, Any], errors: dict[str, str],
                editing: dict[str, Any] | None = None, status_code: int = 200) -> Response[Any]:  # fmt: skip
    return render(
        request,
        "staff/api_client_form.html",
        status_code=status_code,
        nav=staff_nav(current_staff(request), "api_clients"),
        values=values,
        errors=errors,
        editing=editing,
        channels=channel_choices(),
        scopes=scope_choices(),
        outlets=await outlets(),
    )


@get(f"{BASE}/new", name="staff_api_client_new", guards=GUARDS)
async def new_client(request: Request[Any, Any, Any]) -> Response[Any]:
    values = {"channel": "partner", "rate_limit": str(DEFAULT_RATE_LIMIT), "scopes": []}
    return await _form(request, values, {})


class _Typed:
    """A client form as typed (kept to show again) and as understood."""

    def __init__(self, values: dict[str, Any], outlet_id: int | None, scopes: list[str],
                 rate_limit: int | None) -> None:  # fmt: skip
        self.values, self.outlet_id, self.scopes, self.rate_limit = (
            values, outlet_id, scopes, rate_limit)  # fmt: skip


async def _read(request: Request[Any, Any, Any]) -> _Typed:
    form = await request.form()
    values: dict[str, Any] = {name: str(form.get(name) or "")[:200] for name in _FIELDS}
    scopes = [str(scope)[:40] for scope in form.getall("scopes", [])[:10]]
    values["scopes"] = scopes
    outlet_text = values["outlet"].strip()
    # typed but not an id: an outlet nobody has, so it is refused by its field, not dropped
    outlet_id = (whole_number(outlet_text) or -1) if outlet_text else None
    return _Typed(values, outlet_id, scopes, whole_number(values["rate_limit"]))


async def _problems(typed: _Typed, channel: str) -> dict[str, str]:
    known = [int(o["id"]) for o in await outlets()]
    name = typed.values["name"]
    found = client_problems("" if unprintable(name, spaces=True) else name, channel,
                            typed.outlet_id, typed.scopes, typed.rate_limit, known)  # fmt: skip
    return {field: render_text(text) for field, text in found.items()}


@post(BASE, name="staff_api_client_create", guards=GUARDS)
async def create(request: Request[Any, Any, Any]) -> Response[Any]:
    typed = await _read(request)
    errors = await _problems(typed, typed.values["channel"])
    if errors or typed.rate_limit is None:
        return await _form(request, typed.values, errors, status_code=422)
    now = datetime.now(UTC)
    client_id, key = await create_client(
        typed.values["name"], typed.values["channel"], typed.outlet_id, typed.scopes,
        typed.rate_limit, now, test_key=request.app.state.settings.debug,
    )  # fmt: skip
    await shown_once.keep(request, f"client:{client_id}", key)
    detail = f"{typed.values['channel']} · {' '.join(sorted(set(typed.scopes)))} · {typed.rate_limit}/min"
    await audit(request, "create_api_client", _subject(typed.values["name"], key), detail, now)
    return redirect_to(request, f"{BASE}/{client_id}")


def _subject(name: str, key: str) -> str:
    """How the audit log names a client: its name and its key's id (never the key)."""
    parts = parse_key(key, test_keys=True)
    return f"{name.strip()} · {parts[0] if parts else ''}"


async def found_client(client_id: str) -> dict[str, Any]:
    """The client a path names, active or revoked; 404 for anything else."""
    found = await client_record(row_id(client_id))
    if found is None:
        raise NotFound(client_id)
    return found


async def client_page(request: Request[Any, Any, Any], found: dict[str, Any], *,
                      errors: dict[str, str] | None = None, status_code: int = 200) -> Response[Any]:  # fmt: skip
    key = await shown_once.take(request, f"client:{found['id']}")
    return render(
        request,
        "staff/api_client.html",
        status_code=status_code,
        headers=shown_once.NO_STORE,
        nav=staff_nav(current_staff(request), "api_clients"),
        client=found,
        key=key,
        prefix=key_prefix(request),
        outlet_name=(await _outlet_names()).get(found["outlet"] or 0, ""),
        subscriptions=await subscriptions_of(int(found["id"])),
        overlaps=overlap_choices(),
        errors=errors or {},
        now=datetime.now(UTC),
        **words_for_clients(),
    )


@get(f"{BASE}/{{client_id:str}}", name="staff_api_client", guards=GUARDS)
async def client(request: Request[Any, Any, Any], client_id: FromPath[str]) -> Response[Any]:
    return await client_page(request, await found_client(client_id))


@get(f"{BASE}/{{client_id:str}}/edit", name="staff_api_client_edit", guards=GUARDS)
async def edit(request: Request[Any, Any, Any], client_id: FromPath[str]) -> Response[Any]:
    found = await found_client(client_id)
    if not found["active"]:  # revoked for good: nothing about it changes any more
        return redirect_to(request, f"{BASE}/{found['id']}")
    values = {"name": found["name"], "channel": found["channel"],
              "outlet": str(found["outlet"] or ""), "rate_limit": str(found["rate_limit"]),
              "scopes": list(found["scopes"] or ())}  # fmt: skip
    return await _form(request, values, {}, editing=found)


@post(f"{BASE}/{{client_id:str}}", name="staff_api_client_update", guards=GUARDS)
async def update(request: Request[Any, Any, Any], client_id: FromPath[str]) -> Response[Any]:
    found = await found_client(client_id)
    if not found["active"]:
        return redirect_to(request, f"{BASE}/{found['id']}")
    typed = await _read(request)
    typed.values["channel"] = found["channel"]  # a client's channel stays: its requests carry it
    errors = await _problems(typed, found["channel"])
    if errors or typed.rate_limit is None:
        return await _form(request, typed.values, errors, editing=found, status_code=422)
    await update_client(int(found["id"]), typed.values["name"], typed.outlet_id, typed.scopes,
                        typed.rate_limit)  # fmt: skip
    detail = f"{' '.join(sorted(set(typed.scopes)))} · {typed.rate_limit}/min"
    subject = f"{typed.values['name'].strip()} · {found['key_id']}"
    await audit(request, "edit_api_client", subject, detail, datetime.now(UTC))
    return redirect_to(request, f"{BASE}/{found['id']}")


@post(f"{BASE}/{{client_id:str}}/rotate", name="staff_api_client_rotate", guards=GUARDS)
async def rotate(request: Request[Any, Any, Any], client_id: FromPath[str]) -> Response[Any]:
    found = await found_client(client_id)
    hours = overlap_hours((await request.form()).get("overlap"))
    if hours is None:
        return await client_page(request, found, errors=overlap_problem(), status_code=422)
    now = datetime.now(UTC)
    key = await rotate_key(int(found["id"]), timedelta(hours=hours), now,
                           test_key=request.app.state.settings.debug)  # fmt: skip
    if key is not None:  # None: revoked meanwhile, and a revoked client gets no key
        await shown_once.keep(request, f"client:{found['id']}", key)
        await audit(request, "rotate_api_key", _subject(found["name"], key),
                    f"{found['key_id']} · {hours} h", now)  # fmt: skip
    return redirect_to(request, f"{BASE}/{found['id']}")


@get(f"{BASE}/{{client_id:str}}/revoke", name="staff_api_client_revoke_ask", guards=GUARDS)
async def ask_revoke(request: Request[Any, Any, Any], client_id: FromPath[str]) -> Response[Any]:
    found = await found_client(client_id)
    if not found["active"]:
        return redirect_to(request, f"{BASE}/{found['id']}")
    return render(request, "staff/api_client_revoke.html",
                  nav=staff_nav(current_staff(request), "api_clients"), client=found)  # fmt: skip


@post(f"{BASE}/{{client_id:str}}/revoke", name="staff_api_client_revoke", guards=GUARDS)
async def revoke(request: Request[Any, Any, Any], client_id: FromPath[str]) -> Response[Any]:
    found = await found_client(client_id)
    now = datetime.now(UTC)
    if await revoke_client(int(found["id"]), now):
        await audit(request, "revoke_api_client", f"{found['name']} · {found['key_id']}", "", now)
    return redirect_to(request, f"{BASE}/{found['id']}")


ROUTES: list[Any] = [clients, new_client, create, client, edit, update, rotate, ask_revoke, revoke]
