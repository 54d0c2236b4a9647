"""Every operator route family names a permission from the role table, and its staff pages
check the same one: a staff member whose roles lack it is refused (403 problem+json naming the
permission and the roles that hold it, or the 403 page) and nothing is written; the operator's
admin key still works; the nav shows only the pages the user's roles open."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.demo import LYON, STAFF_USER, ZENTERVA
from app.models import Base, Case, CaseStatus, Receiving, Shipment
from app.staff import service as staff
from app.staff.keys import issue_staff_key
from app.staff.roles import Permission, permissions_of, roles_with
from tests.staff.helpers import PASSWORD, csrf_of, demo, settings, sign_in  # noqa: F401

LACKS = {  # permission -> a role without it (each is still a staff member who may scan)
    Permission.SHIP: "receiver", Permission.RECEIVE: "picker", Permission.CASES: "qa",
    Permission.ADVERSE: "picker", Permission.TRACE: "receiver",
}
ADVERSE = {"reported_on": "2026-11-20", "reporter_role": "physician", "seriousness": "serious",
           "criteria": ["hospitalisation"], "description": "x", "outcome": "recovering"}


async def refs(session, demo) -> dict[str, str]:  # noqa: F811
    case = await session.scalar(select(Case).where(Case.status == CaseStatus.DELIVERED))
    shipment = await session.scalar(select(func.min(Shipment.id)))
    receiving = await session.scalar(select(func.min(Receiving.id)))
    return {"case": case.ref, "shipment": str(shipment), "receiving": str(receiving or 1),
            "trace": str(demo["traces"]).split()[1]}


def routes(r: dict[str, str]) -> list[tuple[Permission, str, str, dict | None]]:
    """(permission, method, path, JSON body): reads and writes of each route family."""
    case, ship, rec = r["case"], r["shipment"], r["receiving"]
    return [
        (Permission.SHIP, "GET", "/shipments", None),
        (Permission.SHIP, "POST", "/shipments", {"ship_to_gln": LYON.gln}),
        (Permission.SHIP, "POST", f"/shipments/{ship}/cases", None),
        (Permission.SHIP, "POST", f"/shipments/{ship}/cancel", None),
        (Permission.SHIP, "GET", f"/shipments/{ship}/pick-list.pdf", None),
        (Permission.RECEIVE, "GET", "/receiving/expected", None),
        (Permission.RECEIVE, "POST", "/receivings", {"reference": "unexpected van"}),
        (Permission.RECEIVE, "POST", f"/receivings/{rec}/scans", {"text": "garbage"}),
        (Permission.CASES, "GET", "/cases", None),
        (Permission.CASES, "POST", "/cases/" + case + "/status", {"status": "closed"}),
        (Permission.CASES, "POST", f"/cases/{case}/confirmation-links", None),
        (Permission.CASES, "GET", "/follow-ups.json", None),
        (Permission.CASES, "GET", f"/cases/{case}/patient", None),
        (Permission.ADVERSE, "POST", f"/cases/{case}/adverse-events",
         {**ADVERSE, "gtin": ZENTERVA.gtin, "lot": "ZT2611A"}),
        (Permission.ADVERSE, "GET", f"/cases/{case}/adverse-events", None),
        (Permission.TRACE, "POST", f"/trace-requests/{r['trace']}/answer", None),
    ]


async def row_counts(session) -> dict[str, int]:
    return {t.name: await session.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables}


async def call(client, method: str, path: str, body, headers: dict):
    return await client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize("permission", list(LACKS))
async def test_a_personal_key_without_the_permission_is_refused_and_writes_nothing(
        client, session, demo, permission):  # noqa: F811
    role = LACKS[permission]
    assert permission not in permissions_of([role])
    await staff.add_staff(session, "lacking", "L. Acking", [role], PASSWORD, "test")
    _, key = await issue_staff_key(session, "lacking", [], "test key", "test")
    await session.commit()
    bearer = {"Authorization": f"Bearer {key}"}
    before = await row_counts(session)
    mine = [x for x in routes(await refs(session, demo)) if x[0] == permission]
    assert mine
    for _, method, path, body in mine:
        answer = await call(client, method, path, body, bearer)
        assert answer.status_code == 403, (path, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        problem = answer.json()
        assert problem["permission"] == permission.value, path
        assert problem["required"] == list(roles_with(permission)), path
        assert f"staff:lacking ({role})" in problem["detail"], path
    after = await row_counts(session)
    assert after == before


async def test_the_operator_admin_key_passes_every_route(client, session, demo):  # noqa: F811
    admin = {"Authorization": f"Bearer {demo['key']}"}
    for permission, method, path, body in routes(await refs(session, demo)):
        if method != "GET" or path.endswith("/patient"):  # the demo settings hold no vault key
            continue
        answer = await call(client, method, path, body, admin)
        assert answer.status_code == 200, (permission, path, answer.text)
    made = await call(client, "POST", "/shipments", {"ship_to_gln": LYON.gln}, admin)
    assert made.status_code == 201, made.text


async def test_a_role_that_holds_the_permission_gets_through(client, session, demo):  # noqa: F811
    for username, role in (("pia", "picker"), ("rob", "receiver"), ("quinn", "qa")):
        await staff.add_staff(session, username, username.title(), [role], PASSWORD, "test")
    await session.commit()
    r = await refs(session, demo)
    for username, path in (("pia", "/shipments"), ("rob", "/receiving/expected"),
                           ("quinn", f"/cases/{r['case']}/adverse-events")):
        client.cookies.clear()
        await sign_in(client, username, PASSWORD)
        assert (await client.get(path)).status_code == 200, (username, path)


PAGES = {  # permission -> (pages to read, (form to post, its fields))
    Permission.SHIP: (("/shipping", "/shipping/{shipment}"),
                      ("/shipping", {"ship_to": LYON.gln})),
    Permission.RECEIVE: (("/receiving", "/receiving/{receiving}"),
                         ("/receiving", {"reference": "unexpected van"})),
    Permission.CASES: (("/staff/cases", "/staff/cases/{case}", "/follow-ups"),
                       ("/staff/cases/{case}/status", {"status": "closed", "note": "x"})),
}
NAV = {Permission.SHIP: '"/shipping"', Permission.RECEIVE: '"/receiving"',
       Permission.CASES: '"/staff/cases"'}


@pytest.mark.parametrize("permission", list(PAGES))
async def test_a_page_refuses_whom_its_api_refuses(client, session, demo, permission):  # noqa: F811
    role = LACKS[permission]
    await staff.add_staff(session, "lacking", "L. Acking", [role], PASSWORD, "test")
    await session.commit()
    await sign_in(client, "lacking", PASSWORD)
    scan = await client.get("/scan")
    assert f'href={NAV[permission]}' not in scan.text  # the nav hides what the roles do not open
    token, r = csrf_of(scan.text), await refs(session, demo)
    reads, (form, fields) = PAGES[permission]
    before = await row_counts(session)
    for path in reads:
        answer = await client.get(path.format(**r))
        assert answer.status_code == 403, path
        assert ", ".join(roles_with(permission)) in answer.text, path
    posted = await client.post(form.format(**r), data={**fields, "csrf_token": token})
    assert posted.status_code == 403 and "Not allowed" in posted.text, form
    assert await row_counts(session) == before


async def test_the_demo_accounts_see_their_pages(client, demo):  # noqa: F811
    await sign_in(client, STAFF_USER, demo["password"])
    nav = (await client.get("/scan")).text
    for href in ("/shipping", "/receiving", "/staff/cases", "/follow-ups", "/staff/trace-requests"):
        assert f'href="{href}"' in nav, href
    assert 'href="/staff/audit"' not in nav
    client.cookies.clear()
    await sign_in(client, "demo.admin", demo["admin_password"])
    nav = (await client.get("/scan")).text
    for href in ("/shipping", "/receiving", "/staff/cases", "/follow-ups", "/staff/trace-requests",
                 "/staff/audit", "/staff/recalls", "/staff/investigations"):
        assert f'href="{href}"' in nav, href
        assert (await client.get(href)).status_code == 200, href


async def test_the_report_pages_read_as_the_operator_so_need_trace(client, session, demo):  # noqa: F811
    await staff.add_staff(session, "pia", "Pia Picker", ["picker"], PASSWORD, "test")
    await session.commit()
    await sign_in(client, "pia", PASSWORD)
    assert 'href="/staff/reports"' not in (await client.get("/scan")).text
    unit = "urn:epc:id:sgtin:0312345.060011.ZT00001"
    for path in ("/staff/reports", f"/staff/reports?unit={unit}",
                 f"/staff/reports/download?unit={unit}&format=json"):
        answer = await client.get(path)
        assert answer.status_code == 403 and "pharmacist, qa, admin" in answer.text, path
        assert "ZT2611A" not in answer.text, path


async def test_ids_beyond_a_database_integer_are_a_422_on_pages_too(client, demo):  # noqa: F811
    await sign_in(client, "demo.admin", demo["admin_password"])
    token = csrf_of((await client.get("/scan")).text)
    for method, path in (("get", "/receiving/2147483648"), ("post", "/receiving/99999999999/scan"),
                         ("post", "/receiving/2147483648/close"),
                         ("post", "/follow-ups/2147483648/page")):
        answer = await client.request(method, path, data={"csrf_token": token, "text": "x"})
        assert answer.status_code == 422, (path, answer.status_code)
