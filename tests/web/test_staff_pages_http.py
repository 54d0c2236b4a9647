"""The unit, investigation and recall pages over HTTP, as an attacker tries them: signed out,
forged CSRF tokens, a picker reaching for a pharmacist's decisions, another partner's unit,
bad input; and the whole walk from suspect to illegitimate with its Form FDA 3911 draft."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.demo import CORLUMAB_LOT, NORTHWIND, OPERATOR, STAFF_USER, TORN_SEAL, ZENTERVA
from app.ledger import keys
from app.models import (
    EntryKind,
    Investigation,
    InvestigationEntry,
    PartnerAgent,
    PartnerGln,
    Recall,
    StaffUser,
    Unit,
    UnitStatus,
)
from app.models.base import utcnow
from app.staff import service as staff
from tests.staff.helpers import PASSWORD, csrf_of, demo, sign_in  # noqa: F401
from tests.staff.helpers import settings as demo_settings  # noqa: F401  (fixture)

PAGES = ("/staff/units", "/staff/investigations", "/staff/investigations/1", "/staff/recalls",
         "/staff/investigations/1/form-3911.pdf")


@pytest.fixture
def settings(demo_settings, tmp_path):  # noqa: F811
    """The demo's settings, with the checkpoint keys ``demo`` makes under ``tmp_path``."""
    return demo_settings.model_copy(update={"key_dir": tmp_path / "keys"})


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
async def pharmacist(client, demo):  # noqa: F811
    signed = await sign_in(client, STAFF_USER, demo["password"])
    assert signed.status_code == 303
    return csrf_of((await client.get("/staff/units")).text)


async def investigation_of(session) -> int:
    from app.investigations.service import list_investigations

    return (await list_investigations(session))[0].investigation.id


async def test_signed_out_every_page_and_form_sends_you_to_sign_in(client, demo):  # noqa: F811
    for path in PAGES:
        response = await client.get(path)
        assert (response.status_code, response.headers["location"]) == (303, "/signin"), path
    for path in ("/staff/investigations", "/staff/investigations/1/note", "/staff/recalls"):
        response = await client.post(path, data={"text": "x", "csrf_token": "x"})
        assert (response.status_code, response.headers["location"]) == (303, "/signin"), path


async def test_the_quarantined_vials_page_shows_state_chain_and_verified_proofs(
        client, session, pharmacist):
    page = await client.get("/staff/units", params={"id": TORN_SEAL})
    assert page.status_code == 200, page.text
    words = text_of(page.text)
    assert "Status: quarantined" in words and "Quarantined" in words
    assert "Under investigation" in words and "Harbor Specialty Pharmacy (us)" in words
    assert re.search(r"verified against checkpoint size \d+ signed at \d{4}-\d\d-\d\d .* UTC, "
                     r"signature checked", words)
    hops = re.findall(r"<tr><td>\d+</td>", page.text)
    assert len(hops) >= 4  # commission, ship, receive at Atlas, ship, receive here, hold
    assert "Proven" in words and "Failed" not in words
    # Scanner text and the Digital Link find the same unit.
    serial = TORN_SEAL.rsplit(".", 1)[1]
    for spelled in (f"]d201{ZENTERVA.gtin}21{serial}", f"(01){ZENTERVA.gtin}(21){serial}",
                    f"https://id.gs1.org/01/{ZENTERVA.gtin}/21/{serial}"):
        again = await client.get("/staff/units", params={"id": spelled})
        assert again.status_code == 200 and TORN_SEAL in again.text, spelled


async def test_a_checkpoint_another_key_signed_fails_on_the_page(client, pharmacist, tmp_path):
    keys.generate(tmp_path / "keys", "custody.example/log", force=True)  # not the log's signer
    page = await client.get("/staff/units", params={"id": TORN_SEAL})
    words = text_of(page.text)
    assert page.status_code == 200 and "Proof failed" in words and "Verified" not in words
    assert "Failed" in words and "Proven" not in words


