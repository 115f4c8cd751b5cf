"""What every step of the return form shares: the draft it works on, its URLs, its frame."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response

from db.drafts import Draft, load_draft
from db.errors import NotFound
from domain.return_form import STEP_NAMES
from domain.text import Text
from web.auth import current_merchant, merchant_required
from web.i18n import gettext as _
from web.i18n import render_text
from web.navigation import redirect_to
from web.params import row_id
from web.rendering import render

GUARDS = [merchant_required]


def now() -> datetime:
    return datetime.now(UTC)


def step_url(draft_id: int, step: int) -> str:
    return f"/returns/drafts/{draft_id}/step/{step}"


def words(problems: dict[str, Text]) -> dict[str, str]:
    return {name: render_text(text) for name, text in problems.items()}


async def own_draft(request: Request[Any, Any, Any], draft_id: str) -> Draft:
    """The signed-in merchant's request; anyone else's (or none, or a crafted id) is a 404."""
    draft = await load_draft(row_id(draft_id), current_merchant(request).id)
    if draft is None:
        raise NotFound(draft_id)
    return draft


def page(
    request: Request[Any, Any, Any],
    step: int,
    draft: Draft | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response[str]:
    """A step's page (or its content block for htmx). A refused post answers at the step's own
    address, so a reload GETs the step instead of re-posting or meeting a 405."""
    headers = {"HX-Replace-Url": step_url(draft.id, step)} if draft and status_code >= 400 else {}
    return render(
        request,
        f"merchant/form/step{step}.html",
        block="content",
        status_code=status_code,
        headers=headers,
        step=step,
        step_names=[_(name) for name in STEP_NAMES],
        draft=draft,
        step_url=(lambda n: step_url(draft.id, n)) if draft else None,
        errors=context.pop("errors", {}),
        **context,
    )


def gone(request: Request[Any, Any, Any], draft: Draft) -> Response[Any]:
    """The request is no longer a draft (submitted meanwhile, e.g. from another tab): show it."""
    if draft.rma:
        return redirect_to(request, f"/returns/{draft.rma}")
    raise NotFound(draft.id)
