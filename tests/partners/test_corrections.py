"""Correcting partners: PATCH /partners/{id} and `custody partners update`, each change audited."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.migrate import upgrade
from tests.conftest import BACKENDS
from tests.partners.helpers import MFG_GLN, PHARMACY_GLN, WHOLESALER_GLN, make_key
from tests.partners.test_partners import BODY

LICENCE = BODY["licences"][0]
TODAY = date.today()


async def _admin_and_partner(client, session, **changes):
    admin = await make_key(session, None, "admin")
    await session.commit()
    made = await client.post("/partners", headers=admin, json={**BODY, **changes})
    assert made.status_code == 201, made.text
    return admin, made.json()


def _changes(audit: list[dict]) -> list[tuple]:
    return [(x["detail"]["field"], x["detail"]["old"], x["detail"]["new"])
            for x in audit if x["action"] == "partner.update"]


async def test_every_field_can_be_corrected_and_each_change_is_audited(client, session):
    admin, partner = await _admin_and_partner(client, session)
    url = f"/partners/{partner['id']}"
    renewed = {**LICENCE, "valid_to": "2029-12-31"}
    added = {"kind": "dea_registration", "jurisdiction": "US-DEA", "number": "RA0314159",
             "valid_from": "2025-01-01", "valid_to": None}
    patch = {
        "legal_name": "Atlas Specialty Distribution, Inc.",
        "street": "1 Commerce Way", "city": "Louisville", "state": None,
        "glns": [WHOLESALER_GLN, PHARMACY_GLN],
        "licences": [renewed, added],
        "locations": [{"sgln": "urn:epc:id:sgln:0360001.00000.0", "name": "Louisville DC 2"},
                      {"sgln": "urn:epc:id:sgln:0360001.00001.0", "name": "Lexington DC"}],
        "authorized": False, "exception_policy": "proceed",
    }
    corrected = await client.patch(url, headers=admin, json=patch)
    assert corrected.status_code == 200, corrected.text
    body = corrected.json()
    assert (body["legal_name"], body["street"], body["city"], body["state"]) == (
        "Atlas Specialty Distribution, Inc.", "1 Commerce Way", "Louisville", None)
    assert body["glns"] == [WHOLESALER_GLN, PHARMACY_GLN]
    assert sorted((x["number"], x["valid_to"]) for x in body["licences"]) == [
        ("RA0314159", None), ("WD-44102", "2029-12-31")]
    assert [(x["sgln"], x["name"]) for x in body["locations"]] == [
        ("urn:epc:id:sgln:0360001.00000.0", "Louisville DC 2"),
        ("urn:epc:id:sgln:0360001.00001.0", "Lexington DC")]
    assert (body["authorized"], body["not_authorized_because"], body["exception_policy"]) == (
        False, "authorization withdrawn by the operator", "proceed")
    assert (await client.get(url, headers=admin)).json() == body

    audit = (await client.get(f"{url}/audit", headers=admin)).json()
    assert audit[0]["action"] == "partner.create"
    assert {x["actor"] for x in audit} == {"key:" + admin["Authorization"].split("_")[1]}
    assert _changes(audit) == [
        ("legal_name", "Atlas Specialty Distribution LLC", "Atlas Specialty Distribution, Inc."),
        ("street", None, "1 Commerce Way"),
        ("city", None, "Louisville"),
        ("state", "KY", None),
        ("authorized", True, False),
        ("exception_policy", "rollback", "proceed"),
        ("glns", [WHOLESALER_GLN], [WHOLESALER_GLN, PHARMACY_GLN]),
        ("licences[wholesale_distributor_license:KY:WD-44102].valid_to", "2027-12-31",
         "2029-12-31"),
        ("licences[dea_registration:US-DEA:RA0314159]", None,
         {"valid_from": "2025-01-01", "valid_to": None}),
        ("locations[urn:epc:id:sgln:0360001.00000.0].name", "Louisville DC", "Louisville DC 2"),
        ("locations[urn:epc:id:sgln:0360001.00001.0]", None, "Lexington DC"),
    ]
    assert all(x["at"] for x in audit)

    # Removing is a correction too; the same values again change (and audit) nothing.
    trimmed = await client.patch(url, headers=admin, json={
        "glns": [WHOLESALER_GLN], "licences": [renewed], "locations": patch["locations"][:1]})
    assert trimmed.status_code == 200, trimmed.text
    again = await client.patch(url, headers=admin, json={
        "legal_name": "Atlas Specialty Distribution, Inc.", "glns": [WHOLESALER_GLN]})
    assert again.json() == trimmed.json()
    audit = (await client.get(f"{url}/audit", headers=admin)).json()
    assert _changes(audit)[11:] == [
        ("glns", [WHOLESALER_GLN, PHARMACY_GLN], [WHOLESALER_GLN]),
        ("licences[dea_registration:US-DEA:RA0314159]",
         {"valid_from": "2025-01-01", "valid_to": None}, None),
        ("locations[urn:epc:id:sgln:0360001.00001.0]", "Lexington DC", None),
    ]


async def test_a_refused_correction_changes_nothing(client, session):
    admin, partner = await _admin_and_partner(client, session)
    other = await client.post("/partners", headers=admin, json={
        **BODY, "legal_name": "Northwind", "glns": [MFG_GLN], "licences": [],
        "locations": [{"sgln": "urn:epc:id:sgln:0312345.00000.0", "name": "Plant"}]})
    url = f"/partners/{partner['id']}"
    cases = [
        ({"glns": [WHOLESALER_GLN, MFG_GLN]}, 409, "glns",
         f"GLN {MFG_GLN} already identifies trading partner {other.json()['id']}"),
        ({"locations": [{"sgln": "urn:epc:id:sgln:0312345.00000.0", "name": "Mine now"}]}, 409,
         "locations", "location urn:epc:id:sgln:0312345.00000.0 already belongs to trading "
         f"partner {other.json()['id']}"),
        ({"glns": ["0360001000005"]}, 422, "glns",
         "GLN '0360001000005': expected check digit 4 at position 13, got 5"),
        ({"licences": [{**LICENCE, "valid_from": "2027-01-01", "valid_to": "2026-12-31"}]}, 422,
         "licences.valid_to", "licence wholesale_distributor_license:KY:WD-44102: valid_to "
         "2026-12-31 precedes valid_from 2027-01-01; expected an end on or after the start"),
    ]
    for change, status, field, detail in cases:
        refused = await client.patch(url, headers=admin, json={"legal_name": "Renamed", **change})
        assert refused.status_code == status, refused.text
        assert (refused.json()["field"], refused.json()["detail"]) == (field, detail)
    for body, field in (({"legal_name": None}, "legal_name"), ({"kind": "dispenser"}, "kind"),
                        ({"exception_policy": "ignore"}, "exception_policy")):
        refused = await client.patch(url, headers=admin, json=body)
        assert refused.status_code == 422, body
        assert field in refused.json()["detail"]
    assert (await client.get(url, headers=admin)).json() == partner
    assert _changes((await client.get(f"{url}/audit", headers=admin)).json()) == []
    missing = await client.patch("/partners/999999", headers=admin, json={"legal_name": "X"})
    assert (missing.status_code, missing.json()["detail"]) == (
        404, "no trading partner with id 999999")


async def test_a_site_that_holds_units_cannot_be_removed(client, session):
    from app.models import Unit, UnitStatus

    admin, partner = await _admin_and_partner(client, session)
    [site] = partner["locations"]
    session.add(Unit(identifier="urn:epc:id:sgtin:0312345.060011.1", kind="sgtin",
                     status=UnitStatus.RECEIVED, custodian_id=partner["id"], location_id=site["id"]))
    await session.commit()
    refused = await client.patch(f"/partners/{partner['id']}", headers=admin, json={"locations": []})
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"] == (
        f"location {site['sgln']} still holds 1 unit(s); expected a site without units to remove "
        "(rename it instead)")
    renamed = await client.patch(f"/partners/{partner['id']}", headers=admin,
                                 json={"locations": [{"sgln": site["sgln"], "name": "Main DC"}]})
    assert [x["name"] for x in renamed.json()["locations"]] == ["Main DC"]


async def test_only_admins_correct_partners(client, session):
    admin, partner = await _admin_and_partner(client, session)
    own = await make_key(session, partner["id"], "capture", "query")
    regulator = await make_key(session, None, "regulator")
    await session.commit()
    for key in (own, regulator, {}):
        refused = await client.patch(f"/partners/{partner['id']}", headers=key,
                                     json={"exception_policy": "proceed"})
        assert refused.status_code in (401, 403), refused.text
        assert (await client.get(f"/partners/{partner['id']}/audit", headers=key)).status_code in (
            401, 403)


async def test_a_licence_that_ends_before_it_starts_is_refused_on_onboarding(client, session):
    admin = await make_key(session, None, "admin")
    await session.commit()
    backwards = {**LICENCE, "valid_from": "2027-12-31", "valid_to": "2024-01-01"}
    refused = await client.post("/partners", headers=admin, json={**BODY, "licences": [backwards]})
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"] == (
        "licence wholesale_distributor_license:KY:WD-44102: valid_to 2024-01-01 precedes "
        "valid_from 2027-12-31; expected an end on or after the start")
    assert (await client.get("/partners", headers=admin)).json() == []


async def test_a_partner_without_a_licence_valid_today_is_not_authorized(client, session):
    expired = {**LICENCE, "valid_from": "2020-01-01",
               "valid_to": (TODAY - timedelta(days=1)).isoformat()}
    admin, partner = await _admin_and_partner(client, session, licences=[expired])
    assert (partner["authorized"], partner["not_authorized_because"]) == (
        False, f"no licence valid on {TODAY.isoformat()}")
    unlicensed = await client.post("/partners", headers=admin, json={
        **BODY, "glns": [MFG_GLN], "licences": [], "locations": []})
    assert unlicensed.json()["authorized"] is False
    future = {**LICENCE, "valid_from": (TODAY + timedelta(days=1)).isoformat(), "valid_to": None}
    later = await client.patch(f"/partners/{partner['id']}", headers=admin,
                               json={"licences": [future]})
    assert later.json()["authorized"] is False
    renewed = {**LICENCE, "valid_from": "2020-01-01", "valid_to": "2099-12-31"}
    ok = await client.patch(f"/partners/{partner['id']}", headers=admin,
                            json={"licences": [renewed]})
    assert (ok.json()["authorized"], ok.json()["not_authorized_because"]) == (True, None)
    withdrawn = await client.patch(f"/partners/{partner['id']}", headers=admin, json={
        "authorized": False, "licences": [expired]})
    assert withdrawn.json()["not_authorized_because"] == (
        f"authorization withdrawn by the operator; no licence valid on {TODAY.isoformat()}")


runner = CliRunner()


@pytest.mark.parametrize("backend", BACKENDS)
def test_cli_update_and_audit(backend, empty_database, monkeypatch):
    url = empty_database(backend)
    upgrade(url)
    monkeypatch.setenv("CUSTODY_DATABASE_URL", url)
    added = runner.invoke(cli, ["partners", "add", "--name", "Northwind", "--kind", "manufacturer",
                                "--gln", MFG_GLN, "--licence", "state:KY:L-1:2024-01-01:2025-01-01"])
    assert added.exit_code == 0, added.output
    partner = json.loads(added.stdout)
    assert partner["authorized"] is False  # its only licence has expired
    pid = str(partner["id"])
    backwards = runner.invoke(cli, ["partners", "update", pid,
                                    "--licence", "state:KY:L-1:2024-01-01:2023-01-01"])
    assert backwards.exit_code != 0
    assert backwards.exception.detail == (
        "licence state:KY:L-1: valid_to 2023-01-01 precedes valid_from 2024-01-01; expected an "
        "end on or after the start")
    updated = runner.invoke(cli, ["partners", "update", pid, "--name", "Northwind Pharma",
                                  "--licence", "state:KY:L-1:2024-01-01:2099-12-31",
                                  "--location", "urn:epc:id:sgln:0312345.00000.0=Plant 1",
                                  "--policy", "proceed", "--city", "Columbus"])
    assert updated.exit_code == 0, updated.output
    shown = json.loads(updated.stdout)
    assert (shown["legal_name"], shown["authorized"], shown["exception_policy"], shown["city"],
            shown["glns"]) == ("Northwind Pharma", True, "proceed", "Columbus", [MFG_GLN])
    assert shown["licences"][0]["valid_to"] == "2099-12-31"
    cleared = runner.invoke(cli, ["partners", "update", pid, "--city", ""])
    assert json.loads(cleared.stdout)["city"] is None
    lines = runner.invoke(cli, ["partners", "audit", pid]).stdout.splitlines()
    assert [line.split("\t")[1:3] for line in lines] == [["cli", "partner.create"]] + [
        ["cli", "partner.update"]] * 6
    assert [json.loads(line.split("\t")[3])["field"] for line in lines[1:]] == [
        "legal_name", "city", "exception_policy", "licences[state:KY:L-1].valid_to",
        "locations[urn:epc:id:sgln:0312345.00000.0]", "city"]