async def test_unit_search_answers_bad_and_foreign_input_without_leaking(client, pharmacist):
    bad = await client.get("/staff/units", params={"id": "]d2hello"})
    assert bad.status_code == 422 and "Not a unit identifier" in bad.text
    nobody = await client.get("/staff/units", params={"id": "urn:epc:id:sgtin:0312345.060011.NOPE"})
    assert nobody.status_code == 404
    at_atlas = await client.get("/staff/units", params={"id": f"(01){ZENTERVA.gtin}(21)ZT00006"})
    assert at_atlas.status_code == 404  # Atlas's vial, never ours: answered as no unit
    assert "Atlas" not in at_atlas.text and "ZT2611A" not in at_atlas.text
    nul = await client.get("/staff/units", params={"id": "urn:epc:\x00"})
    assert nul.status_code == 422


async def test_forged_csrf_tokens_change_nothing(client, session, pharmacist):
    user = await session.scalar(select(StaffUser).where(StaffUser.username == STAFF_USER))
    user.roles = [*user.roles, "qa"]  # so the recall form is refused for its token, not the role
    await session.commit()
    iid = await investigation_of(session)
    before = await session.scalar(select(func.count()).select_from(InvestigationEntry))
    for path, data in ((f"/staff/investigations/{iid}/note", {"text": "hi"}),
                       (f"/staff/investigations/{iid}/illegitimate",
                        {"text": "fake", "classification": "counterfeit"}),
                       ("/staff/investigations", {"identifier": TORN_SEAL, "reason": "x"}),
                       ("/staff/recalls", {"gtin": ZENTERVA.gtin, "lots": "ZT2611A",
                                           "recall_class": "II", "reason": "x"})):
        for token in ("forged", ""):
            answer = await client.post(path, data={**data, "csrf_token": token})
            assert answer.status_code == 403 and "did not come from this site" in answer.text, path
    assert await session.scalar(select(func.count()).select_from(InvestigationEntry)) == before
    assert await session.scalar(select(func.count()).select_from(Recall)) == 1  # the demo's


async def test_a_picker_is_refused_investigations_and_recalls_as_the_api_refuses_them(
        client, session, demo):  # noqa: F811
    await staff.add_staff(session, "pat.picker", "Pat Picker", ["picker"], PASSWORD, "test")
    await session.commit()
    await sign_in(client, "pat.picker", PASSWORD)
    home = await client.get("/scan")
    token = csrf_of(home.text)
    assert 'href="/staff/investigations"' not in home.text and 'href="/staff/recalls"' not in home.text
    iid = await investigation_of(session)
    before = await session.scalar(select(func.count()).select_from(InvestigationEntry))
    for path in ("/staff/investigations", f"/staff/investigations/{iid}", "/staff/recalls",
                 f"/staff/investigations/{iid}/form-3911.json"):
        answer = await client.get(path)
        assert answer.status_code == 403 and "Not allowed" in answer.text, path
    for action, data in (("note", {"text": "carton photographed"}),
                         ("illegitimate", {"classification": "counterfeit", "text": "x"}),
                         ("clear", {"text": "x"}), ("notified", {}),
                         ("report", {"kind": "follow_up", "text": "x"})):
        refused = await client.post(f"/staff/investigations/{iid}/{action}",
                                    data={**data, "csrf_token": token})
        assert refused.status_code == 403, action
        assert "Not allowed" in refused.text and "pharmacist, qa, admin" in refused.text
    opened = await client.post("/staff/investigations", data={
        "identifier": "anything", "reason": "x", "csrf_token": token})
    recall = await client.post("/staff/recalls", data={
        "gtin": ZENTERVA.gtin, "lots": "ZT2611A", "recall_class": "II", "reason": "x",
        "csrf_token": token})
    assert opened.status_code == recall.status_code == 403
    assert "qa, admin" in recall.text
    assert await session.scalar(select(func.count()).select_from(Recall)) == 1
    assert await session.scalar(select(func.count()).select_from(InvestigationEntry)) == before


