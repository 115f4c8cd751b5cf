"""Staff accounts, for supervisors at /staff/people: create one (with a password that follows
the rules), change its name, role or outlet, deactivate or reactivate it. A deactivated account
is signed out on its next click; nobody deactivates themselves. Each change is in the audit log."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from db.audit import record_staff_action
from db.errors import NotFound
from db.passwords import hash_password
from db.staff import (
    all_staff,
    create_staff,
    outlets,
    set_active,
    staff_record,
    update_staff,
    username_taken,
)
from domain.labels import ROLE_LABELS
from domain.staff import MAX_PASSWORD_LENGTH, STAFF_ROLES, account_problems, staff_role
from domain.terms import Role
from domain.text import N_
from web.auth import current_staff, staff_required
from web.i18n import gettext as _
from web.i18n import render_text
from web.navigation import redirect_to
from web.params import whole_number
from web.rendering import render
from web.staff.navigation import staff_nav

GUARDS = [staff_required(Role.SUPERVISOR)]
NAME_TAKEN = N_("Another account has this user name.")


def _roles() -> list[tuple[str, str]]:
    return [(role.value, _(ROLE_LABELS[role])) for role in STAFF_ROLES]


async def _form(request: Request[Any, Any, Any], values: dict[str, str], errors: dict[str, str],
                editing: int | None = None, status_code: int = 200) -> Response[Any]:  # fmt: skip
    return render(
        request,
        "staff/person.html",
        status_code=status_code,
        nav=staff_nav(current_staff(request), "people"),
        values=values,
        errors=errors,
        editing=editing,
        roles=_roles(),
        outlets=await outlets(),
        max_password=MAX_PASSWORD_LENGTH,
    )


@get("/staff/people", name="staff_people", guards=GUARDS)
async def people(request: Request[Any, Any, Any]) -> Response[Any]:
    return render(
        request,
        "staff/people.html",
        nav=staff_nav(current_staff(request), "people"),
        people=await all_staff(),
        role_labels={role.value: _(label) for role, label in ROLE_LABELS.items()},
        me=current_staff(request).id,
    )


@get("/staff/people/new", name="staff_person_new", guards=GUARDS)
async def new_person(request: Request[Any, Any, Any]) -> Response[Any]:
    return await _form(request, {"role": Role.REVIEWER.value}, {})


class _Typed:
    """An account form as typed (kept to show again) and as understood."""

    def __init__(self, values: dict[str, str], role: Role | None, outlet_id: int | None,
                 password: str | None) -> None:  # fmt: skip
        self.values, self.role, self.outlet_id, self.password = values, role, outlet_id, password


async def _read(request: Request[Any, Any, Any], *, editing: bool) -> _Typed:
    form = await request.form()
    values = {
        k: str(form.get(k) or "")[:200] for k in ("username", "display_name", "role", "outlet")
    }
    values["username"] = values["username"].strip().lower()[:60]
    role = staff_role(values["role"])
    outlet_id = whole_number(values["outlet"]) if role is Role.COUNTER else None
    password: str | None = str(form.get("password") or "")[: MAX_PASSWORD_LENGTH + 1]
    if editing and not password:
        password = None  # an edit with the field left empty keeps the password
    return _Typed(values, role, outlet_id, password)


async def _problems(typed: _Typed, username: str) -> dict[str, str]:
    known = [int(o["id"]) for o in await outlets()]
    problems = account_problems(username, typed.values["display_name"], typed.role,
                                typed.outlet_id, typed.password, known)  # fmt: skip
    return {field: render_text(text) for field, text in problems.items()}


async def _audit(request: Request[Any, Any, Any], action: str, subject: str, detail: str) -> None:
    staff = current_staff(request)
    await record_staff_action(staff_id=staff.id, staff_name=staff.display_name, action=action,
                              subject=subject, detail=detail, at=datetime.now(UTC))  # fmt: skip


@post("/staff/people", name="staff_person_create", guards=GUARDS)
async def create(request: Request[Any, Any, Any]) -> Response[Any]:
    typed = await _read(request, editing=False)
    errors = await _problems(typed, typed.values["username"])
    if "username" not in errors and await username_taken(typed.values["username"]):
        errors["username"] = _(NAME_TAKEN)
    if errors or typed.role is None or typed.password is None:
        return await _form(request, typed.values, errors, status_code=422)
    hashed = await asyncio.to_thread(hash_password, typed.password)
    await create_staff(typed.values["username"], typed.values["display_name"], typed.role,
                       typed.outlet_id, hashed)  # fmt: skip
    await _audit(request, "create_staff", typed.values["username"], typed.role.value)
    return redirect_to(request, "/staff/people")


@get("/staff/people/{staff_id:str}", name="staff_person", guards=GUARDS)
async def person(request: Request[Any, Any, Any], staff_id: FromPath[str]) -> Response[Any]:
    found = await _record_or_404(staff_id)
    values = {"username": found["username"], "display_name": found["display_name"],
              "role": found["role"], "outlet": str(found["outlet"] or "")}  # fmt: skip
    return await _form(request, values, {}, editing=int(found["id"]))


async def _record_or_404(staff_id: str) -> dict[str, Any]:
    number = whole_number(staff_id)
    found = await staff_record(number) if number is not None else None
    if found is None:
        raise NotFound(staff_id)
    return found


@post("/staff/people/{staff_id:str}", name="staff_person_update", guards=GUARDS)
async def update(request: Request[Any, Any, Any], staff_id: FromPath[str]) -> Response[Any]:
    found = await _record_or_404(staff_id)
    typed = await _read(request, editing=True)
    typed.values["username"] = found["username"]  # a user name stays: the audit log names it
    errors = await _problems(typed, found["username"])
    if errors or typed.role is None:
        return await _form(request, typed.values, errors, editing=int(found["id"]), status_code=422)
    hashed = None
    if typed.password is not None:
        hashed = await asyncio.to_thread(hash_password, typed.password)
    await update_staff(int(found["id"]), typed.values["display_name"], typed.role,
                       typed.outlet_id, hashed)  # fmt: skip
    detail = typed.role.value + (" · new password" if hashed else "")
    await _audit(request, "edit_staff", found["username"], detail)
    return redirect_to(request, "/staff/people")


@post("/staff/people/{staff_id:str}/active", name="staff_person_active", guards=GUARDS)
async def toggle_active(request: Request[Any, Any, Any], staff_id: FromPath[str]) -> Response[Any]:
    found = await _record_or_404(staff_id)
    if int(found["id"]) != current_staff(request).id:  # nobody locks themselves out
        active = not found["active"]
        await set_active(int(found["id"]), active)
        await _audit(
            request, "activate_staff" if active else "deactivate_staff", found["username"], ""
        )
    return redirect_to(request, "/staff/people")


ROUTES: list[Any] = [people, new_person, create, person, update, toggle_active]
