"""Partner onboarding through the admin API and the CLI."""

import json

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.migrate import upgrade
from tests.conftest import BACKENDS
from tests.partners.helpers import MFG_GLN, WHOLESALER_GLN, make_key

BODY = {
    "legal_name": "Atlas Specialty Distribution LLC",
    "kind": "wholesaler",
    "glns": [WHOLESALER_GLN],
    "licences": [
        {"kind": "wholesale_distributor_license", "jurisdiction": "KY", "number": "WD-44102",
         "valid_from": "2024-01-01", "valid_to": "2027-12-31"}
    ],
    "state": "KY",
    "locations": [{"sgln": "urn:epc:id:sgln:0360001.00000.0", "name": "Louisville DC"}],
}


async def test_admin_creates_lists_and_reads_partners(client, session):
    admin = await make_key(session, None, "admin")
    await session.commit()
    made = await client.post("/partners", headers=admin, json=BODY)
    assert made.status_code == 201, made.text
    body = made.json()
    assert made.headers["location"] == f"/partners/{body['id']}"
    assert (body["glns"], body["authorized"], body["exception_policy"]) == (
        [WHOLESALER_GLN], True, "rollback")
    assert body["licences"][0]["number"] == "WD-44102"
    assert [(x["gln"], x["name"], x["state"]) for x in body["locations"]] == [
        (WHOLESALER_GLN, "Louisville DC", "KY")]
    listed = (await client.get("/partners", headers=admin)).json()
    assert [p["id"] for p in listed] == [body["id"]]
    assert (await client.get(f"/partners/{body['id']}", headers=admin)).json() == body

    again = await client.post("/partners", headers=admin, json=BODY)
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"GLN {WHOLESALER_GLN} already identifies trading partner {body['id']}")
    bad = await client.post("/partners", headers=admin, json={**BODY, "glns": ["0312345000005"]})
    assert bad.status_code == 422
    assert bad.json()["detail"] == "GLN '0312345000005': expected check digit 4 at position 13, got 5"



async def test_a_licence_listed_twice_is_refused_naming_it(client, session):
    admin = await make_key(session, None, "admin")
    await session.commit()
    twice = {**BODY, "licences": BODY["licences"] * 2}
    refused = await client.post("/partners", headers=admin, json=twice)
    assert refused.status_code == 422, refused.text
    assert (refused.json()["field"], refused.json()["found"]) == ("licences", "WD-44102")
    assert refused.json()["detail"] == (
        "licence wholesale_distributor_license:KY:WD-44102 is listed twice; expected each "
        "licence once")
    assert (await client.get("/partners", headers=admin)).json() == []


async def test_a_location_listed_twice_or_held_by_another_partner_is_refused(client, session):
    admin = await make_key(session, None, "admin")
    await session.commit()
    twice = await client.post("/partners", headers=admin,
                              json={**BODY, "locations": BODY["locations"] * 2})
    assert twice.status_code == 422, twice.text
    assert (twice.json()["field"], twice.json()["found"]) == (
        "locations", "urn:epc:id:sgln:0360001.00000.0")
    first = await client.post("/partners", headers=admin, json=BODY)
    assert first.status_code == 201, first.text
    other = {**BODY, "glns": [MFG_GLN], "licences": []}
    taken = await client.post("/partners", headers=admin, json=other)
    assert taken.status_code == 409, taken.text
    assert taken.json()["detail"] == (
        f"location urn:epc:id:sgln:0360001.00000.0 already belongs to trading partner "
        f"{first.json()['id']}")
    assert len((await client.get("/partners", headers=admin)).json()) == 1


runner = CliRunner()


