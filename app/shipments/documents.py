"""The outbound EPCIS document of a shipment, in the GS1 US R1.3 shape.

SBDH (seller -> buyer), the ``gs1ushc`` guideline version and transaction statement (TS),
EPCClass master data for the products and Location master data for the seller's and the
buyer's sites (the TI), then the events: the commissioning events the ledger holds for the
shipped units (their ILMD carries lot and expiry), the shipment's aggregation events and its
shipping event. Every event is read back from the body the ledger stored, so the document's
event hashes are the ledger's; the 1.2 XML and the 2.0 JSON-LD come from one model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.delivery.service import npp
from app.models import Location, Product, Shipment, TradingPartner
from app.operator.service import Operator
from app.shipments import repository
from app.world.documents import (
    GUIDELINE_VERSION,
    TRANSACTION_STATEMENT,
    location_master,
    master_data,
)
from app.world.events import purchase_order, ship
from epcis.cbv import to_urn
from epcis.dscsa import MDA_ATTR
from epcis.model import BizTransaction, Document, Event, Sbdh, VocabularyElement
from epcis.read import read_document
from gs1.identifiers import sgtin_uri

NDC_TYPE = "US_FDA_NDC"


def parse_body(body: str) -> Event:
    """The event a ledger body (one event as EPCIS 2.0 JSON-LD) holds."""
    return read_document(body.encode(), format="2.0-jsonld").events[0]


def product_class(product: Product) -> VocabularyElement:
    """EPCClass master data for every package of ``product``: its TI fields, with the NDC
    typed ``US_FDA_NDC`` as R1.3 does."""
    pattern = sgtin_uri(product.gtin, "*", product.company_prefix_length or 7)
    values = {
        "additionalTradeItemIdentification": product.ndc,
        "additionalTradeItemIdentificationTypeCode": NDC_TYPE if product.ndc else None,
        "regulatedProductName": product.proprietary_name,
        "manufacturerOfTradeItemPartyName": product.manufacturer_name,
        "dosageFormType": product.dosage_form,
        "strengthDescription": product.strength,
        "netContentDescription": product.container_size,
    }
    return VocabularyElement(pattern.replace("urn:epc:id:", "urn:epc:idpat:", 1), tuple(
        (MDA_ATTR + k, v) for k, v in values.items() if v))


def site_master(sgln: str, partner: TradingPartner, site: Location | None) -> VocabularyElement:
    """Location master data naming a party's site with the party's name and address.

    A foreign address without a state names its city as region (the TI requires one).
    """
    place = site if site is not None and site.street else partner
    return location_master(sgln, partner.legal_name, street=place.street, city=place.city,
                           state=place.state or place.city, postal_code=place.postal_code,
                           country=place.country)


def shipping_event(op: Operator, shipment: Shipment, ship_to: str, buyer_gln: str,
                   containers: Iterable[str], when: datetime,
                   commitment: str | None = None) -> Event:
    """The shipping ObjectEvent on the cases (SSCCs): source and destination owning party and
    location, the buyer's purchase order (``po``) when there is one and the operator's
    despatch advice (``desadv``, the shipment's number).

    ``commitment``, the vault's salted commitment of a named-patient case, ties the shipment to
    the case in the ledger as ``npp:caseCommitment`` (decision 0031); the case reference itself
    stays home."""
    desadv = BizTransaction(f"urn:epcglobal:cbv:bt:{op.gln}:SHP-{shipment.id}",
                            to_urn("btt", "desadv"))
    event = ship(containers, when, op.site, ship_to, desadv)
    orders = (purchase_order(buyer_gln, shipment.order_number),) if shipment.order_number else ()
    tie = (npp("caseCommitment", commitment),) if commitment else ()
    return dataclasses.replace(event, biz_transactions=(*orders, desadv), extensions=tie)


@dataclasses.dataclass(frozen=True)
class Parties:
    """The seller (the operator) and the buyer with their sites, for the TI."""

    seller: TradingPartner
    seller_site: Location | None
    buyer: TradingPartner
    buyer_site: Location
    buyer_gln: str


async def build(session: AsyncSession, op: Operator, shipment: Shipment, parties: Parties,
                units: Sequence[str], gtins: Sequence[str], own: Sequence[Event],
                created: datetime) -> Document:
    """The outbound document: commissioning history of ``units``, then ``own`` (the
    shipment's aggregation and shipping events, in order)."""
    history = [parse_body(body) for _, body in await repository.commissioning(session, units)]
    products = await repository.products(session, gtins)
    places = (site_master(op.site, parties.seller, parties.seller_site),
              site_master(parties.buyer_site.sgln, parties.buyer, parties.buyer_site))
    return Document(
        "2.0",
        creation_date=created,
        sbdh=Sbdh(sender=op.site, receiver=parties.buyer_site.sgln,
                  document_id=f"SHP-{shipment.id}", creation_time=created, document_type="Events"),
        master_data=master_data((product_class(p) for p in products), places),
        header_extensions=(GUIDELINE_VERSION, TRANSACTION_STATEMENT),
        events=(*history, *own),
    )
