"""EPCIS documents with the DSCSA transaction information and statement partners exchange.

The TI travels as master data (EPCClass for products, Location for parties) and the TS as
the ``gs1ushc:dscsaTransactionStatement`` header extension, as the GS1 US guideline lays
them out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from app.world.products import TradeItem
from epcis.dscsa import MDA_ATTR, USHC_NS
from epcis.model import Document, Element, Event, Vocabulary, VocabularyElement
from epcis.write import write_document

#: The seller's affirmed transaction statement, with its legal notice (GS1 US R1.3).
TRANSACTION_STATEMENT = Element(
    USHC_NS,
    "dscsaTransactionStatement",
    prefix="gs1ushc",
    children=(
        Element(USHC_NS, "affirmTransactionStatement", "true", prefix="gs1ushc"),
        Element(USHC_NS, "legalNotice", "Seller has complied with each applicable subsection of "
                "FDCA Sec. 581(27)(A)-(G).", prefix="gs1ushc"),
    ),
)
#: The GS1 US guideline release the documents follow.
GUIDELINE_VERSION = Element(USHC_NS, "guidelineVersion", "GS1 US DSCSA R1.3", prefix="gs1ushc")


def _attributes(**values: str | None) -> tuple[tuple[str, str], ...]:
    return tuple((MDA_ATTR + name, value) for name, value in values.items() if value is not None)


def product_master(item: TradeItem, manufacturer_name: str | None = None) -> VocabularyElement:
    """EPCClass master data for all packages of ``item``: its TI product fields."""
    return VocabularyElement(item.sgtin_pattern, _attributes(
        regulatedProductName=item.name,
        strengthDescription=item.strength,
        dosageFormType=item.dosage_form,
        netContentDescription=item.container_size,
        manufacturerOfTradeItemPartyName=manufacturer_name,
    ))


def location_master(sgln: str, name: str, *, street: str | None, city: str | None,
                    state: str | None, postal_code: str | None, country: str) -> VocabularyElement:
    """Location master data for a party's site: the TI name and address of seller or buyer.

    An address field that is None is left out.
    """
    return VocabularyElement(sgln, _attributes(
        name=name, streetAddressOne=street, city=city, state=state, postalCode=postal_code,
        countryCode=country,
    ))


def master_data(products: Iterable[VocabularyElement],
                places: Iterable[VocabularyElement]) -> tuple[Vocabulary, ...]:
    """The EPCClass and Location vocabularies of a document header."""
    return (Vocabulary("urn:epcglobal:epcis:vtype:EPCClass", tuple(products)),
            Vocabulary("urn:epcglobal:epcis:vtype:Location", tuple(places)))


def document(*events: Event, fmt: str = "2.0-jsonld", master: tuple[Vocabulary, ...] = (),
             statement: Element | None = TRANSACTION_STATEMENT,
             created: datetime | None = None) -> bytes:
    """``events`` written as one document in ``fmt`` (1.2-xml, 2.0-xml, 2.0-jsonld), naming
    the guideline release (R1.3) beside the statement.

    ``created`` defaults to the last event's time.
    """
    return write_document(Document(
        "1.2" if fmt == "1.2-xml" else "2.0",
        creation_date=created or events[-1].event_time,
        master_data=master,
        header_extensions=(GUIDELINE_VERSION, statement) if statement else (),
        events=events,
    ), fmt)