@pytest.mark.parametrize("backend", BACKENDS)
def test_cli_add_list_show_issue_revoke(backend, empty_database, monkeypatch):
    url = empty_database(backend)
    upgrade(url)
    monkeypatch.setenv("CUSTODY_DATABASE_URL", url)
    added = runner.invoke(cli, ["partners", "add", "--name", "Northwind", "--kind", "manufacturer",
                                "--gln", MFG_GLN, "--location", "urn:epc:id:sgln:0312345.00000.0",
                                "--licence", "fda_registration:US-FDA:3012345678:2024-01-01:"])
    assert added.exit_code == 0, added.output
    partner = json.loads(added.stdout)
    assert partner["licences"][0]["valid_to"] is None
    assert partner["locations"][0]["name"] == "urn:epc:id:sgln:0312345.00000.0"
    listed = runner.invoke(cli, ["partners", "list"])
    assert listed.stdout == f"{partner['id']}\tmanufacturer\tNorthwind\t{MFG_GLN}\n"
    shown = runner.invoke(cli, ["partners", "show", str(partner["id"])])
    assert json.loads(shown.stdout) == partner

    issued = runner.invoke(cli, ["keys", "issue", "--partner", str(partner["id"]),
                                 "--scope", "capture", "--scope", "query", "--name", "edi"])
    assert issued.exit_code == 0, issued.output
    key = issued.stdout.strip()
    assert key.startswith("ck_") and len(key.split("_")[1]) == 8
    revoked = runner.invoke(cli, ["keys", "revoke", key.split("_")[1]])
    assert revoked.stdout == f"API key {key.split('_')[1]} revoked\n"
    missing = runner.invoke(cli, ["keys", "revoke", "deadbeef"])
    assert missing.exit_code != 0


async def test_company_prefixes_are_given_or_read_from_sites_and_never_overlap(client, session):
    admin = await make_key(session, None, "admin")
    await session.commit()
    derived = await client.post("/partners", headers=admin, json=BODY)
    assert derived.status_code == 201, derived.text
    assert derived.json()["prefixes"] == ["0360001"]  # the company prefix of its SGLN site
    brand = {"legal_name": "Northwind", "kind": "manufacturer", "glns": [MFG_GLN]}
    given = await client.post("/partners", headers=admin, json={**brand, "prefixes": ["0312345"]})
    assert (given.status_code, given.json()["prefixes"]) == (201, ["0312345"])
    owner = given.json()["id"]
    for prefixes, status, detail in (
        (["031234"], 409, f"company prefix 031234 overlaps 0312345 of trading partner {owner}"),
        (["03123456"], 409, f"company prefix 03123456 overlaps 0312345 of trading partner {owner}"),
        (["0312345"], 409, f"company prefix 0312345 is already held by trading partner {owner}"),
        (["0399991", "039999"], 422,
         "company prefix 039999 overlaps company prefix 0399991; expected prefixes none of which "
         "starts another"),
        (["03999x"], 422, "company prefix '03999x': expected 6 to 12 digits"),
    ):
        refused = await client.post("/partners", headers=admin, json={
            "legal_name": "Squatter", "kind": "manufacturer", "prefixes": prefixes})
        assert (refused.status_code, refused.json()["detail"]) == (status, detail)
        assert refused.json()["field"] == "prefixes"
    assert len((await client.get("/partners", headers=admin)).json()) == 2


@pytest.mark.parametrize(("field", "limit"), [("street", 200), ("city", 100), ("state", 50),
                                              ("postal_code", 20)])
async def test_an_address_longer_than_its_column_is_a_422_not_a_500(client, session, field, limit):
    """The schema fuzzer once sent a 21-character postal code: PostgreSQL refused the insert."""
    admin = await make_key(session, None, "admin")
    await session.commit()
    refused = await client.post("/partners", headers=admin, json={**BODY, field: "9" * (limit + 1)})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == f"body.{field}"
    assert refused.json()["detail"] == (f"body.{field}: String should have at most {limit} "
                                        "characters")
    assert (await client.get("/partners", headers=admin)).json() == []
    patched = await client.post("/partners", headers=admin, json={**BODY, field: "9" * limit})
    assert patched.status_code == 201, patched.text
    edit = await client.patch(f"/partners/{patched.json()['id']}", headers=admin,
                              json={field: "9" * (limit + 1)})
    assert edit.status_code == 422, edit.text
