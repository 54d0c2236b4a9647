"""``custody demo``'s named-patient cases: one in each status, for clearly fictional patients.

Northwind ships six more Zenterva vials to Harbor (the operator), which exports them to the
hospital pharmacy in Lyon: two for the shipped case, two awaiting a case's link (authorize the
requested case on its page and link them), two received in Lyon for the closed case. The delivered case
takes the two vials of the demo chain. Patient details are sealed in the vault under a master
key the demo makes beside the checkpoint key when none is configured.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cases import service as cases
from app.config import Settings
from app.models import Case, CaseStatus, Pathway
from app.models.base import utcnow
from app.vault import service as vault
from app.vault.keys import add_key_file_entry, load_keyring

KEY_FILE = "vault-master.keys"


def npp_documents() -> list[tuple[str, bytes]]:
    """(submitter GLN, document): six vials to Harbor, four on to Lyon, two received there."""
    from app.demo import HARBOR, LYON, MASTER_DATA, NORTHWIND, ZENTERVA, _at
    from app.world.documents import document
    from app.world.events import commission, purchase_order, receive, ship

    vials = tuple(ZENTERVA.sgtin(f"ZT{n:05d}") for n in range(11, 17))
    mfg, harbor, lyon = NORTHWIND.sgln, HARBOR.sgln, LYON.sgln
    to_lyon = purchase_order(LYON.gln, "NPP-2026-0043")
    chain = [
        (NORTHWIND, (commission(vials, _at(200), mfg, lot="ZT2611A", expiry=date(2028, 5, 31)),
                     ship(vials, _at(201), mfg, harbor, purchase_order(HARBOR.gln, "PO-HSP-0611"),
                          biz_location=mfg))),
        (HARBOR, (receive(vials, _at(220), harbor),
                  ship(vials[:2], _at(230), harbor, lyon, to_lyon, biz_location=harbor),
                  ship(vials[2:4], _at(231), harbor, lyon, to_lyon, biz_location=harbor),
                  ship(vials[4:], _at(232), harbor, lyon, to_lyon, biz_location=harbor))),
        (LYON, (receive(vials[4:], _at(260), lyon),)),
    ]
    return [(party.gln, document(*events, fmt="2.0-jsonld", master=MASTER_DATA))
            for party, events in chain]


def demo_vault(settings: Settings) -> Settings:
    """``settings`` with a vault master key: the configured one, else a key file made (once)
    beside the checkpoint key."""
    if settings.vault_key_file or settings.vault_key:
        return settings
    path = settings.key_dir / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        add_key_file_entry(path)
    return settings.model_copy(update={"vault_key_file": path})


async def _case(session: AsyncSession, settings: Settings, n: int, to: CaseStatus,
                units: tuple[str, ...] = (), receiver: bool = True) -> Case:
    from app.demo import ACTOR, LYON, ZENTERVA

    today = utcnow().date()
    auth = cases.Authorization(f"ANSM-AAC-2026-{n:04d}", today - timedelta(days=30),
                               today + timedelta(days=180))
    spec = cases.CaseSpec(
        "FR" if receiver else "DE", Pathway.NAMED_PATIENT if receiver else Pathway.PERSONAL_IMPORT,
        "Dr. Demo Prescriber (fictional)", f"RPPS-DEMO-{n:03d}", "FR" if receiver else "DE",
        ZENTERVA.ndc, 2, LYON.gln if receiver else None,
        None if receiver else "Demo Apotheke (fictional), Beispielstrasse 1, 10115 Berlin",
        auth if to != CaseStatus.REQUESTED else None)
    case = await cases.open_case(session, spec, ACTOR)
    ring = load_keyring(settings)
    await vault.put_patient(session, ring, case, vault.PatientData(
        f"Demo Patient {n} (fictional)", date(1970, 1, n), "Zenterva 50 mg/mL, 2 vials (demo)",
        "Fictional justification for the demo"), vault.Reader(ACTOR, frozenset({"admin"})))
    if to == CaseStatus.CANCELLED:
        return await cases.transition(session, case.ref, to, ACTOR, "demo: withdrawn")
    if to == CaseStatus.REQUESTED:
        return case
    await cases.authorize(session, case.ref, None, ACTOR)
    if units:
        await cases.link_shipment(session, case.ref, units, ACTOR,
                                  await vault.commitment(session, ring, case))
    for step in (CaseStatus.DELIVERED, CaseStatus.CLOSED):
        if to in (step, CaseStatus.CLOSED) and case.status != to:
            await cases.transition(session, case.ref, step, ACTOR, "demo: receipt confirmed by phone")
    return case


async def load_cases(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> dict[str, str]:
    """One case in each status (once); returns status -> case reference."""
    from app.demo import ACTOR, VIALS, ZENTERVA, ingest

    settings = demo_vault(settings)
    await ingest(sessions, npp_documents())
    async with sessions.begin() as session:
        existing = (await session.scalars(select(Case).where(Case.created_by == ACTOR)
                                          .order_by(Case.id))).all()
        if not existing:
            vials = [ZENTERVA.sgtin(f"ZT{n:05d}") for n in range(11, 17)]
            plan = [(CaseStatus.REQUESTED, (), True), (CaseStatus.AUTHORIZED, (), True),
                    (CaseStatus.SHIPPED, tuple(vials[:2]), True),
                    (CaseStatus.DELIVERED, VIALS[:2], True),
                    (CaseStatus.CLOSED, tuple(vials[4:]), True), (CaseStatus.CANCELLED, (), False)]
            existing = [await _case(session, settings, n, to, units, receiver)
                        for n, (to, units, receiver) in enumerate(plan, 1)]
        return {c.status.value: c.ref for c in existing} | {
            "vault_key_file": str(settings.vault_key_file or "CUSTODY_VAULT_KEY")}


def describe(made: dict[str, str]) -> str:
    """The lines ``custody demo`` prints about the cases."""
    refs = ", ".join(f"{status} {ref}" for status, ref in made.items() if status != "vault_key_file")
    return (f"named-patient cases (fictional patients), one per status: {refs}\n"
            f"  staff pages /staff/cases and /follow-ups; patient data sealed in the vault "
            f"(CUSTODY_VAULT_KEY_FILE={made['vault_key_file']}; set it for `custody serve` to "
            "show it to pharmacists); `custody cases list`")