async def test_suspect_to_illegitimate_with_the_form_3911_draft(client, session, pharmacist):
    iid = await investigation_of(session)
    base = f"/staff/investigations/{iid}"
    queue = text_of((await client.get("/staff/investigations")).text)
    assert f"#{iid}" in queue and "Open" in queue and "receiving" in queue
    not_yet = await client.get(f"{base}/form-3911.json")
    assert not_yet.status_code == 409  # no draft before a determination
    empty = await client.post(f"{base}/illegitimate", data={
        "classification": "counterfeit", "text": " ", "csrf_token": pharmacist})
    assert empty.status_code == 422 and "description: expected some text" in empty.text
    wrong = await client.post(f"{base}/illegitimate", data={
        "classification": "alien", "text": "x", "csrf_token": pharmacist})
    assert wrong.status_code == 422 and "expected one of counterfeit" in wrong.text
    done = await client.post(f"{base}/illegitimate", data={
        "classification": "counterfeit", "text": "hologram missing; lot not ours",
        "contact_name": "Dana Reyes", "contact_phone": "+1 617 555 0100",
        "csrf_token": pharmacist})
    assert done.status_code == 303, done.text
    page = await client.get(base)
    words = text_of(page.text)
    assert 'data-status="illegitimate"' in page.text and "Due" in words
    assert 'data-field="classification">counterfeit' in page.text.replace("\n", "")
    assert "Zenterva" in words and "ZT00007" in words and "Atlas Specialty Distribution" in words
    assert f'href="{base}/form-3911.pdf"' in page.text
    pdf = await client.get(f"{base}/form-3911.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    draft = (await client.get(f"{base}/form-3911.json")).json()
    assert draft["fields"]["classification"] == "counterfeit"
    again = await client.post(f"{base}/clear", data={"text": "x", "csrf_token": pharmacist})
    assert again.status_code == 422 and "a determination is final" in again.text
    told = await client.post(f"{base}/notified", data={"incident_number": "FDA-2026-117",
                                                       "csrf_token": pharmacist})
    assert told.status_code == 303
    follow = await client.post(f"{base}/report", data={"kind": "termination", "text": "destroyed",
                                                       "csrf_token": pharmacist})
    assert follow.status_code == 303
    final = text_of((await client.get(base)).text)
    assert "Termination requested" in final and "request for termination" in final
    unit = await session.scalar(select(Unit).where(Unit.identifier == TORN_SEAL))
    assert unit.status == UnitStatus.QUARANTINED


async def test_open_an_investigation_by_hand_from_a_unit(client, session, pharmacist):
    vial = ZENTERVA.sgtin("ZT00003")
    opened = await client.post("/staff/investigations", data={
        "identifier": vial, "reason": "label smudged", "csrf_token": pharmacist})
    assert opened.status_code == 303
    page = text_of((await client.get(opened.headers["location"])).text)
    assert "label smudged" in page and "manual" in page
    unit = await session.scalar(select(Unit).where(Unit.identifier == vial))
    assert unit.status == UnitStatus.QUARANTINED  # our stock: quarantined at once
    seen = text_of((await client.get("/staff/units", params={"id": vial})).text)
    assert "Verified" in seen and "Pending" in seen  # the quarantine hop is newer than the checkpoint
    assert re.search(r"Newer hops are not yet covered by a checkpoint; next due \d{4}-", seen)
    cleared = await client.post(f"{opened.headers['location']}/clear", data={
        "text": "smudge is ink from the tote; label matches the ledger", "csrf_token": pharmacist})
    assert cleared.status_code == 303
    assert 'data-status="cleared"' in (await client.get(opened.headers["location"])).text
    await session.refresh(unit)
    assert unit.status == UnitStatus.RECEIVED  # back in stock
    nothing = await client.post("/staff/investigations", data={
        "identifier": "urn:epc:id:sgtin:0312345.060011.NOPE", "reason": "x",
        "csrf_token": pharmacist})
    assert nothing.status_code == 422 and "no unit" in nothing.text
    foreign = await client.post("/staff/investigations", data={
        "identifier": f"https://id.gs1.org/01/{ZENTERVA.gtin}/21/ZT00006", "reason": "probe",
        "csrf_token": pharmacist})  # Atlas's vial: as if there were none, nothing written
    assert foreign.status_code == 422 and "no unit" in foreign.text and "Atlas" not in foreign.text
    assert await session.scalar(select(func.count()).select_from(Investigation)) == 2


async def test_recalls_only_by_the_brand_owner_or_its_agent(client, session, pharmacist):
    user = await session.scalar(select(StaffUser).where(StaffUser.username == STAFF_USER))
    user.roles = [*user.roles, "qa"]  # recalls need the recall permission (qa or admin)
    await session.commit()
    listed = text_of((await client.get("/staff/recalls")).text)
    assert f"lot {CORLUMAB_LOT}" in listed and "Atlas Specialty Distribution" in listed
    assert "Northwind Biologics Inc. GLN 0312345000004" in listed  # the issuer, by name
    form = {"gtin": ZENTERVA.gtin, "lots": "ZT2611A", "recall_class": "II",
            "reason": "mislabelled strength", "csrf_token": pharmacist}
    refused = await client.post("/staff/recalls", data=form)
    assert refused.status_code == 422 and "neither the brand owner" in refused.text
    assert await session.scalar(select(func.count()).select_from(Recall)) == 1
    bad = await client.post("/staff/recalls", data={**form, "recall_class": "IV"})
    assert bad.status_code == 422 and "expected I, II or III" in bad.text
    harbor = await session.get(PartnerGln, OPERATOR.gln)
    maker = await session.get(PartnerGln, NORTHWIND.gln)
    session.add(PartnerAgent(agent_id=harbor.partner_id, principal_id=maker.partner_id))
    await session.commit()
    filed = await client.post("/staff/recalls", data=form)
    assert filed.status_code == 200 and "Recall filed" in filed.text
    assert "3 of our unit(s) are now recalled" in text_of(filed.text)
    scan = await client.post("/scan", data={"text": f"(01){ZENTERVA.gtin}(21)ZT00003",
                                            "csrf_token": pharmacist})
    assert 'data-verdict="recalled"' in scan.text


async def test_the_queue_filters_and_puts_overdue_first(client, session, pharmacist):
    demo_case = await investigation_of(session)
    opened = await client.post("/staff/investigations", data={
        "identifier": ZENTERVA.sgtin("ZT00003"), "reason": "label smudged",
        "csrf_token": pharmacist})
    late = int(opened.headers["location"].rsplit("/", 1)[1])
    # Determined illegitimate 25 hours ago and nobody told: past the 24-hour clock.
    session.add(InvestigationEntry(investigation_id=late, at=utcnow() - timedelta(hours=25),
                                   actor="staff:demo.pharmacist", kind=EntryKind.ILLEGITIMATE,
                                   text="counterfeit label", data={"classification": "counterfeit"}))
    await session.commit()

    async def listed(**filters) -> list[str]:
        page = await client.get("/staff/investigations", params=filters)
        assert page.status_code == 200, page.text
        return re.findall(r'<td><a href="/staff/investigations/(\d+)">', page.text)

    assert await listed() == [str(late), str(demo_case)]  # overdue first, though newer
    rows = text_of((await client.get("/staff/investigations")).text)
    assert re.search(rf"#{late} .*Overdue since", rows)
    assert await listed(status="open") == [str(demo_case)]
    assert await listed(trigger="manual") == [str(late)]
    assert await listed(trigger="receiving", gtin=ZENTERVA.gtin, lot="ZT2611A") == [str(demo_case)]
    assert await listed(lot="CL2611B") == []
    bogus = await client.get("/staff/investigations", params={"status": "bogus"})
    assert bogus.status_code == 422 and "expected one of open" in bogus.text
