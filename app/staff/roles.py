"""Who may do what for the operator: the one table of staff roles and their permissions.

Every operator endpoint names one :class:`Permission`; a staff member holds the union of
their roles' permissions, whether they come by session cookie or by personal API key. An
operator key (issued to no partner) with scope ``admin`` holds them all.

>>> sorted(p.value for p in permissions_of(["picker"]))
['scan', 'ship']
>>> sorted(p.value for p in permissions_of(["receiver", "qa"]))
['adverse', 'investigate', 'quarantine', 'recall', 'receive', 'release', 'scan', 'trace']
>>> sorted(p.value for p in permissions_of(["pharmacist"]))
['adverse', 'cases', 'investigate', 'quarantine', 'scan', 'ship', 'trace']
>>> roles_with(Permission.RECALL)
('qa', 'admin')
>>> roles_with(Permission.CASES)
('pharmacist', 'admin')
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from app.models import StaffRole


class Permission(StrEnum):
    """One kind of operator action."""

    SCAN = "scan"  # POST /scans/verify, the scan page
    SHIP = "ship"  # /shipments/** (pick, pack, ship, printables), the pick & pack pages
    RECEIVE = "receive"  # /receiving/** and its pages: accept inbound shipments into stock
    CASES = "cases"  # named-patient cases, confirmation links, follow-ups (API and pages)
    ADVERSE = "adverse"  # record and read adverse-event reports on cases
    INVESTIGATE = "investigate"  # open, read, annotate, determine and clear investigations
    QUARANTINE = "quarantine"  # hold units, a case or a lot
    RELEASE = "release"  # release held units back to stock
    RECALL = "recall"  # record recalls and read who holds the recalled units
    TRACE = "trace"  # read and answer trace requests (the staff page)
    AUDIT = "audit"  # read the audit trail (the staff page)


PERMISSIONS = tuple(p.value for p in Permission)

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    StaffRole.PICKER: frozenset({Permission.SCAN, Permission.SHIP}),
    StaffRole.RECEIVER: frozenset({Permission.SCAN, Permission.RECEIVE}),
    StaffRole.PHARMACIST: frozenset({Permission.SCAN, Permission.SHIP, Permission.CASES,
                                     Permission.ADVERSE, Permission.INVESTIGATE,
                                     Permission.QUARANTINE, Permission.TRACE}),
    StaffRole.QA: frozenset({Permission.SCAN, Permission.ADVERSE, Permission.INVESTIGATE,
                             Permission.QUARANTINE, Permission.RELEASE, Permission.RECALL,
                             Permission.TRACE}),
    StaffRole.ADMIN: frozenset(Permission),
}
"""The role model (decision 0026): change it here and only here."""

ACTIONS = {
    Permission.SCAN: "scan and verify packages",
    Permission.SHIP: "pick, pack and ship shipments",
    Permission.RECEIVE: "receive shipments into stock",
    Permission.CASES: "work on named-patient cases",
    Permission.ADVERSE: "record or read adverse-event reports",
    Permission.INVESTIGATE: "work on investigations",
    Permission.QUARANTINE: "quarantine units",
    Permission.RELEASE: "release quarantined units",
    Permission.RECALL: "record or read recalls",
    Permission.TRACE: "read and answer trace requests",
    Permission.AUDIT: "read the audit trail",
}


def permissions_of(roles: Iterable[str]) -> frozenset[Permission]:
    """Everything an account with ``roles`` may do (unknown roles grant nothing)."""
    out: frozenset[Permission] = frozenset()
    for role in roles:
        out |= ROLE_PERMISSIONS.get(role, frozenset())
    return out


def roles_with(permission: Permission) -> tuple[str, ...]:
    """The roles granting ``permission``, in :class:`StaffRole` order."""
    return tuple(r.value for r in StaffRole if permission in ROLE_PERMISSIONS[r])
