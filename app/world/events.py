"""EPCIS events for the custody hops: commission, pack, unpack, ship, receive, dispense.

Each builder takes the EPCs, the event time (timezone-aware) and the SGLN of the site where
it happens, and returns an :class:`epcis.model.Event` shaped as the GS1 US DSCSA guideline
shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from epcis.cbv import MDA, to_urn
from epcis.dscsa import LOCATION, OWNING_PARTY
from epcis.model import Action, BizTransaction, Element, Event, EventType, Location, SourceDest


def _zone(when: datetime) -> str:
    offset = when.strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


def _object_event(epcs: Iterable[str], when: datetime, step: str, disposition: str,
                  read_point: str, biz_location: str | None, *, action: Action = Action.OBSERVE,
                  **fields: Any) -> Event:
    return Event(EventType.OBJECT, when, _zone(when), epc_list=tuple(epcs), action=action,
                 biz_step=to_urn("bizstep", step), disposition=to_urn("disp", disposition),
                 read_point=Location(read_point),
                 biz_location=Location(biz_location) if biz_location else None, **fields)


def _aggregation_event(parent: str, children: Iterable[str], when: datetime, site: str,
                       action: Action, step: str) -> Event:
    return Event(EventType.AGGREGATION, when, _zone(when), parent_id=parent,
                 child_epcs=tuple(children), action=action, biz_step=to_urn("bizstep", step),
                 read_point=Location(site))


def commission(epcs: Iterable[str], when: datetime, site: str, *, lot: str | None = None,
               expiry: date | None = None) -> Event:
    """The brand owner gives ``epcs`` their identity; ``lot`` and ``expiry`` travel as ILMD."""
    ilmd: tuple[Element, ...] = ()
    if lot:
        ilmd += (Element(MDA, "lotNumber", lot, prefix="cbvmda"),)
    if expiry:
        ilmd += (Element(MDA, "itemExpirationDate", expiry.isoformat(), prefix="cbvmda"),)
    return _object_event(epcs, when, "commissioning", "active", site, site, action=Action.ADD,
                         ilmd=ilmd)


def pack(parent: str, children: Iterable[str], when: datetime, site: str) -> Event:
    """``children`` go into the container ``parent`` (an SSCC)."""
    return _aggregation_event(parent, children, when, site, Action.ADD, "packing")


def unpack(parent: str, when: datetime, site: str, children: Iterable[str] = ()) -> Event:
    """``children`` (none named: all of them) come out of the container ``parent``."""
    return _aggregation_event(parent, children, when, site, Action.DELETE, "unpacking")


def purchase_order(buyer_gln: str, number: str) -> BizTransaction:
    """The buyer's purchase order that a shipment fills.

    >>> purchase_order("0360001000004", "PO-1").value
    'urn:epcglobal:cbv:bt:0360001000004:PO-1'
    """
    return BizTransaction(f"urn:epcglobal:cbv:bt:{buyer_gln}:{number}", to_urn("btt", "po"))


def ship(epcs: Iterable[str], when: datetime, source: str, destination: str,
         order: BizTransaction, *, biz_location: str | None = None) -> Event:
    """``epcs`` leave the owning party ``source`` (an SGLN) for ``destination``; each party's
    site is also the ship-from and ship-to ``location``.

    The guideline names no business location for goods in transit; ``biz_location`` names
    one anyway.
    """
    return _object_event(epcs, when, "shipping", "in_transit", source, biz_location,
                         biz_transactions=(order,),
                         sources=(SourceDest(source, OWNING_PARTY), SourceDest(source, LOCATION)),
                         destinations=(SourceDest(destination, OWNING_PARTY),
                                       SourceDest(destination, LOCATION)))


def receive(epcs: Iterable[str], when: datetime, site: str, *,
            disposition: str = "in_progress") -> Event:
    """``epcs`` arrive at ``site``; ``disposition`` is a CBV word (in_progress, damaged ...)."""
    return _object_event(epcs, when, "receiving", disposition, site, site)


def dispense(epcs: Iterable[str], when: datetime, site: str) -> Event:
    """``epcs`` are dispensed to a patient at ``site``."""
    return _object_event(epcs, when, "dispensing", "dispensed", site, site)


def hold(epcs: Iterable[str], when: datetime, site: str, disposition: str) -> Event:
    """The custodian segregates ``epcs`` at ``site`` (CBV bizStep ``holding``): disposition
    ``non_sellable_other`` quarantines them, ``recalled`` recalls them and
    ``sellable_not_accessible`` releases them to stock."""
    return _object_event(epcs, when, "holding", disposition, site, site)
