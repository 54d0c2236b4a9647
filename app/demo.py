"""Demo data: a small, realistic set of trading partners, locations and products.

Seeding is idempotent: records are found by their natural keys (GLN, GTIN) and created
only when missing, so running ``custody demo`` twice is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import PartnerGln, PartnerKind, Product
from app.partners.service import LicenceSpec, LocationSpec, PartnerSpec, create_partner
from gs1.checkdigit import check_digit


def gln(body12: str) -> str:
    """A 13-digit GLN from its first 12 digits."""
    return body12 + check_digit(body12)


def us_gtin(ndc10: str) -> str:
    """The GTIN-14 of a US package whose NDC (10 digits, no hyphens) is ``ndc10``."""
    body = "003" + ndc10
    return body + check_digit(body)


@dataclass(frozen=True)
class DemoPartner:
    legal_name: str
    kind: PartnerKind
    gln: str
    street: str
    city: str
    state: str | None
    postal_code: str
    country: str
    licence: tuple[str, str, str]  # kind, jurisdiction, number
    site: str


PARTNERS = (
    DemoPartner(
        "Northwind Biologics Inc.",
        PartnerKind.MANUFACTURER,
        gln("031234500000"),
        "100 Research Pkwy",
        "Raleigh",
        "NC",
        "27601",
        "US",
        ("fda_establishment_registration", "US-FDA", "3012345678"),
        "Raleigh plant",
    ),
    DemoPartner(
        "Atlas Specialty Distribution LLC",
        PartnerKind.WHOLESALER,
        gln("036000100000"),
        "2500 Commerce Dr",
        "Louisville",
        "KY",
        "40218",
        "US",
        ("wholesale_distributor_license", "KY", "WD-44102"),
        "Louisville DC",
    ),
    DemoPartner(
        "Harbor Specialty Pharmacy",
        PartnerKind.DISPENSER,
        gln("037000200000"),
        "18 Harbor St",
        "Boston",
        "MA",
        "02110",
        "US",
        ("pharmacy_license", "MA", "DS-3391"),
        "Boston dispensary",
    ),
    DemoPartner(
        "Pharmacie des Hospices de Lyon",
        PartnerKind.FOREIGN_RECIPIENT,
        gln("376000300000"),
        "3 Quai des Celestins",
        "Lyon",
        None,
        "69002",
        "FR",
        ("hospital_pharmacy_authorisation", "FR-ANSM", "PUI-69-0457"),
        "Central pharmacy",
    ),
)

PRODUCTS = (
    # (NDC 5-4-1 digits, name, strength, form, container size)
    ("1234560011", "Zenterva", "50 mg/mL", "INJECTION, SOLUTION", "1 vial, 2 mL"),
    ("1234560022", "Corlumab", "100 mg", "INJECTION, POWDER, LYOPHILIZED", "1 vial"),
)


async def seed(session: AsyncSession) -> dict[str, int]:
    """Create whatever demo records are missing; return how many of each were created."""
    created = {"partners": 0, "products": 0}
    manufacturer_id: int | None = None
    for spec in PARTNERS:
        existing = await session.get(PartnerGln, spec.gln)
        if existing is not None:
            partner_id = existing.partner_id
        else:
            kind, jurisdiction, number = spec.licence
            partner = await create_partner(
                session,
                PartnerSpec(
                    legal_name=spec.legal_name,
                    kind=spec.kind,
                    glns=(spec.gln,),
                    licences=(
                        LicenceSpec(
                            kind, jurisdiction, number, date(2024, 1, 1), date(2027, 12, 31)
                        ),
                    ),
                    locations=(LocationSpec(_sgln(spec.gln), spec.site),),
                    street=spec.street,
                    city=spec.city,
                    state=spec.state,
                    postal_code=spec.postal_code,
                    country=spec.country,
                ),
                actor="custody demo",
            )
            partner_id = partner.id
            created["partners"] += 1
        if spec.kind is PartnerKind.MANUFACTURER:
            manufacturer_id = partner_id
    for ndc10, name, strength, form, size in PRODUCTS:
        gtin = us_gtin(ndc10)
        if await session.get(Product, gtin) is None:
            session.add(
                Product(
                    gtin=gtin,
                    ndc=f"{ndc10[:5]}-{ndc10[5:9]}-{ndc10[9:]}",
                    proprietary_name=name,
                    strength=strength,
                    dosage_form=form,
                    container_size=size,
                    manufacturer_id=manufacturer_id,
                    manufacturer_name=PARTNERS[0].legal_name,
                    company_prefix_length=7,
                )
            )
            created["products"] += 1
    await session.flush()
    return created


# -- a realistic chain through the ingest pipeline ---------------------------------
def _sgln(gln13: str) -> str:
    return f"urn:epc:id:sgln:{gln13[:7]}.{gln13[7:12]}.0"


def chain_documents() -> list[tuple[str, bytes]]:
    """(submitter GLN, EPCIS document) for Northwind -> Atlas -> Harbor -> Lyon, deterministic.

    Northwind commissions six vials of Zenterva (lot ZT2611A), packs them in a case and ships
    it to Atlas; Atlas receives and unpacks it and ships two vials to Harbor Specialty
    Pharmacy, which exports them for a named patient to the hospital pharmacy in Lyon, which
    receives both and dispenses one. Every shipment carries its TI (product and party master
    data) and TS, as the GS1 US guideline lays out.
    """
    from datetime import UTC, datetime, timedelta

    from epcis.model import (
        Action,
        BizTransaction,
        Document,
        Element,
        Event,
        EventType,
        Vocabulary,
        VocabularyElement,
    )
    from epcis.model import Location as Loc
    from epcis.model import SourceDest as SD
    from epcis.write import write_document

    cbv, mda = "urn:epcglobal:cbv:", "urn:epcglobal:cbv:mda"
    t0 = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
    mfg, atlas, harbor, lyon = (p.gln for p in PARTNERS)
    sites = {g: _sgln(g) for g in (mfg, atlas, harbor, lyon)}
    vials = tuple(f"urn:epc:id:sgtin:0312345.060011.ZT{n:05d}" for n in range(1, 7))
    case = "urn:epc:id:sscc:0312345.0000002611"

    def at(hours: float) -> datetime:
        return t0 + timedelta(hours=hours)

    def event(hours, epcs, step, where, **kw) -> Event:
        kind = kw.pop("type", EventType.OBJECT)
        return Event(
            kind,
            at(hours),
            "+00:00",
            epc_list=tuple(epcs) if kind is EventType.OBJECT else (),
            action=kw.pop("action", Action.OBSERVE),
            biz_step=cbv + "bizstep:" + step,
            read_point=Loc(sites[where]),
            biz_location=Loc(sites[where]),
            **kw,
        )

    def ship(hours, epcs, src, dst, po) -> Event:
        return event(
            hours,
            epcs,
            "shipping",
            src,
            disposition=cbv + "disp:in_transit",
            biz_transactions=(BizTransaction(f"urn:epcglobal:cbv:bt:{dst}:{po}", cbv + "btt:po"),),
            sources=(SD(sites[src], cbv + "sdt:owning_party"),),
            destinations=(SD(sites[dst], cbv + "sdt:owning_party"),),
        )

    def receive(hours, epcs, where) -> Event:
        return event(hours, epcs, "receiving", where, disposition=cbv + "disp:in_progress")

    def attr(name: str, value: str) -> tuple[str, str]:
        return (f"urn:epcglobal:cbv:mda#{name}", value)

    product = VocabularyElement(
        "urn:epc:idpat:sgtin:0312345.060011.*",
        (
            attr("regulatedProductName", "Zenterva"),
            attr("strengthDescription", "50 mg/mL"),
            attr("dosageFormType", "INJECTION, SOLUTION"),
            attr("netContentDescription", "1 vial, 2 mL"),
            attr("manufacturerOfTradeItemPartyName", PARTNERS[0].legal_name),
        ),
    )
    places = tuple(
        VocabularyElement(
            sites[p.gln],
            (
                attr("name", p.legal_name),
                attr("streetAddressOne", p.street),
                attr("city", p.city),
                attr("state", p.state or "Rhone"),
                attr("postalCode", p.postal_code),
                attr("countryCode", p.country),
            ),
        )
        for p in PARTNERS
    )
    master = (
        Vocabulary("urn:epcglobal:epcis:vtype:EPCClass", (product,)),
        Vocabulary("urn:epcglobal:epcis:vtype:Location", places),
    )
    ushc = "http://epcis.gs1us.org/hc/ns"
    statement = Element(
        ushc,
        "dscsaTransactionStatement",
        prefix="gs1ushc",
        children=(Element(ushc, "affirmTransactionStatement", "true", prefix="gs1ushc"),),
    )
    ilmd = (
        Element(mda, "lotNumber", "ZT2611A", prefix="cbvmda"),
        Element(mda, "itemExpirationDate", "2028-05-31", prefix="cbvmda"),
    )

    def doc(*events: Event, fmt: str = "1.2-xml") -> bytes:
        return write_document(
            Document(
                "2.0" if fmt != "1.2-xml" else "1.2",
                creation_date=events[-1].event_time,
                master_data=master,
                header_extensions=(statement,),
                events=events,
            ),
            fmt,
        )

    return [
        (
            mfg,
            doc(
                event(
                    0,
                    vials,
                    "commissioning",
                    mfg,
                    action=Action.ADD,
                    disposition=cbv + "disp:active",
                    ilmd=ilmd,
                ),
                event(
                    1,
                    (case,),
                    "commissioning",
                    mfg,
                    action=Action.ADD,
                    disposition=cbv + "disp:active",
                ),
                Event(
                    EventType.AGGREGATION,
                    at(1.5),
                    "+00:00",
                    parent_id=case,
                    child_epcs=vials,
                    action=Action.ADD,
                    biz_step=cbv + "bizstep:packing",
                    read_point=Loc(sites[mfg]),
                ),
                ship(2, (case,), mfg, atlas, "PO-ATL-7731"),
            ),
        ),
        (
            atlas,
            doc(
                receive(26, (case,), atlas),
                Event(
                    EventType.AGGREGATION,
                    at(27),
                    "+00:00",
                    parent_id=case,
                    child_epcs=(),
                    action=Action.DELETE,
                    biz_step=cbv + "bizstep:unpacking",
                    read_point=Loc(sites[atlas]),
                ),
                ship(30, vials[:2], atlas, harbor, "PO-HSP-0419"),
                fmt="2.0-xml",
            ),
        ),
        (
            harbor,
            doc(
                receive(50, vials[:2], harbor),
                ship(52, vials[:2], harbor, lyon, "NPP-2026-0042"),
                fmt="2.0-jsonld",
            ),
        ),
        (
            lyon,
            doc(
                receive(100, vials[:2], lyon),
                event(124, vials[:1], "dispensing", lyon, disposition=cbv + "disp:dispensed"),
                fmt="2.0-jsonld",
            ),
        ),
    ]


async def ingest_chain(sessions) -> dict[str, int]:
    """Capture and process the demo chain through the real pipeline (idempotent)."""
    from sqlalchemy import func, select

    from app.capture.service import capture
    from app.ingest.worker import run_once
    from app.models import EpcisEvent, Unit

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
    return {"events": events, "units": units}


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
        await auth.revoke(session, prefix, actor="custody demo")
    _, plaintext = await auth.issue(
        session, None, ["admin", "regulator", "query"], DEMO_KEY_NAME, actor="custody demo"
    )
    return plaintext
