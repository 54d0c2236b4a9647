"""Builders shared by the capture, ingest, auth and partner tests."""

from __future__ import annotations

from datetime import date

from app.auth import service as keys
from app.models import PartnerKind
from app.partners.service import LicenceSpec, LocationSpec, PartnerSpec, create_partner
from gs1.checkdigit import check_digit


def gln(body12: str) -> str:
    return body12 + check_digit(body12)


MFG_GLN, WHOLESALER_GLN, PHARMACY_GLN = gln("031234500000"), gln("036000100000"), gln("037000200000")
LICENCE = LicenceSpec("state_licence", "KY", "L-1", date(2024, 1, 1), date(2030, 12, 31))


async def make_partner(session, name: str, gln_: str, kind=PartnerKind.WHOLESALER, **changes):
    licence = LicenceSpec(LICENCE.kind, LICENCE.jurisdiction, f"L-{gln_}", LICENCE.valid_from,
                          LICENCE.valid_to)
    spec = PartnerSpec(legal_name=name, kind=kind, glns=(gln_,), licences=(licence,), **changes)
    return await create_partner(session, spec, "test")


async def make_key(session, partner_id: int | None, *scopes: str) -> dict[str, str]:
    _, plaintext = await keys.issue(session, partner_id, scopes, "test", "test")
    return {"Authorization": f"Bearer {plaintext}"}


async def chain_partners(session, **policy) -> dict[str, tuple[int, dict[str, str]]]:
    """Manufacturer, wholesaler and pharmacy, each with a capture+query key (committed)."""
    out = {}
    for name, gln_, kind in (("mfg", MFG_GLN, PartnerKind.MANUFACTURER),
                             ("wholesaler", WHOLESALER_GLN, PartnerKind.WHOLESALER),
                             ("pharmacy", PHARMACY_GLN, PartnerKind.DISPENSER)):
        site = LocationSpec(f"urn:epc:id:sgln:{gln_[:7]}.{gln_[7:12]}.0", f"{name} site")
        partner = await make_partner(session, name, gln_, kind, locations=(site,), **policy)
        out[name] = (partner.id, await make_key(session, partner.id, "capture", "query"))
    await session.commit()
    return out
