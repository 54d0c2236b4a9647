"""Unit provenance reports on the generated chain, field by field, and their proof bundles."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app.demo import ATLAS, CASE, HARBOR, LYON, NORTHWIND, TORN_SEAL, VIALS, ZENTERVA
from app.reports.offline import FORMAT, verify_bundle
from tests.reports.conftest import ZT_LOT

VIAL = VIALS[0]
KINDS = ["commission", "pack", "ship", "receive", "unpack", "ship", "receive", "ship", "receive",
         "dispense", "return"]


async def report(client, world, identifier, key="regulator", **params):
    return await client.get(f"/reports/units/{identifier}", params=params, headers=world.keys[key])


async def test_every_hop_from_commissioning_to_now_with_parties_ti_and_proofs(client, world):
    answer = await report(client, world, VIAL)
    assert answer.status_code == 200, answer.text
    bundle = answer.json()
    assert bundle["format"] == FORMAT
    r = bundle["report"]
    assert (r["kind"], r["subject"], r["asked_as"]) == ("unit", VIAL, VIAL)
    assert r["made_for"]["scopes"] == ["regulator"] and r["made_for"]["reader"].startswith("API key ck_")
    assert r["checkpoint"]["tree_size"] == world.size == bundle["checkpoint"]["tree_size"]
    subject = bundle["chains"][0]
    assert (subject["unit"], subject["role"], subject["unsigned_hops"]) == (VIAL, "subject", 0)
    assert [h["kind"] for h in subject["hops"]] == KINDS
    assert [h["seq"] for h in subject["hops"]] == list(range(len(KINDS)))
    mfg, atlas, harbor, lyon = (p.gln for p in (NORTHWIND, ATLAS, HARBOR, LYON))
    assert [(h["from_party"], h["to_party"]) for h in subject["hops"]] == [
        (None, mfg), (mfg, mfg), (mfg, atlas), (mfg, atlas), (atlas, atlas), (atlas, harbor),
        (atlas, harbor), (harbor, lyon), (harbor, lyon), (lyon, None), (None, lyon)]
    assert subject["hops"][0]["time"] == "2026-11-02T14:00:00.000Z"
    assert subject["hops"][0]["location"] == NORTHWIND.sgln
    # The case it travelled in: its hops while the vial was inside (up to the unpack).
    case = bundle["chains"][1]
    assert (case["unit"], case["role"]) == (CASE, "container")
    assert [h["kind"] for h in case["hops"]] == ["commission", "ship", "receive"]
    # Each hop's event as received, each leaf with its proof, one checkpoint.
    hashes = {e["event_hash"] for e in bundle["events"]}
    assert {h["event_hash"] for c in bundle["chains"] for h in c["hops"]} == hashes
    assert len(bundle["leaves"]) == len(hashes)
    assert {json.loads(x["data"])["event_hash"] for x in bundle["leaves"]} == hashes
    assert bundle["consistency"] is None
    cp = bundle["checkpoint"]
    assert cp["note"].startswith(f"{cp['origin']}\n{cp['tree_size']}\n")
    assert cp["key_id"] in world.pubkey
    done = verify_bundle(bundle, world.pubkey)
    assert (done.subject, done.hops, done.tree_size) == (VIAL, len(KINDS) + 3, world.size)

    context = bundle["context"]
    assert context["unit"] == {
        "identifier": VIAL, "kind": "sgtin", "gtin": ZENTERVA.gtin, "serial": "ZT00001",
        "lot": ZT_LOT, "expiry": "2028-05-31", "status": "returned", "custodian": lyon,
        "in_transit_to": None, "location": LYON.sgln, "container": None}
    hops = context["hops"]
    assert hops[2]["from"] == {"gln": mfg, "name": NORTHWIND.legal_name, "licensed": True,
                               "why_not": None}
    assert hops[7]["to"]["name"] == LYON.legal_name and hops[7]["to"]["licensed"] is True
    assert hops[0]["site"]["name"] == "Raleigh plant"
    ti = hops[2]["transaction"]
    assert [x["value"].rsplit(":", 1)[-1] for x in ti["references"]] == ["PO-ATL-7731"]
    assert ti["statement"]["affirmed"] is True
    assert ti["products"][0]["name"] == "Zenterva" and ti["products"][0]["lots"] == [ZT_LOT]
    assert ti["seller"]["id"].endswith(NORTHWIND.sgln.rsplit(":", 1)[-1]) or ti["seller"]["id"]
    assert hops[7]["transaction"]["references"][0]["value"].endswith("NPP-2026-0042")
    assert [h["transaction"] is not None for h in hops] == [k == "ship" for k in KINDS]
    assert set(context["parties"]) == {mfg, atlas, harbor, lyon}
    assert context["parties"][lyon]["licences"][0]["number"] == "PUI-69-0457"
    assert [(x["class"], x["reason"]) for x in context["recalls"]] == [("I", "mislabelled strength")]
    assert context["investigations"] == [] and context["scans"] == []


async def test_a_unit_under_investigation_shows_it_with_its_quarantine_and_recall(client, world):
    bundle = (await report(client, world, TORN_SEAL)).json()
    kinds = [h["kind"] for h in bundle["chains"][0]["hops"]]
    assert kinds[-2:] == ["quarantine", "recall"], kinds
    context = bundle["context"]
    assert [i["reason"] for i in context["investigations"]] == [
        "tamper-evident seal torn on receipt; carton re-taped"]
    assert [q["kind"] for q in context["quarantines"]] == ["quarantine", "recall"]
    assert context["unit"]["status"] == "recalled"
    verify_bundle(bundle, world.pubkey)


async def test_the_forms_units_accepts_name_the_same_unit(client, world):
    forms = [f"https://id.gs1.org/01/{ZENTERVA.gtin}/21/ZT00001",
             f"(01){ZENTERVA.gtin}(21)ZT00001", f"01{ZENTERVA.gtin}21ZT00001"]
    for form in forms:
        answer = await report(client, world, form)
        assert answer.status_code == 200, (form, answer.text)
        assert answer.json()["report"]["subject"] == VIAL
        assert answer.json()["report"]["asked_as"] == form


async def test_a_consistency_proof_from_a_checkpoint_the_verifier_holds(client, world):
    answer = await report(client, world, VIAL, since_size=world.first_size)
    bundle = answer.json()
    assert bundle["consistency"]["first"] == world.first_size
    held = bundle["consistency"]["first_checkpoint"]
    assert verify_bundle(bundle, world.pubkey, since=held).consistent_from == world.first_size
    bad = await report(client, world, VIAL, since_size=world.first_size + 1)
    assert bad.status_code == 422
    assert bad.json()["field"] == "since_size"
    assert "is not the size of a signed checkpoint" in bad.json()["detail"]
    too_big = await report(client, world, VIAL, since_size=world.size + 1)
    assert too_big.status_code == 422 and too_big.json()["field"] == "since_size"


async def test_real_bundles_validate_against_the_published_schema(client, world):
    from pathlib import Path

    import jsonschema

    schema = json.loads((Path(__file__).resolve().parents[2] / "docs" / "proof-bundle.schema.json")
                        .read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for unit, params in ((VIAL, {"since_size": world.first_size}), (TORN_SEAL, {})):
        bundle = (await report(client, world, unit, **params)).json()
        jsonschema.Draft202012Validator(schema).validate(bundle)
    bundle["chains"][0]["hops"][0]["hop_hash"] = "ABC"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bundle, schema)


async def test_hops_newer_than_the_checkpoint_are_counted_not_proven(client, world, sessions):
    from app.demo import MASTER_DATA, T0, ingest
    from app.world.documents import document
    from app.world.events import dispense

    later = T0 + timedelta(hours=200)
    await ingest(sessions, [(LYON.gln, document(dispense(VIALS[1:2], later, LYON.sgln),
                                                master=MASTER_DATA))])
    bundle = (await report(client, world, VIALS[1])).json()
    subject = bundle["chains"][0]
    assert subject["unsigned_hops"] == 1
    assert subject["hops"][-1]["kind"] == "receive"  # the dispense waits for a checkpoint
    assert bundle["context"]["unit"]["status"] == "dispensed"
    verify_bundle(bundle, world.pubkey)
