"""Policy settings for supervisors at /staff/policy: windows, deadlines, evidence, who pays the
return shipping, counter approval and auto-approval. Each save is a new version (who, when,
why); requests keep the version they were submitted under."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post

from db.audit import record_staff_action
from db.policies import current_policy, policy_history, save_policy
from domain.labels import REASON_LABELS
from domain.policy_edit import CATEGORIES, MAX_CHANGE_REASON, NUMBERS, edited_policy, form_values
from domain.terms import Reason, Role
from domain.text import N_
from web.auth import current_staff, staff_required
from web.i18n import gettext as _
from web.i18n import render_text
from web.navigation import redirect_to
from web.params import whole_number
from web.rendering import render
from web.staff.navigation import staff_nav

GUARDS = [staff_required(Role.SUPERVISOR)]
SAVED_MEANWHILE = N_(
    "A colleague saved a newer version meanwhile. Here it is: make your change again on top of it."
)
CATEGORY_LABELS = {
    "terminal": N_("Terminals"),
    "accessory": N_("Accessories"),
    "consumable": N_("Consumables"),
}


async def _page(request: Request[Any, Any, Any], values: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, notice: str = "",
                status_code: int = 200) -> Response[Any]:  # fmt: skip
    version, policy = await current_policy()
    return render(
        request,
        "staff/policy.html",
        status_code=status_code,
        nav=staff_nav(current_staff(request), "policy"),
        version=version,
        values=values or form_values(policy),
        errors=errors or {},
        notice=notice,
        history=await policy_history(),
        numbers=[bound.name for bound in NUMBERS],
        categories=[(c, _(CATEGORY_LABELS[c])) for c in CATEGORIES],
        reasons=[(r.value, _(REASON_LABELS[r])) for r in Reason],
        max_reason=MAX_CHANGE_REASON,
    )


@get("/staff/policy", name="staff_policy", guards=GUARDS)
async def policy_page(request: Request[Any, Any, Any]) -> Response[Any]:
    saved = request.query_params.get("saved", "")
    notice = _("Version %(n)s is now in force.") % {"n": saved} if saved.isdigit() else ""
    return await _page(request, notice=notice)


@post("/staff/policy", name="staff_policy_save", guards=GUARDS)
async def save(request: Request[Any, Any, Any]) -> Response[Any]:
    form = await request.form()
    typed = {str(k): str(v)[: MAX_CHANGE_REASON + 1] for k, v in form.items()}
    based_on = whole_number(typed.get("based_on", ""))
    version, policy = await current_policy()
    if based_on != version:
        return await _page(request, errors={"form": _(SAVED_MEANWHILE)}, status_code=409)
    edited, problems = edited_policy(policy, typed, version + 1)
    if edited is None:
        errors = {field: render_text(text) for field, text in problems.items()}
        return await _page(request, values=typed, errors=errors, status_code=422)
    staff, now = current_staff(request), datetime.now(UTC)
    change_reason = typed["change_reason"].strip()
    if await save_policy(edited, staff.display_name, change_reason, now) is None:
        return await _page(request, errors={"form": _(SAVED_MEANWHILE)}, status_code=409)
    await record_staff_action(
        staff_id=staff.id, staff_name=staff.display_name, action="change_policy",
        subject=f"policy v{edited.version}", detail=change_reason, at=now,
    )  # fmt: skip
    return redirect_to(request, f"/staff/policy?saved={edited.version}")


ROUTES: list[Any] = [policy_page, save]
