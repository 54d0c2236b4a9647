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

    from app.capture.service import capture
    from app.ingest.worker import run_once
    from app.models import EpcisEvent, Product, Unit

    for gln13, body in chain_documents():
        async with sessions() as session, session.begin():
            partner = await session.get(PartnerGln, gln13)
            made = await capture(session, body, None, partner.partner_id)
        if made.created:
            job = await run_once(sessions, made.job.id)
            if job.status != "succeeded":
                raise RuntimeError(f"demo document from {gln13} was rejected: {job.errors}")
    async with sessions() as session:
        events = await session.scalar(select(func.count()).select_from(EpcisEvent))
        units = await session.scalar(select(func.count()).select_from(Unit))
        products = await session.scalar(select(func.count()).select_from(Product))
    return {"events": events, "units": units, "products": products}


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
    anchor.remember(settings.key_dir, latest.note)
    return latest.tree_size


async def load(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> dict[str, int | str]:
    """Seed, ingest the chain, sign a checkpoint and issue a demo key: what ``custody demo``
    reports."""
    async with sessions.begin() as session:
        created: dict[str, int | str] = {**await seed(session)}
    created |= await ingest_chain(sessions)
    created["signed"] = await sign_checkpoint(sessions, settings)
    async with sessions.begin() as session:
        created["key"] = await issue_demo_key(session)
    return created
