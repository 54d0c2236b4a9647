"""The tests' chain, manufacturer -> wholesaler -> pharmacy, on the :mod:`app.world` builders.

Short signatures with the defaults the tests lean on: times in minutes after ``T0``, lot L1,
one purchase order, and master data with a placeholder address for every party.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.demo import ZENTERVA
from app.world import documents as docs
from app.world import events as ev
from app.world.partners import sgln
from epcis.cbv import to_urn
from epcis.model import Action, Event, EventType, Location, VocabularyElement
from tests.partners.helpers import MFG_GLN, PHARMACY_GLN, WHOLESALER_GLN

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
EXPIRY = date(2028, 3, 31)
ORDER = ev.purchase_order(WHOLESALER_GLN, "PO-1")
MFG, WHOLESALER, PHARMACY = sgln(MFG_GLN), sgln(WHOLESALER_GLN), sgln(PHARMACY_GLN)


def sgtin(n: int) -> str:
    return f"urn:epc:id:sgtin:0312345.060011.{n}"


def sscc(n: int) -> str:
    return f"urn:epc:id:sscc:0312345.{n:010d}"


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def commission(units, minutes=0, lot="L1", where=MFG) -> Event:
    return ev.commission(units, at(minutes), where, lot=lot, expiry=EXPIRY)


def pack(parent, units, minutes=1, where=MFG, action=Action.ADD) -> Event:
    if action is Action.ADD:
        return ev.pack(parent, units, at(minutes), where)
    return ev.unpack(parent, at(minutes), where, units)


def ship(units, src, dst, minutes=2) -> Event:
    return ev.ship(units, at(minutes), src, dst, ORDER)


def receive(units, where, minutes=3, disposition="in_progress") -> Event:
    return ev.receive(units, at(minutes), where, disposition=disposition)


def observe(units, step, minutes=4, where=PHARMACY, action=Action.OBSERVE) -> Event:
    """Any ObjectEvent (no disposition): for the steps and actions the rules must refuse."""
    return Event(EventType.OBJECT, at(minutes), "+00:00", epc_list=tuple(units), action=action,
                 biz_step=to_urn("bizstep", step), read_point=Location(where))


def _site(where: str, name: str) -> VocabularyElement:
    return docs.location_master(where, name, street="1 Main St", city="Louisville", state="KY",
                                postal_code="40218", country="US")


MASTER = docs.master_data((docs.product_master(ZENTERVA, "Northwind Biologics Inc."),), (
    _site(MFG, "Northwind Biologics"), _site(WHOLESALER, "Atlas Distribution"),
    _site(PHARMACY, "Harbor Pharmacy")))


def document(*events: Event, fmt: str = "2.0-jsonld", master=True, statement=True) -> bytes:
    return docs.document(*events, fmt=fmt, master=MASTER if master else (),
                         statement=docs.TRANSACTION_STATEMENT if statement else None, created=T0)
