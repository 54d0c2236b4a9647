"""Demo data: a small, realistic set of trading partners and locations, and a custody chain.

Seeding is idempotent: partners are found by their GLNs and created only when missing, so
running ``custody demo`` twice is harmless. Products and lots are not seeded: the
manufacturer's EPCIS master data and commissioning ILMD create them when the chain is
captured, as a partner's documents would.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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


DEMO_KEY_NAME = "demo"


async def issue_demo_key(session: AsyncSession) -> str:
    """A fresh key that reads everything (admin + regulator), replacing the previous demo key.

    Only hashes are stored, so a rerun cannot show the old key again: it is revoked instead.
    """
    from sqlalchemy import select

    from app.auth import service as auth
    from app.models import ApiKey

    old = await session.scalars(
        select(ApiKey.prefix).where(ApiKey.name == DEMO_KEY_NAME, ApiKey.revoked_at.is_(None))
    )
    for prefix in list(old):
        await auth.revoke(session, prefix, actor=ACTOR)
    _, plaintext = await auth.issue(
        session, None, ["admin", "regulator", "query"], DEMO_KEY_NAME, actor=ACTOR
    )
    return plaintext


# -- the operator's stock, staff and station ------------------------------------------
#: The demo's operator: the specialty pharmacy whose staff scan (``CUSTODY_OPERATOR_GLN``).
OPERATOR = HARBOR
COR_VIALS = tuple(CORLUMAB.sgtin(f"CL{n:05d}") for n in range(1, 3))
STAFF_USER, STATION = "demo.pharmacist", "Receiving 1"


def stock_documents() -> list[tuple[str, bytes]]:
    """(submitter GLN, document) that stock the operator's shelf for the scan page.

    Atlas ships three more Zenterva vials to Harbor, which receives two (the third stays in
    transit); Northwind ships Harbor two Corlumab vials of a lot that expired on 2026-10-31.
    """
    mfg, atlas, harbor = NORTHWIND.sgln, ATLAS.sgln, HARBOR.sgln
    zenterva, corlumab = VIALS[2:5], COR_VIALS
    order = purchase_order(HARBOR.gln, "PO-HSP-0502")
    stock = [
        (NORTHWIND, (
            commission(corlumab, _at(-24 * 300), mfg, lot="CL2510", expiry=date(2026, 10, 31)),
            ship(corlumab, _at(-24 * 299), mfg, harbor, order, biz_location=mfg),
        )),
        (ATLAS, (ship(zenterva, _at(60), atlas, harbor, order, biz_location=atlas),)),
        (HARBOR, (receive(corlumab, _at(-24 * 298), harbor), receive(zenterva[:2], _at(70), harbor))),
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
            if job.status != "succeeded":
                raise RuntimeError(f"demo document from {gln13} was rejected: {job.errors}")


async def staff_and_station(session: AsyncSession) -> str:
    """The operator's scan station and demo staff account; returns the account's fresh password.

    Only the hash is stored, so a rerun sets a new password rather than showing the old one.
    """
    from app.staff import service as staff
    from app.staff.repository import by_username, station_by_name

    if await station_by_name(session, STATION) is None:
        await staff.add_station(session, OPERATOR.gln, STATION, OPERATOR.sgln, ACTOR)
    password = staff.new_password()
    if await by_username(session, STAFF_USER) is None:
        await staff.add_staff(session, STAFF_USER, "Dana Reyes (demo pharmacist)",
                              ["pharmacist", "receiver"], password, ACTOR)
    else:
        await staff.set_password(session, STAFF_USER, password, ACTOR)
    return password


async def load(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int | str]:
    """Seed, ingest the chain and the operator's stock, set up its staff and station, and
    issue a fresh demo key: what ``custody demo`` reports."""
    async with sessions.begin() as session:
        created: dict[str, int | str] = {**await seed(session)}
    created |= await ingest_chain(sessions)
    await ingest(sessions, stock_documents())
    async with sessions.begin() as session:
        created["key"] = await issue_demo_key(session)
        created["password"] = await staff_and_station(session)
    return created
