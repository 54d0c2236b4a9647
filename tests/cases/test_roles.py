"""Patient data on the staff pages and API: only pharmacists and admins, each showing recorded."""

from __future__ import annotations

from sqlalchemy import select

from app.models import VaultAccess
from app.staff import service as staff
from tests.staff.helpers import PASSWORD, sign_in


async def test_only_pharmacists_see_patient_data_and_each_view_is_recorded(client, demo, session):
    from app.models import Case

    case = (await session.scalars(select(Case).where(Case.status == "delivered"))).first()
    await staff.add_staff(session, "recv", "R. Eceiver", ["receiver"], PASSWORD, "test")
    await staff.add_staff(session, "pharm", "P. Harmacist", ["pharmacist"], PASSWORD, "test")
    await session.commit()
    before = len((await session.scalars(select(VaultAccess.id))).all())

    await sign_in(client, "recv", PASSWORD)  # the case pages and routes need ``cases``
    page = await client.get(f"/staff/cases/{case.ref}?patient=1")
    assert page.status_code == 403 and "(fictional)" not in page.text
    api = await client.get(f"/cases/{case.ref}/patient")
    assert api.status_code == 403 and api.json()["required"] == ["pharmacist", "admin"]
    assert len((await session.scalars(select(VaultAccess.id))).all()) == before

    client.cookies.clear()
    await sign_in(client, "pharm", PASSWORD)
    plain = await client.get(f"/staff/cases/{case.ref}")
    assert "Demo Patient" not in plain.text and "Show patient data" in plain.text
    shown = await client.get(f"/staff/cases/{case.ref}?patient=1")
    assert "Demo Patient 4 (fictional)" in shown.text
    actions = (await session.execute(select(VaultAccess.actor, VaultAccess.action).where(
        VaultAccess.case_id == case.id).order_by(VaultAccess.id))).all()
    assert [tuple(a) for a in actions[-2:]] == [  # the page lists adverse events: a read too
        ("staff:pharm", "read"), ("staff:pharm", "adverse-list")]
