"""Partners and keys for the capture, ingest, auth and partner tests, on the demo's GLNs."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.audit.entry import SUFFIX
from app.auth import service as keys
from app.demo import ATLAS, HARBOR, NORTHWIND
from app.models import LedgerLeaf, PartnerKind
from app.partners.service import LicenceSpec, create_partner
from app.world.partners import Party

MFG_GLN, WHOLESALER_GLN, PHARMACY_GLN = NORTHWIND.gln, ATLAS.gln, HARBOR.gln


def _party(name: str, gln_: str, kind: PartnerKind, site_name: str | None = None) -> Party:
    licence = LicenceSpec("state_licence", "KY", f"L-{gln_}", date(2024, 1, 1), date(2030, 12, 31))
    return Party(name, kind, gln_, licence, site_name)


async def event_leaves(session) -> int:
    """How many leaves of the log are not audit entries (each key issued is one: decision 0033)."""
    return await session.scalar(select(func.count()).select_from(LedgerLeaf)
                                .where(LedgerLeaf.event_hash.not_like(f"%{SUFFIX}")))


async def make_partner(session, name: str, gln_: str, kind=PartnerKind.WHOLESALER, **changes):
    return await create_partner(session, _party(name, gln_, kind).spec(**changes), "test")


async def make_key(session, partner_id: int | None, *scopes: str) -> dict[str, str]:
    _, plaintext = await keys.issue(session, partner_id, scopes, "test", "test")
    return {"Authorization": f"Bearer {plaintext}"}


async def chain_partners(session, **policy) -> dict[str, tuple[int, dict[str, str]]]:
    """Manufacturer, wholesaler and pharmacy, each with a capture+query key (committed)."""
    out = {}
    for name, gln_, kind in (("mfg", MFG_GLN, PartnerKind.MANUFACTURER),
                             ("wholesaler", WHOLESALER_GLN, PartnerKind.WHOLESALER),
                             ("pharmacy", PHARMACY_GLN, PartnerKind.DISPENSER)):
        party = _party(name, gln_, kind, f"{name} site")
        partner = await create_partner(session, party.spec(**policy), "test")
        out[name] = (partner.id, await make_key(session, partner.id, "capture", "query"))
    await session.commit()
    return out
