"""The unit status state machine: which status may follow which.

Pure domain rules; the ingest rules and staff actions call :func:`transition`.
"""

from __future__ import annotations

from app.errors import InvalidTransition
from app.models import UnitStatus

S = UnitStatus
_HELD = {S.PACKED, S.SHIPPED, S.DISPENSED, S.QUARANTINED, S.RECALLED, S.DECOMMISSIONED, S.DESTROYED}

ALLOWED: dict[UnitStatus, frozenset[UnitStatus]] = {
    S.COMMISSIONED: frozenset(_HELD),
    S.PACKED: frozenset({S.COMMISSIONED, *_HELD} - {S.PACKED, S.DISPENSED}),
    S.SHIPPED: frozenset({S.RECEIVED, S.QUARANTINED, S.RECALLED, S.DESTROYED}),
    S.RECEIVED: frozenset(_HELD),
    S.DISPENSED: frozenset({S.RETURNED}),
    S.RETURNED: frozenset({S.RECEIVED, S.QUARANTINED, S.DESTROYED, S.DECOMMISSIONED}),
    S.QUARANTINED: frozenset({S.RECEIVED, S.RECALLED, S.DESTROYED, S.DECOMMISSIONED}),
    S.RECALLED: frozenset({S.SHIPPED, S.DESTROYED, S.DECOMMISSIONED}),
    S.DECOMMISSIONED: frozenset(),
    S.DESTROYED: frozenset(),
}
"""For each status, the statuses a unit may move to next. Terminal statuses map to nothing."""


def can_transition(current: UnitStatus, new: UnitStatus) -> bool:
    """True when ``current -> new`` is allowed.

    >>> can_transition(UnitStatus.SHIPPED, UnitStatus.RECEIVED)
    True
    >>> can_transition(UnitStatus.DESTROYED, UnitStatus.RECEIVED)
    False
    """
    return new in ALLOWED[current]


def transition(identifier: str, current: UnitStatus, new: UnitStatus) -> UnitStatus:
    """Return ``new`` if ``current -> new`` is allowed, else raise :class:`InvalidTransition`.

    >>> transition("urn:epc:id:sgtin:0614141.107346.2018", UnitStatus.DISPENSED, UnitStatus.SHIPPED)
    Traceback (most recent call last):
    ...
    app.errors.InvalidTransition: unit urn:epc:id:sgtin:0614141.107346.2018 cannot go from dispensed to shipped; allowed from dispensed: returned
    """
    if can_transition(current, new):
        return new
    allowed = ", ".join(sorted(ALLOWED[current])) or "nothing (terminal status)"
    raise InvalidTransition(
        f"unit {identifier} cannot go from {current} to {new}; allowed from {current}: {allowed}",
        identifier=identifier,
        current=str(current),
        requested=str(new),
    )
