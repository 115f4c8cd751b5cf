"""One row of the lifecycle's transition table (domain.lifecycle.TRANSITIONS)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.changes import nothing
from domain.guards import Attempt, Guard
from domain.request import Changes, ReturnSnapshot
from domain.terms import Action, AppealOf, Resolution, Role, State


@dataclass(frozen=True)
class Transition:
    """One row: `action` by one of `roles` takes a request in `from_states` to `to_state`.

    `when` guards read only the request, the actor and the clock, so `allowed_actions` can
    check them before anyone types anything; `requires` guards read the command.
    """

    action: Action
    from_states: tuple[State, ...]
    to_state: State | None  # None: the draft is discarded
    roles: tuple[Role, ...]
    when: tuple[Guard, ...] = ()
    requires: tuple[Guard, ...] = ()
    changes: Callable[[Attempt], Changes] = nothing
    notify: tuple[str, ...] = ()  # channels; empty: the merchant is not told
    documents: tuple[str, ...] = ()
    unbinds_terminal: bool = False
    # one unit, one live request (DESIGN §2): submit takes the SNs, these rows give them back
    claims_serials: bool = False
    releases_serials: bool = False
    # rows that branch on the request: they apply only to the appeal kind / resolution named
    appeal_of: AppealOf | None = None
    resolution: Resolution | None = None

    def applies_to(self, snapshot: ReturnSnapshot) -> bool:
        return (
            snapshot.state in self.from_states
            and (self.appeal_of is None or self.appeal_of is snapshot.appeal_of)
            and (self.resolution is None or self.resolution is snapshot.resolution)
        )
