"""Staff accounts as the admin needs them: who signs in, with what, serving which outlet."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from db.engine import atomic
from db.staff_notifications import unread_count
from db.tables import Outlet, Product, StaffUser
from domain.lifecycle import Actor, Role


@dataclass(frozen=True)
class StaffAccount:
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    outlet_id: int | None
    unread_notices: int = 0  # staff notifications since they last looked (staff_by_id)
    notices_seen: int = 0
    session_epoch: int = 0  # sessions begun in an earlier epoch are over (StaffUser)

    @property
    def queue_outlet(self) -> int | None:
        """Whose requests the queue holds: counter staff their outlet's (none without one),
        everyone else every outlet's."""
        if self.role is Role.COUNTER:
            return self.outlet_id or 0  # no outlet has id 0
        return None

    @property
    def actor(self) -> Actor:
        return Actor(self.role, f"staff:{self.id}", outlet_id=self.outlet_id)


_COLUMNS = (
    StaffUser.id,
    StaffUser.username,
    StaffUser.display_name,
    StaffUser.role,
    StaffUser.active,
    StaffUser.outlet,
    StaffUser.notices_seen,
    StaffUser.session_epoch,
)


def _account(row: dict[str, Any]) -> StaffAccount:
    return StaffAccount(
        id=int(row["id"]),
        username=str(row["username"]),
        display_name=str(row["display_name"]),
        role=Role(row["role"]),
        active=bool(row["active"]),
        outlet_id=int(row["outlet"]) if row["outlet"] is not None else None,
        notices_seen=int(row["notices_seen"] or 0),
        session_epoch=int(row["session_epoch"] or 0),
    )


async def staff_by_id(staff_id: int) -> StaffAccount | None:
    """The account a staff session names, if it still exists and is active."""
    row = await (
        StaffUser.select(*_COLUMNS)
        .where((StaffUser.id == staff_id) & (StaffUser.active == True))  # noqa: E712
        .first()
    )
    if row is None:
        return None
    account = _account(row)
    unread = await unread_count(account.id, account.role, account.notices_seen)
    return replace(account, unread_notices=unread)


async def sign_in_record(username: str) -> tuple[StaffAccount, str] | None:
    """The active account with this user name and its stored password hash."""
    row = await (
        StaffUser.select(*_COLUMNS, StaffUser.password_hash)
        .where((StaffUser.username == username) & (StaffUser.active == True))  # noqa: E712
        .first()
    )
    return (_account(row), str(row["password_hash"])) if row else None


async def sealed_totp_secret(staff_id: int) -> str:
    """The staff member's TOTP secret as stored (sealed; see db.crypto), "" until enrolled."""
    row = await StaffUser.select(StaffUser.totp_secret_enc).where(StaffUser.id == staff_id).first()
    return str(row["totp_secret_enc"]) if row else ""


async def enrol_totp(staff_id: int, sealed: str) -> bool:
    """Keep the first enrolled secret: a second enrolment of the same account changes nothing."""
    rows = await (
        StaffUser.update({StaffUser.totp_secret_enc: sealed})
        .where((StaffUser.id == staff_id) & (StaffUser.totp_secret_enc == ""))
        .returning(StaffUser.id)
    )
    return bool(rows)


async def replace_password_hash(staff_id: int, password_hash: str) -> None:
    await StaffUser.update({StaffUser.password_hash: password_hash}).where(StaffUser.id == staff_id)


async def all_staff() -> list[dict[str, Any]]:
    """Every account, active ones first, for the supervisors' list."""
    return (
        await StaffUser.select(*_COLUMNS, StaffUser.outlet.name.as_alias("outlet_name"))
        .order_by(StaffUser.active, ascending=False)
        .order_by(StaffUser.role, StaffUser.username)
    )


async def outlets() -> list[dict[str, Any]]:
    return (
        await Outlet.select(Outlet.id, Outlet.code, Outlet.name)
        .where(Outlet.active == True)  # noqa: E712 - SQL, not Python truth
        .order_by(Outlet.code)
    )


async def products() -> list[dict[str, Any]]:
    """What the queue can be filtered by: every product, by its Chinese name."""
    return await Product.select(Product.id, Product.name_zh, Product.name_en).order_by(
        Product.name_zh
    )


async def username_taken(username: str) -> bool:
    return bool(await StaffUser.exists().where(StaffUser.username == username))


async def create_staff(
    username: str, display_name: str, role: Role, outlet_id: int | None, password_hash: str
) -> int:
    rows = await StaffUser.insert(
        StaffUser(
            username=username,
            display_name=display_name.strip(),
            role=role.value,
            outlet=outlet_id,
            password_hash=password_hash,
        )
    ).returning(StaffUser.id)
    return int(rows[0]["id"])


async def update_staff(
    staff_id: int,
    display_name: str,
    role: Role,
    outlet_id: int | None,
    password_hash: str | None = None,
) -> None:
    """New name, role, outlet and perhaps password. A change of role, outlet or password ends
    every session begun before it: what they were let into no longer holds."""
    changes: dict[Any, Any] = {
        StaffUser.display_name: display_name.strip(),
        StaffUser.role: role.value,
        StaffUser.outlet: outlet_id,
    }
    if password_hash is not None:
        changes[StaffUser.password_hash] = password_hash
    async with atomic():
        before = await StaffUser.select(StaffUser.role, StaffUser.outlet).where(
            StaffUser.id == staff_id
        )
        moved = bool(before) and (before[0]["role"], before[0]["outlet"]) != (role.value, outlet_id)
        if moved or password_hash is not None:
            await _end_sessions(staff_id)
        await StaffUser.update(changes).where(StaffUser.id == staff_id)


async def set_active(staff_id: int, active: bool) -> None:
    """Deactivation ends every session of the account for good: reactivated, it signs in anew."""
    async with atomic():
        if not active:
            await _end_sessions(staff_id)
        await StaffUser.update({StaffUser.active: active}).where(StaffUser.id == staff_id)


async def _end_sessions(staff_id: int) -> None:
    await StaffUser.update({StaffUser.session_epoch: StaffUser.session_epoch + 1}).where(
        StaffUser.id == staff_id
    )


async def staff_record(staff_id: int) -> dict[str, Any] | None:
    """An account whether active or not (the supervisors' edit form)."""
    row: dict[str, Any] | None = (
        await StaffUser.select(*_COLUMNS).where(StaffUser.id == staff_id).first()
    )
    return row
