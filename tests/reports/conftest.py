"""The report tests' chain: the demo's Northwind -> Atlas -> Harbor -> Lyon (with its case,
investigation and recall), plus a return at Lyon and a recall of the Zenterva lot, signed.

Keys: a ``report`` key for each of the four partners and one for a partner that handled
nothing, an operator ``regulator`` key, an operator ``admin`` key and a partner ``query`` key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from app.config import Settings
from app.demo import (
    ACTOR,
    ATLAS,
    HARBOR,
    LYON,
    MASTER_DATA,
    NORTHWIND,
    OPERATOR,
    T0,
    TORN_SEAL,
    VIALS,
    ZENTERVA,
    ingest,
    sign_checkpoint,
)
from app.models import PartnerGln, PartnerKind
from app.world.documents import document
from app.world.events import receive
from app.world.partners import gln
from tests.partners.helpers import make_key, make_partner
from tests.staff.helpers import demo, settings  # noqa: F401  (fixtures)

RETURNED_AT = T0 + timedelta(hours=130)
ZT_LOT = "ZT2611A"


@dataclass
class World:
    keys: dict[str, dict[str, str]]
    pubkey: str
    key_dir: Path
    first_size: int  # the demo's checkpoint, before the return and the recall
    size: int


@pytest.fixture
async def world(demo, sessions, settings: Settings, tmp_path) -> World:  # noqa: F811
    """The demo, then Lyon takes the dispensed vial back and Northwind recalls lot ZT2611A."""
    key_dir = tmp_path / "keys"
    await ingest(sessions, [(LYON.gln, document(
        receive(VIALS[:1], RETURNED_AT, LYON.sgln, disposition="returned"), master=MASTER_DATA))])
    async with sessions.begin() as session:
        from app.operator.service import operator
        from app.recalls.service import RecallSpec, record_recall

        maker = await session.get(PartnerGln, NORTHWIND.gln)
        await record_recall(session, RecallSpec(ZENTERVA.gtin, (ZT_LOT,), "I", "mislabelled strength"),
                            ACTOR, await operator(session, OPERATOR.gln), issuer=maker.partner_id)
    size = await sign_checkpoint(sessions, settings.model_copy(update={"key_dir": key_dir}))
    keys: dict[str, dict[str, str]] = {}
    async with sessions.begin() as session:
        for name, party in (("northwind", NORTHWIND), ("atlas", ATLAS), ("harbor", HARBOR),
                            ("lyon", LYON)):
            partner_id = (await session.get(PartnerGln, party.gln)).partner_id
            keys[name] = await make_key(session, partner_id, "report")
            if name == "lyon":
                keys["lyon-query"] = await make_key(session, partner_id, "query")
        stranger = await make_partner(session, "Elsewhere Drug Co", gln("039999900000"),
                                      PartnerKind.WHOLESALER)
        keys["stranger"] = await make_key(session, stranger.id, "report")
        keys["regulator"] = await make_key(session, None, "regulator")
        keys["admin"] = await make_key(session, None, "admin")
    return World(keys, (key_dir / "checkpoint.pub").read_text().strip(), key_dir,
                 demo["signed"], size)


async def rest_of_lot(session) -> list[tuple[str, str, int | None, int | None]]:
    """The lot's units the rest of the demo made (receiving, shipping, cases), beyond the
    chain's seven vials: ``(identifier, status, destination, custodian)`` in report order."""
    from sqlalchemy import select

    from app.models import Unit

    chain = {*VIALS, TORN_SEAL}
    rows = (await session.execute(
        select(Unit.identifier, Unit.status, Unit.destination_id, Unit.custodian_id)
        .where(Unit.gtin == ZENTERVA.gtin, Unit.lot == ZT_LOT).order_by(Unit.id))).all()
    return [(i, str(s), d, c) for i, s, d, c in rows if i not in chain]
