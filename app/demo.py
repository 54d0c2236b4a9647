"""Demo data: a small, realistic set of trading partners and locations, and a custody chain.

Seeding is idempotent: partners are found by their GLNs and created only when missing, so
running ``custody demo`` twice is harmless. Products and lots are not seeded: the
manufacturer's EPCIS master data and commissioning ILMD create them when the chain is
captured, as a partner's documents would.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.models import PartnerGln, PartnerKind
from app.partners.service import LicenceSpec, create_partner
from app.world.documents import document, location_master, master_data, product_master
from app.world.events import commission, dispense, pack, purchase_order, receive, ship, unpack
from app.world.partners import Party, gln
from app.world.products import TradeItem

ACTOR = "custody demo"
LICENSED = (date(2024, 1, 1), date(2027, 12, 31))

NORTHWIND = Party(
    "Northwind Biologics Inc.", PartnerKind.MANUFACTURER, gln("031234500000"),
    LicenceSpec("fda_establishment_registration", "US-FDA", "3012345678", *LICENSED),
    "Raleigh plant", street="100 Research Pkwy", city="Raleigh", state="NC", postal_code="27601",
    prefixes=("0312345",),
)
ATLAS = Party(
    "Atlas Specialty Distribution LLC", PartnerKind.WHOLESALER, gln("036000100000"),
    LicenceSpec("wholesale_distributor_license", "KY", "WD-44102", *LICENSED),
    "Louisville DC", street="2500 Commerce Dr", city="Louisville", state="KY", postal_code="40218",
    prefixes=("0360001",),
)
HARBOR = Party(
    "Harbor Specialty Pharmacy", PartnerKind.DISPENSER, gln("037000200000"),
    LicenceSpec("pharmacy_license", "MA", "DS-3391", *LICENSED),
    "Boston dispensary", street="18 Harbor St", city="Boston", state="MA", postal_code="02110",
    prefixes=("0370002",),
)
LYON = Party(
    "Pharmacie des Hospices de Lyon", PartnerKind.FOREIGN_RECIPIENT, gln("376000300000"),
    LicenceSpec("hospital_pharmacy_authorisation", "FR-ANSM", "PUI-69-0457", *LICENSED),
    "Central pharmacy", street="3 Quai des Celestins", city="Lyon", postal_code="69002",
    country="FR", prefixes=("3760003",),
)
PARTNERS = (NORTHWIND, ATLAS, HARBOR, LYON)
OPERATOR = HARBOR
"""The organisation the demo instance runs for (``CUSTODY_OPERATOR_GLN``): the specialty
pharmacy whose staff scan."""

ZENTERVA = TradeItem("12345-6001-1", "Zenterva", "50 mg/mL", "INJECTION, SOLUTION", "1 vial, 2 mL")
CORLUMAB = TradeItem("12345-6002-2", "Corlumab", "100 mg", "INJECTION, POWDER, LYOPHILIZED", "1 vial")
PRODUCTS = (ZENTERVA, CORLUMAB)


async def seed(session: AsyncSession) -> dict[str, int]:
    """Create whatever demo partners are missing; return how many were created."""
    created = {"partners": 0}
    for party in PARTNERS:
        if await session.get(PartnerGln, party.gln) is None:
            await create_partner(session, party.spec(), actor=ACTOR)
            created["partners"] += 1
    await session.flush()
    return created


# -- a realistic chain through the ingest pipeline ---------------------------------
T0 = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
VIALS = tuple(ZENTERVA.sgtin(f"ZT{n:05d}") for n in range(1, 7))
CASE = "urn:epc:id:sscc:0312345.0000002611"
#: The TI every demo shipment carries: the manufacturer's products and the four parties'
#: sites (Lyon's address names its region where a US address has a state).
MASTER_DATA = master_data(
    tuple(product_master(item, NORTHWIND.legal_name) for item in PRODUCTS),
    (
        location_master(p.sgln, p.legal_name, street=p.street, city=p.city,
                        state=p.state or "Rhone", postal_code=p.postal_code, country=p.country)
        for p in PARTNERS
    ),
)


def _at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def chain_documents() -> list[tuple[str, bytes]]:
    """(submitter GLN, EPCIS document) for Northwind -> Atlas -> Harbor -> Lyon, deterministic.

    Northwind commissions six vials of Zenterva (lot ZT2611A), packs them in a case and ships
    it to Atlas; Atlas receives and unpacks it and ships two vials to Harbor Specialty
    Pharmacy, which exports them for a named patient to the hospital pharmacy in Lyon, which
    receives both and dispenses one. Every shipment carries its TI (product and party master
    data) and TS, as the GS1 US guideline lays out.
    """
    mfg, atlas, harbor, lyon = (p.sgln for p in PARTNERS)
    two = VIALS[:2]
    chain = [
        (NORTHWIND, "1.2-xml", (
            commission(VIALS, _at(0), mfg, lot="ZT2611A", expiry=date(2028, 5, 31)),
            commission((CASE,), _at(1), mfg),
            pack(CASE, VIALS, _at(1.5), mfg),
            ship((CASE,), _at(2), mfg, atlas, purchase_order(ATLAS.gln, "PO-ATL-7731"),
                 biz_location=mfg),
        )),
        (ATLAS, "2.0-xml", (
            receive((CASE,), _at(26), atlas),
            unpack(CASE, _at(27), atlas),
            ship(two, _at(30), atlas, harbor, purchase_order(HARBOR.gln, "PO-HSP-0419"),
                 biz_location=atlas),
        )),
        (HARBOR, "2.0-jsonld", (
            receive(two, _at(50), harbor),
            ship(two, _at(52), harbor, lyon, purchase_order(LYON.gln, "NPP-2026-0042"),
                 biz_location=harbor),
        )),
        (LYON, "2.0-jsonld", (
            receive(two, _at(100), lyon),
            dispense(VIALS[:1], _at(124), lyon),
        )),
    ]
    return [(party.gln, document(*events, fmt=fmt, master=MASTER_DATA))
            for party, fmt, events in chain]


async def ingest_chain(sessions) -> dict[str, int]:
    """Capture and process the demo chain through the real pipeline (idempotent)."""
    from sqlalchemy import func, select

    from app.models import EpcisEvent, Product, Unit

    await ingest(sessions, chain_documents())
    async with sessions() as session:
        events = await session.scalar(select(func.count()).select_from(EpcisEvent))
        units = await session.scalar(select(func.count()).select_from(Unit))
        products = await session.scalar(select(func.count()).select_from(Product))
    return {"events": events, "units": units, "products": products}


# -- suspect product and a recall, so the investigation queue has something to show --------
CORLUMAB_LOT = "CL2611B"
TORN_SEAL = ZENTERVA.sgtin("ZT00007")  # arrives at Harbor with the operator's stock
CORLUMAB_VIALS = tuple(CORLUMAB.sgtin(f"CL{n:05d}") for n in range(21, 24))


def restock_documents() -> list[tuple[str, bytes]]:
    """Northwind sends Atlas three vials of Corlumab lot CL2611B (later recalled)."""
    mfg, atlas = NORTHWIND.sgln, ATLAS.sgln
    chain = [
        (NORTHWIND, (commission(CORLUMAB_VIALS, _at(90), mfg, lot=CORLUMAB_LOT,
                                expiry=date(2027, 10, 31)),
                     ship(CORLUMAB_VIALS, _at(91), mfg, atlas,
                          purchase_order(ATLAS.gln, "PO-ATL-7790"), biz_location=mfg))),
        (ATLAS, (receive(CORLUMAB_VIALS, _at(110), atlas),)),
    ]
    return [(party.gln, document(*events, master=MASTER_DATA)) for party, events in chain]


async def suspect_and_recall(sessions, operator_gln: str = OPERATOR.gln) -> dict[str, int]:
    """Harbor (the operator) investigates the vial with the torn seal, which its own event
    quarantines, and Northwind recalls Corlumab lot CL2611B, held at Atlas. Once only."""
    from sqlalchemy import func, select

    from app.investigations.service import list_investigations, open_investigation
    from app.models import Recall
    from app.operator.service import operator
    from app.recalls.service import RecallSpec, record_recall

    await ingest(sessions, restock_documents())
    async with sessions.begin() as session:
        op = await operator(session, operator_gln)
        if not await list_investigations(session):
            await open_investigation(
                session, [TORN_SEAL], "tamper-evident seal torn on receipt; carton re-taped",
                ACTOR, trigger="receiving", operator=op)
        if not await session.scalar(select(func.count()).select_from(Recall)):
            maker = await session.get(PartnerGln, NORTHWIND.gln)
            await record_recall(session, RecallSpec(CORLUMAB.gtin, (CORLUMAB_LOT,), "II",
                                                    "visible particulates in retained samples"),
                                ACTOR, op, issuer=maker.partner_id)
    async with sessions() as session:
        return {"investigations": len(await list_investigations(session)),
                "recalls": await session.scalar(select(func.count()).select_from(Recall))}


DEMO_KEY_NAME = "demo"


async def issue_demo_key(session: AsyncSession) -> str:
    """A new key that reads everything (admin + regulator). Keys printed by earlier runs keep
    working: only hashes are stored, so a rerun cannot show them again, and revoking them
    would break whatever was set up with them."""
    from app.auth import service as auth

    _, plaintext = await auth.issue(
        session, None, ["admin", "regulator", "query"], DEMO_KEY_NAME, actor=ACTOR
    )
    return plaintext


async def sign_checkpoint(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """Make the checkpoint signing key if there is none, and sign the log if it has grown since
    the latest checkpoint; return the size of the latest signed tree."""
    from app.ledger import anchor, keys, repository, service

    if not (settings.key_dir / keys.SIGNER_FILE).exists():
        keys.generate(settings.key_dir, settings.log_origin)
    async with sessions.begin() as session:
        await service.sign_if_due(
            session, keys.load_signer(settings.key_dir), settings.log_origin, timedelta(0)
        )
        latest = await repository.latest_checkpoint(session)
    assert latest is not None, "the demo log has leaves, so signing with no interval signs it"
    anchor.remember(settings.key_dir, latest.note)
    return latest.tree_size


# -- the operator's stock, staff and station ------------------------------------------
COR_VIALS = tuple(CORLUMAB.sgtin(f"CL{n:05d}") for n in range(1, 3))
STAFF_USER, STATION = "demo.pharmacist", "Receiving 1"
STAFF_NAME, STAFF_ROLES = "Dana Reyes (demo pharmacist)", ["pharmacist", "receiver"]
ADMIN_USER = "demo.admin"
ADMIN_ACCOUNT = (ADMIN_USER, "Alex Morgan (demo admin)", ["admin"])


def stock_documents() -> list[tuple[str, bytes]]:
    """(submitter GLN, document) that stock the operator's shelf for the scan page.

    Atlas ships four more Zenterva vials to Harbor, which receives three (one with a torn seal,
    :data:`TORN_SEAL`; the fourth stays in transit); Northwind ships Harbor two Corlumab vials
    of a lot that expired on 2026-10-31.
    """
    mfg, atlas, harbor = NORTHWIND.sgln, ATLAS.sgln, HARBOR.sgln
    zenterva, corlumab = VIALS[2:5] + (TORN_SEAL,), COR_VIALS
    received = VIALS[2:4] + (TORN_SEAL,)
    order = purchase_order(HARBOR.gln, "PO-HSP-0502")
    stock = [
        (NORTHWIND, (
            commission(corlumab, _at(-24 * 300), mfg, lot="CL2510", expiry=date(2026, 10, 31)),
            ship(corlumab, _at(-24 * 299), mfg, harbor, order, biz_location=mfg),
            commission((TORN_SEAL,), _at(3), mfg, lot="ZT2611A", expiry=date(2028, 5, 31)),
            ship((TORN_SEAL,), _at(4), mfg, atlas, purchase_order(ATLAS.gln, "PO-ATL-7732"),
                 biz_location=mfg),
        )),
        (ATLAS, (receive((TORN_SEAL,), _at(28), atlas),)),
        (ATLAS, (ship(zenterva, _at(60), atlas, harbor, order, biz_location=atlas),)),
        (HARBOR, (receive(corlumab, _at(-24 * 298), harbor), receive(received, _at(70), harbor))),
    ]
    return [(party.gln, document(*events, fmt="2.0-jsonld", master=MASTER_DATA))
            for party, events in stock]


async def ingest(sessions, documents: list[tuple[str, bytes]]) -> None:
    """Capture and process ``documents`` through the real pipeline (idempotent)."""
    from app.capture.service import capture
    from app.ingest.worker import run_once

    for gln13, body in documents:
        async with sessions() as session, session.begin():
            partner = await session.get(PartnerGln, gln13)
            made = await capture(session, body, None, partner.partner_id)
        if made.created:
            job = await run_once(sessions, made.job.id)
            assert job is not None, "the job just captured is there to run"
            if job.status != "succeeded":
                raise RuntimeError(f"demo document from {gln13} was rejected: {job.errors}")


async def staff_and_station(session: AsyncSession) -> dict[str, str]:
    """The operator's scan station and demo staff accounts (:data:`STAFF_USER`, and
    :data:`ADMIN_USER`, who sees every page); returns their fresh passwords.

    Only the hashes are stored, so a rerun sets new passwords rather than showing the old ones.
    """
    from app.staff import service as staff
    from app.staff.repository import by_username, station_by_name

    if await station_by_name(session, STATION) is None:
        await staff.add_station(session, OPERATOR.gln, STATION, OPERATOR.sgln, ACTOR)
    passwords = {}
    for key, (username, name, roles) in {"password": (STAFF_USER, STAFF_NAME, STAFF_ROLES),
                                         "admin_password": ADMIN_ACCOUNT}.items():
        passwords[key] = staff.new_password()
        if await by_username(session, username) is None:
            await staff.add_staff(session, username, name, roles, passwords[key], ACTOR)
        else:
            await staff.set_password(session, username, passwords[key], ACTOR)
    return passwords


async def load(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> dict[str, int | str]:
    """Seed, ingest the chain and the operator's stock, open an investigation and a recall,
    sign a checkpoint, set up the operator's staff and station and issue a demo key: what
    ``custody demo`` reports."""
    async with sessions.begin() as session:
        created: dict[str, int | str] = {**await seed(session)}
    created |= await ingest_chain(sessions)
    await ingest(sessions, stock_documents())
    created |= await suspect_and_recall(sessions, OPERATOR.gln)
    from app.receiving.demo import inbound  # a case from Atlas waits on the receiving board

    created |= await inbound(sessions, OPERATOR.gln)
    from app.shipments.demo import ship_demo  # it builds on this module's world

    created |= await ship_demo(sessions, settings)
    from app.coldchain.demo import cold_chain  # a logger upload on the shipped SSCC

    created["coldchain"] = await cold_chain(sessions, settings, ZENTERVA.gtin, VIALS[1], ACTOR)
    created["cases"] = await _cases(sessions, settings)  # before signing: their events are in it
    from app.coldchain.demo import case_chart  # the shipped case's vials' logger

    created["coldchain"] = str(created["coldchain"]) + await case_chart(sessions, settings, ACTOR)
    from app.adverse.demo import adverse_demo  # one report on the delivered case

    created["cases"] = str(created["cases"]) + await adverse_demo(sessions)
    await sign_checkpoint(sessions, settings)  # the fire drill's answer carries proofs
    async with sessions.begin() as session:
        created["traces"] = await demo_traces(session)
    async with sessions.begin() as session:
        created["key"] = await issue_demo_key(session)
        created |= await staff_and_station(session)
    created["signed"] = await sign_checkpoint(sessions, settings)  # and the audit leaves above
    return created


async def _cases(sessions, settings: Settings) -> str:
    """The named-patient cases, one per status: the lines ``custody demo`` prints about them."""
    from app.cases.demo import describe, load_cases

    return describe(await load_cases(sessions, settings))


async def demo_traces(session: AsyncSession) -> str:
    """Two trace requests (:mod:`app.traces.demo`): "<answered id> <open id>"."""
    from app.traces.demo import trace_requests

    atlas = await session.get(PartnerGln, ATLAS.gln)
    assert atlas is not None, "seeded above"
    ids = await trace_requests(session, ZENTERVA.gtin, "ZT00001", "ZT2611A", atlas.partner_id)
    return " ".join(map(str, ids))


DEMO_VRS_KEY_NAME = "demo-vrs"


async def route_to_self(sessions: async_sessionmaker[AsyncSession], base: str,
                        requester_gln: str | None) -> str:
    """Route Northwind's GTINs to this instance's own responder (``{base}/vrs``), under a fresh
    ``verify`` key of the requester (the operator; Harbor when none is set); return its GLN.

    The responder answers only for the operator's brand owners, so ``custody vrs verify`` of a
    Zenterva vial gets real answers when the demo runs as Northwind
    (``CUSTODY_OPERATOR_GLN=0312345000004``), and a recorded 404 otherwise.
    """
    from sqlalchemy import select

    from app.auth import service as auth
    from app.models import ApiKey
    from app.vrs.service import add_route

    requester_gln = requester_gln or HARBOR.gln
    async with sessions.begin() as session:
        old = await session.scalars(select(ApiKey.prefix).where(
            ApiKey.name == DEMO_VRS_KEY_NAME, ApiKey.revoked_at.is_(None)))
        for prefix in list(old):
            await auth.revoke(session, prefix, actor=ACTOR)
        partner = await session.get(PartnerGln, requester_gln)
        if partner is None:
            return requester_gln  # an operator outside the demo: no key to make for it
        _, key = await auth.issue(session, partner.partner_id, ["verify"], DEMO_VRS_KEY_NAME,
                                  actor=ACTOR)
        await add_route(session, NORTHWIND.prefixes[0], f"{base}/vrs", key, NORTHWIND.gln)
    return requester_gln
