"""The responder's world: Northwind (the operator, brand owner of prefix 0312345) and its units."""

from __future__ import annotations

from datetime import date

from app.models import Unit
from tests.partners.helpers import MFG_GLN, WHOLESALER_GLN, chain_partners, make_key

GTIN = "00312345600112"  # Northwind's Zenterva
FOREIGN_GTIN = "00360001600112"  # under Atlas's prefix: Northwind is not its brand owner
EXPIRY = date(2028, 3, 31)
UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
STATES = {  # serial -> status
    "OK1": "received", "RC1": "recalled", "QU1": "quarantined", "DS1": "dispensed",
    "DC1": "decommissioned", "OLD1": "received",
}


def sgtin(gtin: str, serial: str) -> str:
    return f"urn:epc:id:sgtin:{gtin[1:8]}.{gtin[0]}{gtin[8:13]}.{serial}"


async def responder_world(session) -> dict[str, dict[str, str]]:
    """The chain's partners and units; returns keys: wholesaler's verify key, its query-only key
    and the pharmacy's verify key (committed)."""
    partners = await chain_partners(session)
    for serial, status in STATES.items():
        expiry = date(2020, 1, 31) if serial == "OLD1" else EXPIRY
        session.add(Unit(identifier=sgtin(GTIN, serial), kind="sgtin", gtin=GTIN, serial=serial,
                         lot="L1", expiry=expiry, status=status))
    session.add(Unit(identifier=sgtin(FOREIGN_GTIN, "OK1"), kind="sgtin", gtin=FOREIGN_GTIN,
                     serial="OK1", lot="L1", expiry=EXPIRY, status="received"))
    keys = {
        "wholesaler": await make_key(session, partners["wholesaler"][0], "verify"),
        "query_only": partners["wholesaler"][1],
        "pharmacy": await make_key(session, partners["pharmacy"][0], "verify"),
    }
    await session.commit()
    return keys


def params(**changes: str) -> dict[str, str]:
    return {"exp": "280331", "linkType": "verificationService", "context": "dscsaSaleableReturn",
            "reqGLN": WHOLESALER_GLN, "corrUUID": UUID, **changes}


def path(gtin: str = GTIN, lot: str = "L1", serial: str = "OK1") -> str:
    return f"/vrs/verify/gtin/{gtin}/lot/{lot}/ser/{serial}"


__all__ = ["MFG_GLN", "WHOLESALER_GLN"]
