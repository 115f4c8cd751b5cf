"""Returns registered at a counter (DESIGN §1, §7): the request is the merchant's, its channel
and outlet say where it was registered, and it is submitted by the counter in one go — or,
refused, leaves nothing behind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from db.drafts import insert_items
from db.engine import atomic
from db.evidence import stage, stored_names
from db.files import FileStore
from db.policies import current_policy, ensure_policy
from db.returns import Applied, apply_action
from db.staging import attach_staged
from db.tables import Outlet, ReturnRequest
from domain.evidence import PreparedFile
from domain.lifecycle import Action, Actor, Command, Refusal, Resolution, State
from domain.return_form import ChosenItem
from domain.terms import Reason


@dataclass(frozen=True)
class Registration:
    merchant_id: int
    order_id: int
    items: list[ChosenItem]
    reason: Reason
    description: str
    resolution: Resolution
    contact_phone: str
    outlet_id: int | None  # the counter's outlet; None for a supervisor's registration


async def outlet_name_and_channel(outlet_id: int | None) -> tuple[str, str]:
    """The outlet's name and the channel its registrations carry (DESIGN §7)."""
    if outlet_id is None:
        return "", "web"  # a supervisor registers on the merchant's behalf, as customer service
    row = await Outlet.select(Outlet.name, Outlet.kind).where(Outlet.id == outlet_id).first()
    if row is None:
        return "", "outlet"
    return row["name"], "partner" if row["kind"] == "partner_shop" else "outlet"


async def _create(registration: Registration, now: datetime) -> int:
    version = (await current_policy())[0] or await ensure_policy()
    _, channel = await outlet_name_and_channel(registration.outlet_id)
    async with atomic():
        inserted = await ReturnRequest.insert(
            ReturnRequest(
                merchant=registration.merchant_id,
                order=registration.order_id,
                state=State.DRAFT.value,
                channel=channel,
                outlet=registration.outlet_id,
                policy_version=version,
                draft_step=5,
                reason=registration.reason.value,
                description=registration.description.strip(),
                resolution=registration.resolution.value,
                refund_method="original" if registration.resolution is Resolution.REFUND else "",
                contact_phone=registration.contact_phone,
                created_at=now,
                updated_at=now,
            )
        ).returning(ReturnRequest.id)
        request_id = int(inserted[0]["id"])
        await insert_items(request_id, registration.items)
    return request_id


async def register_return(
    registration: Registration,
    actor: Actor,
    actor_name: str,
    files: Sequence[PreparedFile],
    store: FileStore,
    now: datetime,
    *,
    override_reason: str = "",
) -> Applied | Refusal:
    """Create the request, attach the photos taken at the counter as its evidence and submit
    it as `actor`. `files` were checked and prepared by web.uploads; they are stored here,
    once the request exists, by the path the merchant's uploads take. Refused (window closed, a unit already on a request), nothing is kept."""
    request_id = await _create(registration, now)
    try:
        ids = [await stage(store, request_id, actor.id, prepared) for prepared in files]
        async with atomic():
            await attach_staged(ids, request_id)  # evidence of the request itself, as step 3's
        command = Command(
            Action.SUBMIT, override_window=bool(override_reason), message=override_reason
        )
        result = await apply_action(request_id, command, actor, now, actor_name=actor_name)
    except BaseException:
        await _abandon(request_id, store)
        raise
    if isinstance(result, Refusal):
        await _abandon(request_id, store)
    return result


async def _abandon(request_id: int, store: FileStore) -> None:
    names = await stored_names(request_id)
    await ReturnRequest.delete().where(
        (ReturnRequest.id == request_id) & (ReturnRequest.state == State.DRAFT.value)
    )
    await store.delete(names)
