"""Demo data: a small, realistic set of trading partners, locations and products.

Seeding is idempotent: records are found by their natural keys (GLN, GTIN) and created
only when missing, so running ``custody demo`` twice is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Licence, Location, PartnerGln, PartnerKind, Product, TradingPartner
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
            partner = TradingPartner(
                legal_name=spec.legal_name,
                kind=spec.kind,
                authorized=True,
                street=spec.street,
                city=spec.city,
                state=spec.state,
                postal_code=spec.postal_code,
                country=spec.country,
            )
            session.add(partner)
            await session.flush()
            kind, jurisdiction, number = spec.licence
            session.add_all(
                [
                    PartnerGln(gln=spec.gln, partner_id=partner.id),
                    Licence(
                        partner_id=partner.id,
                        kind=kind,
                        jurisdiction=jurisdiction,
                        number=number,
                        valid_from=date(2024, 1, 1),
                        valid_to=date(2027, 12, 31),
                    ),
                    Location(
                        partner_id=partner.id,
                        gln=spec.gln,
                        name=spec.site,
                        sgln=f"urn:epc:id:sgln:{spec.gln[:7]}.{spec.gln[7:12]}.0",
                        street=spec.street,
                        city=spec.city,
                        state=spec.state,
                        postal_code=spec.postal_code,
                        country=spec.country,
                    ),
                ]
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
