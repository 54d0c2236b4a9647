"""No patient data outside the vault: a distinctive patient name goes through the whole flow
(demo, API, vault, a commitment in the ledger, confirmation, CLI, logs), then every table of a
``pg_dump`` and every log line is searched for it."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import select

from app.auth import service as auth
from app.config import Settings
from app.db import create_engine, session_factory
from app.demo import LYON, OPERATOR, ZENTERVA
from app.main import create_app
from app.migrate import upgrade
from app.models import EpcisEvent
from tests.conftest import create_pg_database, drop_pg_database, require_postgresql
from tests.phi import scan, search
from tests.process import custody

NAME = "Quillonette Vexmorrow-Zabriskie"
SEARCHED = (NAME, "Quillonette", "Vexmorrow", "Zabriskie", "1961-07-19")


@pytest.fixture
def pg_url():
    require_postgresql("the PHI scan reads a pg_dump")
    url = create_pg_database()
    upgrade(url)
    yield url
    drop_pg_database(url)


async def test_no_patient_data_in_any_table_or_log_line(pg_url, tmp_path, capfd):
    keys = tmp_path / "keys"
    env = {"CUSTODY_DATABASE_URL": pg_url, "CUSTODY_KEY_DIR": str(keys),
           "CUSTODY_OPERATOR_GLN": OPERATOR.gln,
           "CUSTODY_VAULT_KEY_FILE": str(tmp_path / "vault.keys"),
           "CUSTODY_SESSION_SECRET": "phi-test-secret-0123456789"}
    outputs = [custody("vault", "init", str(tmp_path / "vault.keys"), **env)]
    outputs.append(custody("demo", "--no-serve", timeout=300, **env))
    assert outputs[-1].returncode == 0, outputs[-1].stderr
    settings = Settings(database_url=pg_url, operator_gln=OPERATOR.gln, key_dir=keys,
                        vault_key_file=tmp_path / "vault.keys", session_secret="phi-test-secret-0123456789")
    app = create_app(settings)
    async with session_factory(create_engine(pg_url))() as session, session.begin():
        _, key = await auth.issue(session, None, ["admin"], "phi", actor="test")
    headers = {"Authorization": f"Bearer {key}"}
    today = date.today()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://custody.test") as http:
        made = await http.post("/cases", headers=headers, json={
            "country": "FR", "prescriber_name": "Dr. P. Hi", "prescriber_licence": "RPPS-77",
            "prescriber_country": "FR", "receiver_gln": LYON.gln, "drug": ZENTERVA.ndc,
            "quantity": 2, "authorization": {
                "authorization_ref": "AAC-PHI", "authorization_issued": str(today),
                "authorization_expires": str(today + timedelta(days=60))}})
        ref = made.json()["ref"]
        await http.post(f"/cases/{ref}/authorize", headers=headers)
        put = await http.put(f"/cases/{ref}/patient", headers=headers, json={
            "name": NAME, "date_of_birth": "1961-07-19",
            "prescription": f"Zenterva for {NAME}", "clinical_justification": f"{NAME}: none local"})
        assert put.status_code == 204
        doc = await http.post(f"/cases/{ref}/documents", headers=headers, data={"kind": "consent"},
                              files={"file": (f"consent {NAME}.txt", f"I, {NAME}, consent".encode(),
                                              "text/plain")})
        assert doc.status_code == 201, doc.text
        link = await http.post(f"/cases/{ref}/links", headers=headers, json={"identifiers": [
            ZENTERVA.sgtin("ZT00013"), ZENTERVA.sgtin("ZT00014")]})
        commitment = link.json()["commitment"]
        url = (await http.post(f"/cases/{ref}/confirmation-links", headers=headers)).json()["url"]
        done = await http.post("/confirm/" + url.rsplit("/", 1)[1], json={
            "confirmer_name": "Dr. R. Eceiver", "confirmer_role": "hospital pharmacist",
            "institution": "HCL", "condition": "intact", "storage_ok": True})
        assert done.status_code == 200, done.text
        read = await http.get(f"/cases/{ref}/patient", headers=headers)
        assert read.json()["name"] == NAME  # the vault does hold it
        assert NAME in (await http.get(f"/cases/{ref}/export", headers=headers)).text
        assert (await http.get(f"/cases/{ref}/export.pdf", headers=headers)).status_code == 200
        assert (await http.get(f"/staff/cases/{ref}")).status_code in (200, 303)
    await app.state.engine.dispose()
    async with session_factory(create_engine(pg_url))() as session:
        bodies = (await session.scalars(select(EpcisEvent.body))).all()
        assert any(commitment in str(b) and ref in str(b) for b in bodies)  # the tie, no name
    for args in (("cases", "list"), ("cases", "show", ref), ("vault", "policy"),
                 ("vault", "rotate-master"), ("vault", "retention"),
                 ("vault", "export", ref, "--out", str(tmp_path / "export.json")), ("verify",)):
        outputs.append(custody(*args, **env))
        assert outputs[-1].returncode == 0, (args, outputs[-1].stderr)
    assert NAME in (tmp_path / "export.json").read_text()  # art. 15: the patient gets it all
    captured = capfd.readouterr()
    logs = captured.out + captured.err + "".join(o.stdout + o.stderr for o in outputs)
    assert "vault retention ran" in logs  # the logs were captured
    done = scan(pg_url, logs, SEARCHED)
    assert ref in done.dump and "vault_records" in done.dump and commitment in done.dump
    assert done.hits == [], "patient data outside the vault's seals"
    erased = custody("vault", "erase", ref, **env)
    assert erased.stdout.strip() == "erased"
    verified = custody("verify", **env)
    assert verified.returncode == 0 and verified.stdout.startswith("ledger verified"), verified.stderr


def test_the_name_would_be_found():
    """The search is not vacuous: the same name typed into a plain column, or a log line, is
    found and named by where it lies."""
    dump = f"COPY public.notes (id, body) FROM stdin;\n1\tfor {NAME.upper()}\n\\.\n"
    assert {h.where for h in search(dump + "log: Zabriskie\n", SEARCHED)} == {"notes", "log"}
    assert search("CASE-1234 1961-07-20", SEARCHED) == []
