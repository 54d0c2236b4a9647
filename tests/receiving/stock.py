"""An inbound pallet for the receiving tests: the manufacturer packs two cases of three units
onto a pallet and ships it to the pharmacy (the operator); it keeps unit 9 and case 109."""

from __future__ import annotations

from dataclasses import dataclass

from app.operator.service import Operator, operator
from scanners import ProductIdentifier
from tests.ingest.chain import EXPIRY, MFG, PHARMACY, commission, pack, sgtin, ship, sscc
from tests.investigations.stock import capture
from tests.partners.helpers import PHARMACY_GLN, chain_partners, make_key

PALLET, C1, C2, OTHER_CASE = sscc(100), sscc(101), sscc(102), sscc(109)
IN_C1, IN_C2, KEPT = [sgtin(1), sgtin(2), sgtin(3)], [sgtin(4), sgtin(5), sgtin(6)], sgtin(9)


@dataclass
class Inbound:
    partners: dict
    staff: dict[str, str]  # headers of an operator key with admin
    operator: Operator
    shipment: str  # the shipping event's hash


def dm(identifier: str, lot: str = "L1", expiry=EXPIRY) -> str:
    """A package's DataMatrix as a wedge scanner types it (GS before a variable field ends)."""
    p = ProductIdentifier.from_epc_uri(identifier)
    return f"01{p.gtin}17{expiry:%y%m%d}10{lot}\x1d21{p.serial}"


def label(identifier: str, hri: bool = True) -> str:
    """An SSCC label's text: HRI ``(00)...`` or the plain element string ``00...``."""
    digits = ProductIdentifier.from_epc_uri(identifier).sscc
    return f"(00){digits}" if hri else f"00{digits}"


async def inbound(client, session, sessions) -> Inbound:
    p = await chain_partners(session)
    await capture(client, sessions, p["mfg"][1],
                  commission([*IN_C1, *IN_C2, KEPT]), pack(C1, IN_C1), pack(C2, IN_C2),
                  pack(PALLET, [C1, C2]), pack(OTHER_CASE, [KEPT]),
                  ship([PALLET], MFG, PHARMACY))
    staff = await make_key(session, None, "admin")
    await session.commit()
    listed = (await client.get("/receiving/expected", headers=staff)).json()
    assert [e["identifiers"] for e in listed] == [[PALLET]]
    return Inbound(p, staff, await operator(session, PHARMACY_GLN), listed[0]["shipment"])


async def open_for(client, s: Inbound) -> int:
    made = await client.post("/receivings", headers=s.staff, json={"shipment": s.shipment})
    assert made.status_code == 201, made.text
    return made.json()["id"]


async def scan(client, s: Inbound, rid: int, text: str, what: str = "scans") -> dict:
    done = await client.post(f"/receivings/{rid}/{what}", headers=s.staff, json={"text": text})
    assert done.status_code == 201, done.text
    return done.json()
