"""Cases: opening, statuses and the rules a shipment link must pass."""

from __future__ import annotations

from datetime import date

import pytest

from app.cases import service
from app.cases.service import CaseTransitionRefused, ShipmentLinkRefused
from app.demo import CORLUMAB, ZENTERVA
from app.errors import ValidationFailed
from app.models import CaseStatus
from tests.cases.conftest import spec


async def rule_of(session, ref, gtin=ZENTERVA.gtin, quantity=1, on=date(2026, 12, 6)) -> str | None:
    try:
        await service.check_shipment_link(session, ref, gtin, quantity, on)
    except ShipmentLinkRefused as exc:
        return f"{exc.extensions['rule']}: {exc.detail}"
    return None


async def test_a_shipment_link_names_the_rule_it_breaks(session, partners):
    case = await service.open_case(session, spec(), "test")
    assert (await rule_of(session, case.ref)).startswith("case-not-authorized: ")
    await service.authorize(session, case.ref, None, "test")
    assert await rule_of(session, case.ref, gtin=CORLUMAB.gtin) == (
        f"wrong-drug: case {case.ref}: expected GTIN {ZENTERVA.gtin} (the drug authorized), got "
        f"{CORLUMAB.gtin}")
    assert await rule_of(session, case.ref, on=date(2026, 10, 31)) == (
        f"authorization-not-yet-valid: case {case.ref}: authorization AAC-1 is not yet valid on "
        "2026-10-31 (valid from 2026-11-01)")
    assert await rule_of(session, case.ref, on=date(2027, 2, 1)) == (
        f"authorization-expired: case {case.ref}: authorization AAC-1 expired on 2027-01-31, "
        "shipment on 2027-02-01")
    assert await rule_of(session, case.ref, quantity=3) == (
        f"quantity-above-authorized-remaining: case {case.ref}: expected at most 2 more unit(s) "
        "(authorized 2), got 3")
    assert await rule_of(session, case.ref, quantity=2, on=date(2027, 1, 31)) is None
    assert await rule_of(session, case.ref, quantity=2, on=date(2026, 11, 1)) is None


async def test_statuses_move_only_along_the_table(session, partners):
    case = await service.open_case(session, spec(), "test")
    assert case.status == CaseStatus.REQUESTED and case.ref.startswith("CASE-")
    with pytest.raises(CaseTransitionRefused, match="expected a move to authorized, cancelled, "
                       "got delivered"):
        await service.transition(session, case.ref, CaseStatus.DELIVERED, "test")
    await service.authorize(session, case.ref, None, "test")
    with pytest.raises(CaseTransitionRefused, match="becomes shipped when a shipment is linked"):
        await service.transition(session, case.ref, CaseStatus.SHIPPED, "test")
    await service.transition(session, case.ref, CaseStatus.CANCELLED, "test", "withdrawn")
    with pytest.raises(CaseTransitionRefused, match="nothing \\(it is final\\)"):
        await service.transition(session, case.ref, CaseStatus.AUTHORIZED, "test")
    history = [h.status for h in await service.history(session, case)]
    assert history == [CaseStatus.REQUESTED, CaseStatus.AUTHORIZED, CaseStatus.CANCELLED]


async def test_references_are_random_not_derived_from_anything(session, partners):
    refs = {(await service.open_case(session, spec(), "test")).ref for _ in range(5)}
    assert len(refs) == 5


@pytest.mark.parametrize("changes, field", [
    ({"country": "France"}, "country"), ({"prescriber_country": "1x"}, "prescriber_country"),
    ({"drug": "99999"}, "drug"), ({"quantity": 0}, "quantity"),
    ({"receiver_gln": "0000000000000"}, "receiver_gln"),
    ({"receiver_gln": None, "receiver_address": " "}, "receiver_gln"),
])
async def test_bad_input_names_the_field(session, partners, changes, field):
    with pytest.raises(ValidationFailed) as caught:
        await service.open_case(session, spec(**changes), "test")
    assert caught.value.extensions["field"] == field


async def test_an_authorization_that_ends_before_it_starts_is_refused(session, partners):
    from app.cases.service import Authorization

    with pytest.raises(ValidationFailed, match="authorization_expires: expected on or after"):
        await service.open_case(session, spec(authorization=Authorization(
            "X", date(2027, 1, 2), date(2027, 1, 1))), "test")


async def test_the_demo_has_one_case_in_each_status(session, demo):
    """Issue 19: ``custody demo`` shows every status, and prints each case's reference."""
    from sqlalchemy import select

    from app.demo import ACTOR
    from app.models import Case

    found = (await session.execute(select(Case.status, Case.ref).where(
        Case.created_by == ACTOR))).all()
    assert sorted(status for status, _ in found) == sorted(CaseStatus)
    for status, ref in found:
        assert f"{status.value} {ref}" in demo["cases"]
