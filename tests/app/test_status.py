"""The unit status state machine."""

import pytest

from app.errors import InvalidTransition
from app.models import UnitStatus
from app.units.status import ALLOWED, can_transition, transition

S = UnitStatus


def test_every_status_has_rules():
    assert set(ALLOWED) == set(UnitStatus)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.COMMISSIONED, S.PACKED), (S.COMMISSIONED, S.SHIPPED), (S.PACKED, S.COMMISSIONED),
        (S.PACKED, S.SHIPPED), (S.SHIPPED, S.RECEIVED), (S.RECEIVED, S.DISPENSED),
        (S.DISPENSED, S.RETURNED), (S.RETURNED, S.RECEIVED), (S.QUARANTINED, S.RECEIVED),
        (S.RECALLED, S.DESTROYED),
    ],
)
def test_allowed(current, new):
    assert transition("u", current, new) is new


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.SHIPPED, S.DISPENSED), (S.DISPENSED, S.SHIPPED), (S.PACKED, S.PACKED),
        (S.COMMISSIONED, S.RECEIVED), (S.DESTROYED, S.RECEIVED), (S.DECOMMISSIONED, S.SHIPPED),
    ],
)
def test_refused(current, new):
    assert not can_transition(current, new)
    with pytest.raises(InvalidTransition):
        transition("u", current, new)


def test_terminal_statuses_allow_nothing():
    assert [s for s in UnitStatus if not ALLOWED[s]] == [S.DECOMMISSIONED, S.DESTROYED]


def test_error_names_unit_and_allowed_moves():
    with pytest.raises(InvalidTransition) as caught:
        transition("urn:epc:id:sscc:0614141.1234567890", S.SHIPPED, S.DISPENSED)
    error = caught.value
    assert error.detail == (
        "unit urn:epc:id:sscc:0614141.1234567890 cannot go from shipped to dispensed; "
        "allowed from shipped: destroyed, quarantined, recalled, received"
    )
    assert error.status == 409
    assert error.problem()["type"] == "https://custody.dev/problems/invalid-transition"
