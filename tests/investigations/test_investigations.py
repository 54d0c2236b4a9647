"""Investigations: open (quarantining), notes, illegitimate or cleared, notification clock,
Form FDA 3911 drafts, follow-up and termination; records the database will not change."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from app.investigations import service
from app.ledger.verify import verify
from app.models import Investigation, InvestigationEntry, Unit
from app.models import UnitStatus as S
from tests.ingest.chain import EXPIRY, sgtin
from tests.investigations.stock import CASE, IN_CASE, stock
from tests.partners.helpers import MFG_GLN, WHOLESALER_GLN


async def status_of(session, identifier) -> S:
    return await session.scalar(select(Unit.status).where(Unit.identifier == identifier)
                                .execution_options(populate_existing=True))


async def open_one(client, s, *units, reason="seal broken on receipt"):
    opened = await client.post("/investigations", headers=s.staff,
                               json={"identifiers": list(units), "reason": reason})
    assert opened.status_code == 201, opened.text
    assert opened.headers["location"] == f"/investigations/{opened.json()['id']}"
    return opened.json()


async def test_suspect_to_illegitimate_with_its_3911_draft(client, session, sessions):
    s = await stock(client, session, sessions)
    inv = await open_one(client, s, sgtin(3), sgtin(5))
    assert (inv["status"], inv["overdue"], inv["deadline"]) == ("open", False, None)
    # The operator's unit is quarantined; the wholesaler's unit 5 is investigated, untouched.
    assert (await status_of(session, sgtin(3)), await status_of(session, sgtin(5))) == (
        S.QUARANTINED, S.RECEIVED)
    assert inv["partners_to_notify"] == [
        {"gln": MFG_GLN, "name": "mfg", "role": "supplier", "units": [sgtin(3), sgtin(5)]},
        {"gln": WHOLESALER_GLN, "name": "wholesaler", "role": "customer", "units": [sgtin(5)]}]

    url = f"/investigations/{inv['id']}"
    noted = await client.post(url + "/notes", headers=s.staff, json={"text": "asked the maker"})
    assert [e["kind"] for e in noted.json()["entries"]] == ["note"]
    early = await client.get(url + "/form-3911", headers=s.staff)
    assert early.status_code == 409
    assert early.json()["detail"] == (f"investigation {inv['id']} is open: only after an "
                                      "illegitimate determination can you draft Form FDA 3911")

    determined = await client.post(url + "/determine", headers=s.staff, json={
        "classification": "counterfeit", "description": "label print differs from the maker's",
        "contact": {"name": "QA lead", "phone": "+1 617 555 0100"}})
    assert determined.status_code == 200, determined.text
    body = determined.json()
    assert body["status"] == "illegitimate" and body["overdue"] is False
    assert body["deadline"] is not None
    assert await status_of(session, sgtin(3)) == S.QUARANTINED  # illegitimate stays held

    form = (await client.get(url + "/form-3911", headers=s.staff)).json()
    f = form["fields"]
    assert (form["form"], form["draft"], f["type_of_report"], f["incident_number"]) == (
        "FDA 3911", True, "initial", None)
    assert f["classification"] == "counterfeit"
    assert (f["name_of_product"], f["ndc"], f["strength"]) == ("Zenterva", "1234560011", "50 mg/mL")
    assert f["quantity"] == {"number": 2, "unit": "1 vial, 2 mL"}
    assert (f["serial_numbers"], f["lot_numbers"], f["expiration_dates"]) == (
        ["3", "5"], ["L1"], [EXPIRY.isoformat()])
    assert f["date_of_determination"] == body["determined_at"][:10]
    assert f["description_of_event"] == "label print differs from the maker's"
    assert f["company_name"] == "pharmacy" and f["contact"]["name"] == "QA lead"
    assert [p["gln"] for p in form["trading_partners_to_notify"]] == [MFG_GLN, WHOLESALER_GLN]

    printed = await client.get(url + "/form-3911.pdf", headers=s.staff)
    assert (printed.status_code, printed.headers["content-type"]) == (200, "application/pdf")
    assert printed.content.startswith(b"%PDF-") and b"Form FDA 3911 draft" in printed.content

    notified = await client.post(url + "/notified", headers=s.staff,
                                 json={"incident_number": "IN-2026-0042"})
    assert notified.json()["notified_at"] is not None
    follow = await client.post(url + "/reports", headers=s.staff, json={
        "type": "follow_up", "text": "maker confirms counterfeit"})
    assert follow.status_code == 200, follow.text
    f = (await client.get(url + "/form-3911", headers=s.staff)).json()["fields"]
    assert (f["type_of_report"], f["incident_number"], f["description_of_event"]) == (
        "follow_up", "IN-2026-0042", "maker confirms counterfeit")
    ended = await client.post(url + "/reports", headers=s.staff, json={
        "type": "termination", "text": "units destroyed under FDA witness"})
    assert ended.json()["status"] == "termination_requested"
    f = (await client.get(url + "/form-3911", headers=s.staff)).json()["fields"]
    assert (f["type_of_report"], f["reason_for_termination"]) == (
        "request_for_termination", "units destroyed under FDA witness")
    assert (await verify(session, None)).ok


async def test_cleared_releases_units_and_lists_the_partners_told(client, session, sessions):
    s = await stock(client, session, sessions)
    inv = await open_one(client, s, CASE)
    assert sorted(u["identifier"] for u in inv["units"]) == sorted([CASE, *IN_CASE])
    assert await status_of(session, IN_CASE[0]) == S.QUARANTINED
    url = f"/investigations/{inv['id']}"
    cleared = await client.post(url + "/clear", headers=s.staff,
                                json={"text": "maker verified every serial"})
    assert cleared.status_code == 200, cleared.text
    notice = cleared.json()["notice"]
    assert notice["determination"] == "cleared"
    assert [p["gln"] for p in notice["partners_told"]] == [MFG_GLN]
    assert cleared.json()["investigation"]["status"] == "cleared"
    assert {await status_of(session, u) for u in (CASE, *IN_CASE)} == {S.RECEIVED}

    # A determination is final.
    for path, body in (("/determine", {"classification": "diverted", "description": "x"}),
                       ("/clear", {"text": "again"})):
        again = await client.post(url + path, headers=s.staff, json=body)
        assert again.status_code == 409
        assert again.json()["detail"].startswith(
            f"investigation {inv['id']} is already cleared (determined ")
        assert again.json()["detail"].endswith(
            "); a determination is final: open a new investigation")
    assert (await verify(session, None)).ok


async def test_clearing_one_investigation_keeps_units_another_still_holds(client, session, sessions):
    s = await stock(client, session, sessions)
    first = await open_one(client, s, sgtin(3))
    second = await open_one(client, s, sgtin(3), reason="second report")
    assert await status_of(session, sgtin(3)) == S.QUARANTINED
    await client.post(f"/investigations/{first['id']}/clear", headers=s.staff, json={"text": "ok"})
    assert await status_of(session, sgtin(3)) == S.QUARANTINED
    flags = await service.unit_flags(session, await session.scalar(
        select(Unit).where(Unit.identifier == sgtin(3))))
    assert flags == {"recalled": False, "quarantined": True, "suspect": True, "illegitimate": False}
    await client.post(f"/investigations/{second['id']}/determine", headers=s.staff,
                      json={"classification": "stolen", "description": "on a stolen list"})
    flags = await service.unit_flags(session, await session.scalar(
        select(Unit).where(Unit.identifier == sgtin(3))))
    assert flags == {"recalled": False, "quarantined": True, "suspect": False, "illegitimate": True}


async def test_the_clock_and_the_list_filters(client, session, sessions):
    s = await stock(client, session, sessions)
    late = await open_one(client, s, sgtin(3))
    await open_one(client, s, CASE)
    await client.post(f"/investigations/{late['id']}/determine", headers=s.staff,
                      json={"classification": "diverted", "description": "foreign label"})
    # The determination was 25 hours ago: rows are append-only, so the clock moves, not the row.
    view = await service.get(session, late["id"])
    assert view.overdue(view.determined_at + timedelta(hours=25))
    assert not view.overdue(view.determined_at + timedelta(hours=23))
    listed = (await client.get("/investigations", headers=s.staff)).json()
    assert [i["overdue"] for i in listed] == [False, False]
    assert listed[1]["id"] == late["id"]  # newest first when nobody is overdue
    only = (await client.get("/investigations?status=illegitimate", headers=s.staff)).json()
    assert [i["id"] for i in only] == [late["id"]]
    bad = await client.get("/investigations?status=closed", headers=s.staff)
    assert bad.status_code == 422
    assert bad.json()["detail"] == ("status 'closed': expected one of open, cleared, "
                                    "illegitimate, termination_requested")


async def test_overdue_sorts_first(session, client, sessions, monkeypatch):
    s = await stock(client, session, sessions)
    late = await open_one(client, s, sgtin(3))
    await open_one(client, s, CASE)
    await client.post(f"/investigations/{late['id']}/determine", headers=s.staff,
                      json={"classification": "diverted", "description": "foreign label"})
    later = service.utcnow() + timedelta(hours=25)
    monkeypatch.setattr(service, "utcnow", lambda: later)  # the clock, not our database
    views = await service.list_investigations(session)
    assert [(v.investigation.id, v.overdue(later)) for v in views][0] == (late["id"], True)
    assert [v.investigation.id for v in await service.list_investigations(session, overdue=True)] \
        == [late["id"]]


async def test_bad_input_names_the_field(client, session, sessions):
    s = await stock(client, session, sessions)
    unknown = await client.post("/investigations", headers=s.staff, json={
        "identifiers": ["urn:epc:id:sgtin:0312345.060011.999"], "reason": "x"})
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "no unit urn:epc:id:sgtin:0312345.060011.999"
    trigger = await client.post("/investigations", headers=s.staff, json={
        "identifiers": [sgtin(3)], "reason": "x", "trigger": "rumour"})
    assert trigger.json()["detail"] == ("trigger 'rumour': expected one of manual, verification, "
                                        "receiving, scan, cold-chain")
    inv = await open_one(client, s, sgtin(3))
    wrong = await client.post(f"/investigations/{inv['id']}/determine", headers=s.staff,
                              json={"classification": "fake", "description": "x"})
    assert wrong.status_code == 422
    assert wrong.json()["field"] == "classification"
    missing = await client.get("/investigations/999999", headers=s.staff)
    assert (missing.status_code, missing.json()["detail"]) == (404, "no investigation 999999")
    assert await status_of(session, sgtin(3)) == S.QUARANTINED  # the refused ones left nothing


@pytest.mark.parametrize("statement", [
    "UPDATE investigations SET reason = 'nothing to see'",
    "DELETE FROM investigations",
    "UPDATE investigation_entries SET kind = 'cleared'",
    "DELETE FROM investigation_entries",
    "DELETE FROM investigation_units",
])
async def test_investigation_records_cannot_be_changed_or_deleted(client, session, sessions, statement):
    s = await stock(client, session, sessions)
    inv = await open_one(client, s, sgtin(3))
    await client.post(f"/investigations/{inv['id']}/notes", headers=s.staff, json={"text": "n"})
    with pytest.raises((DBAPIError, IntegrityError, OperationalError)) as caught:
        async with session.begin_nested():
            await session.execute(text(statement))
    assert "append-only" in str(caught.value)
    assert await session.scalar(select(Investigation.reason)) == "seal broken on receipt"
    assert len((await session.scalars(select(InvestigationEntry))).all()) == 1
