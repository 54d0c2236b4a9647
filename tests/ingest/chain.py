"""EPCIS documents for a small chain: manufacturer -> wholesaler -> pharmacy, built with the model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from epcis.model import (
    Action,
    BizTransaction,
    Document,
    Element,
    Event,
    EventType,
    Location,
    SourceDest,
    Vocabulary,
    VocabularyElement,
)
from epcis.write import write_document
from tests.partners.helpers import MFG_GLN, PHARMACY_GLN, WHOLESALER_GLN

CBV = "urn:epcglobal:cbv:"
MDA = "urn:epcglobal:cbv:mda"
USHC = "http://epcis.gs1us.org/hc/ns"
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def sgln(gln13: str) -> str:
    return f"urn:epc:id:sgln:{gln13[:7]}.{gln13[7:12]}.0"


MFG, WHOLESALER, PHARMACY = sgln(MFG_GLN), sgln(WHOLESALER_GLN), sgln(PHARMACY_GLN)


def sgtin(n: int) -> str:
    return f"urn:epc:id:sgtin:0312345.060011.{n}"


def sscc(n: int) -> str:
    return f"urn:epc:id:sscc:0312345.{n:010d}"


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def commission(units, minutes=0, lot="L1", where=MFG) -> Event:
    return Event(EventType.OBJECT, at(minutes), "+00:00", epc_list=tuple(units), action=Action.ADD,
                 biz_step=CBV + "bizstep:commissioning", disposition=CBV + "disp:active",
                 read_point=Location(where), biz_location=Location(where),
                 ilmd=(Element(MDA, "lotNumber", lot, prefix="cbvmda"),
                       Element(MDA, "itemExpirationDate", "2028-03-31", prefix="cbvmda")))


def pack(parent, units, minutes=1, where=MFG, action=Action.ADD) -> Event:
    step = "packing" if action is Action.ADD else "unpacking"
    return Event(EventType.AGGREGATION, at(minutes), "+00:00", parent_id=parent, child_epcs=tuple(units),
                 action=action, biz_step=CBV + f"bizstep:{step}", read_point=Location(where))


def ship(units, src, dst, minutes=2) -> Event:
    return Event(EventType.OBJECT, at(minutes), "+00:00", epc_list=tuple(units), action=Action.OBSERVE,
                 biz_step=CBV + "bizstep:shipping", disposition=CBV + "disp:in_transit",
                 read_point=Location(src), biz_location=None,
                 biz_transactions=(BizTransaction("urn:epcglobal:cbv:bt:0360001000003:PO-1",
                                                  CBV + "btt:po"),),
                 sources=(SourceDest(src, CBV + "sdt:owning_party"),),
                 destinations=(SourceDest(dst, CBV + "sdt:owning_party"),))


def receive(units, where, minutes=3, disposition="in_progress") -> Event:
    return Event(EventType.OBJECT, at(minutes), "+00:00", epc_list=tuple(units), action=Action.OBSERVE,
                 biz_step=CBV + "bizstep:receiving", disposition=CBV + f"disp:{disposition}",
                 read_point=Location(where), biz_location=Location(where))


def observe(units, step, minutes=4, where=PHARMACY, action=Action.OBSERVE) -> Event:
    return Event(EventType.OBJECT, at(minutes), "+00:00", epc_list=tuple(units), action=action,
                 biz_step=CBV + f"bizstep:{step}", read_point=Location(where))


def _mda(name: str, value: str) -> tuple[str, str]:
    return (f"urn:epcglobal:cbv:mda#{name}", value)


def _party(where: str, name: str) -> VocabularyElement:
    return VocabularyElement(where, (_mda("name", name), _mda("streetAddressOne", "1 Main St"),
                                     _mda("city", "Louisville"), _mda("state", "KY"),
                                     _mda("postalCode", "40218"), _mda("countryCode", "US")))


PRODUCT = VocabularyElement("urn:epc:idpat:sgtin:0312345.060011.*", (
    _mda("regulatedProductName", "Zenterva"), _mda("strengthDescription", "50 mg/mL"),
    _mda("dosageFormType", "INJECTION, SOLUTION"), _mda("netContentDescription", "1 vial, 2 mL"),
))
MASTER = (
    Vocabulary("urn:epcglobal:epcis:vtype:EPCClass", (PRODUCT,)),
    Vocabulary("urn:epcglobal:epcis:vtype:Location", (
        _party(MFG, "Northwind Biologics"), _party(WHOLESALER, "Atlas Distribution"),
        _party(PHARMACY, "Harbor Pharmacy"))),
)
STATEMENT = Element(USHC, "dscsaTransactionStatement", children=(
    Element(USHC, "affirmTransactionStatement", "true", prefix="gs1ushc"),), prefix="gs1ushc")


def document(*events: Event, fmt: str = "2.0-jsonld", master=True, statement=True) -> bytes:
    doc = Document("2.0" if fmt != "1.2-xml" else "1.2", creation_date=T0,
                   master_data=MASTER if master else (),
                   header_extensions=(STATEMENT,) if statement else (), events=events)
    return write_document(doc, fmt)
