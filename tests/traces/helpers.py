"""The demo chain with keys for each kind of reader of provenance: partners, an outsider, a
regulator and the operator's admin key."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.demo import PARTNERS, ingest_chain, seed
from app.ledger import core, service
from app.models import PartnerGln, PartnerKind
from app.world.partners import gln
from tests.partners.helpers import make_key, make_partner

ORIGIN = "custody.test/log"
OUTSIDER_GLN = gln("039999100000")


@dataclass
class World:
    keys: dict[str, dict[str, str]]
    ids: dict[str, int]
    verifier: str


@pytest.fixture
async def world(session, sessions) -> World:
    """Northwind -> Atlas -> Harbor -> Lyon; a report+query key per partner, an outsider with
    one too, a regulator key, an operator admin key; one signed checkpoint."""
    await seed(session)
    outsider = await make_partner(session, "Outsider Rx", OUTSIDER_GLN, PartnerKind.DISPENSER)
    await session.commit()
    await ingest_chain(sessions)
    by_gln = {g.gln: g.partner_id for g in await session.scalars(select(PartnerGln))}
    ids = {p.legal_name.split()[0].lower(): by_gln[p.gln] for p in PARTNERS}
    ids["outsider"] = outsider.id
    keys = {name: await make_key(session, pid, "report", "query") for name, pid in ids.items()}
    keys["capture-only"] = await make_key(session, ids["atlas"], "capture")
    keys["partner-admin"] = await make_key(session, ids["atlas"], "admin", "query")
    keys["regulator"] = await make_key(session, None, "regulator")
    keys["admin"] = await make_key(session, None, "admin")
    signer, verifier = core.generate_signer(ORIGIN)
    await service.sign_checkpoint(session, signer, ORIGIN)
    await session.commit()
    return World(keys, ids, verifier)
