"""DSCSA transaction information (TI) and statement (TS) from an EPCIS document.

Each shipping event (``bizStep`` shipping) is one transaction, read the way the GS1 US
*Applying GS1 Standards for DSCSA* guideline lays it out:

* **products**: the shipped identifiers are expanded through the document's packing
  (AggregationEvent ADD/DELETE before the shipment) down to the units that contain
  nothing else; units are counted per GTIN (``number_of_containers``); class-level
  ``quantityList`` entries add their quantity. Product name, strength, dosage form,
  container size and NDC come from EPCClass master data (``regulatedProductName``,
  ``strengthDescription``, ``dosageFormType``, ``netContentDescription``,
  ``additionalTradeItemIdentification`` typed ``FDA_NDC_11`` / ``US_FDA_NDC``); the NDC
  is otherwise derived from a GTIN in the ``03`` range. A commissioning event's
  ``gs1ushc:tradeItemMasterData`` ILMD (``drugName``, ``manufacturer``, ``dosageForm``,
  ``strength``, ``containerSize``) gives the same fields for the GTINs it commissions when no
  EPCClass does. Lots and expiry dates come from commissioning ILMD (``lotNumber`` and
  ``itemExpirationDate`` in ``cbvmda:`` or ``gs1ushc:``) or, for lots, from LGTIN classes.
* **seller / buyer**: the ``owning_party`` source and destination, with name and address
  from Location or Party master data; the ``location`` entries name the ship-from and ship-to
  sites.
* **dates**: the transaction date is a ``transactionDate`` extension of the shipping event
  when present, else its event time; the shipment date is the event time.
* **TS**: ``gs1ushc:dscsaTransactionStatement`` in the event or the document header.

Missing or inconsistent elements become :class:`Finding` values with stable codes, each at
its field. Severity follows decision 0010: an ``error`` is a part of the TI/TS the law
requires, or an event whose custody meaning is ambiguous; a ``warning`` is a guideline
convention whose absence leaves the TI complete. The guideline release a document follows
(``gs1ushc:guidelineVersion``, R1.2 or R1.3) decides the few rules that differ.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from epcis import cbv
from epcis.model import Action, BizTransaction, Document, Element, Event, EventType
from gs1.checkdigit import check_digit, is_valid
from gs1.identifiers import NDC_SEGMENTS, gtin_to_ndc10, ndc11

USHC_NS = "http://epcis.gs1us.org/hc/ns"
MDA_ATTR = "urn:epcglobal:cbv:mda#"
SHIPPING = "urn:epcglobal:cbv:bizstep:shipping"
COMMISSIONING = "urn:epcglobal:cbv:bizstep:commissioning"
IN_TRANSIT = "urn:epcglobal:cbv:disp:in_transit"
OWNING_PARTY = "urn:epcglobal:cbv:sdt:owning_party"
LOCATION = "urn:epcglobal:cbv:sdt:location"
PO = "urn:epcglobal:cbv:btt:po"
#: From this day DSCSA requires package-level (serialized) product identifiers in the TI
#: (FD&C 582(g), enhanced drug distribution security): lot-level quantities no longer do.
PACKAGE_LEVEL_FROM = date(2023, 11, 27)
NDC_TYPES = frozenset({"FDA_NDC_11", "US_FDA_NDC", "FDA_NDC_10", "NDC"})
ADDRESS_FIELDS = ("name", "streetAddressOne", "city", "state", "postalCode", "countryCode")
PRODUCT_FIELDS = (
    ("product_name", "regulatedProductName", "TI_MISSING_PRODUCT_NAME", "product name"),
    ("strength", "strengthDescription", "TI_MISSING_STRENGTH", "strength"),
    ("dosage_form", "dosageFormType", "TI_MISSING_DOSAGE_FORM", "dosage form"),
    ("container_size", "netContentDescription", "TI_MISSING_CONTAINER_SIZE", "container size"),
)
#: gs1ushc:companyMasterDataRecord child -> CBV master-data attribute.
_COMPANY_FIELDS = (("companyName", "name"), ("street1", "streetAddressOne"), ("street2", "streetAddressTwo"),
                   ("city", "city"), ("stateOrRegion", "state"), ("postalCode", "postalCode"),
                   ("country", "countryCode"))
#: gs1ushc:tradeItemMasterData child -> CBV master-data attribute (the EPCClass names).
_TRADE_ITEM_FIELDS = (("drugName", "regulatedProductName"), ("manufacturer", "manufacturerOfTradeItemPartyName"),
                      ("dosageForm", "dosageFormType"), ("strength", "strengthDescription"),
                      ("containerSize", "netContentDescription"))
_ILMD_NAMESPACES = (cbv.MDA, USHC_NS)
_BT_GLN = re.compile(r"^urn:epcglobal:cbv:bt:(\d{13}):.+$")
_VERSION = re.compile(r"R\s*1\.(\d+)")
_CBV_FIELDS = (("bizstep", "bizStep", "BIZSTEP"), ("disp", "disposition", "DISPOSITION"))
_DL_GTIN = re.compile(r"^https?://[^/]+(?:/.*)?/01/(\d{14})(?:/|$)")
_DL_SSCC = re.compile(r"^https?://[^/]+(?:/.*)?/00/(\d{18})(?:/|$)")

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One missing or inconsistent element: a stable ``code`` and where it is."""

    code: str
    event_index: int | None
    field: str
    message: str
    severity: Severity = "error"


@dataclass(frozen=True)
class Address:
    """A trading partner's name and address from master data (None when absent)."""

    name: str | None = None
    street_address_one: str | None = None
    street_address_two: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country_code: str | None = None


@dataclass(frozen=True)
class Party:
    """A seller or buyer: its identifier (SGLN/PGLN) and address."""

    id: str
    address: Address | None = None


@dataclass(frozen=True)
class ProductLine:
    """One product of a transaction: TI fields for a GTIN (or an EPC class)."""

    gtin: str | None
    ndc: str | None
    product_name: str | None
    strength: str | None
    dosage_form: str | None
    container_size: str | None
    number_of_containers: Decimal
    lots: tuple[str, ...]
    identifiers: tuple[str, ...] = ()
    expiries: tuple[date, ...] = ()
    manufacturer: str | None = None


@dataclass(frozen=True)
class TransactionStatement:
    """The seller's attestation (``gs1ushc:dscsaTransactionStatement``)."""

    affirmed: bool
    legal_notice: str | None
    location: Literal["event", "header"]
    element: Element


@dataclass(frozen=True)
class Transaction:
    """The TI and TS of one shipment, with the findings that concern it."""

    event_index: int
    transaction_date: datetime
    shipment_date: datetime
    biz_transactions: tuple[BizTransaction, ...]
    seller: Party | None
    buyer: Party | None
    products: tuple[ProductLine, ...]
    statement: TransactionStatement | None
    findings: tuple[Finding, ...] = field(default=())


# -- identifiers -------------------------------------------------------------------
def gtin_of(identifier: str) -> str | None:
    """The GTIN-14 of an SGTIN / LGTIN / sgtin pattern URI or a Digital Link, else None.

    >>> gtin_of("urn:epc:id:sgtin:030001.0012345.11")
    '00300010123455'
    >>> gtin_of("urn:epc:idpat:sgtin:030001.1012345.*")
    '10300010123452'
    >>> gtin_of("https://id.gs1.org/01/00300010123455/21/7"), gtin_of("urn:epc:id:sscc:030001.41234567890")
    ('00300010123455', None)
    >>> gtin_of("https://id.gs1.org/01/00300010123456/21/7") is None  # wrong check digit
    True
    """
    for prefix in ("urn:epc:id:sgtin:", "urn:epc:class:lgtin:", "urn:epc:idpat:sgtin:"):
        if identifier.startswith(prefix):
            parts = identifier[len(prefix):].split(".")
            if len(parts) < 2 or not (parts[0] + parts[1]).isdigit() or len(parts[0] + parts[1]) != 13:
                return None
            body = parts[1][:1] + parts[0] + parts[1][1:]
            return body + check_digit(body)
    match = _DL_GTIN.match(identifier)
    return match.group(1) if match and is_valid(match.group(1)) else None


def gln_of(identifier: str) -> str | None:
    """The GLN (company prefix + location reference, no check digit) of an SGLN or PGLN.

    A party named with one SGLN extension then matches master data keyed by another.

    >>> gln_of("urn:epc:id:sgln:0455555.00000.10") == gln_of("urn:epc:id:sgln:0455555.00000.0")
    True
    >>> gln_of("urn:epc:id:pgln:0455555.00000"), gln_of("urn:epc:id:sscc:030001.1")
    ('045555500000', None)
    """
    for prefix in ("urn:epc:id:sgln:", "urn:epc:id:pgln:"):
        if identifier.startswith(prefix):
            parts = identifier[len(prefix):].split(".")
            return parts[0] + parts[1] if len(parts) >= 2 else None
    return None


def company_prefix_of(identifier: str) -> str | None:
    """The GS1 company prefix of an SGTIN, LGTIN or sgtin pattern URI (its first field).

    >>> company_prefix_of("urn:epc:idpat:sgtin:030001.0012345.*"), company_prefix_of("https://id.gs1.org/01/1")
    ('030001', None)
    """
    for prefix in ("urn:epc:id:sgtin:", "urn:epc:class:lgtin:", "urn:epc:idpat:sgtin:"):
        if identifier.startswith(prefix):
            return identifier[len(prefix):].split(".", 1)[0]
    return None


def lot_of(epc_class: str) -> str | None:
    """The lot of an LGTIN class URI or a Digital Link with AI 10.

    >>> lot_of("urn:epc:class:lgtin:030001.0012345.A123"), lot_of("https://id.gs1.org/01/00300010123455/10/L1")
    ('A123', 'L1')
    """
    if epc_class.startswith("urn:epc:class:lgtin:"):
        parts = epc_class.split(":")[-1].split(".", 2)
        return parts[2] if len(parts) == 3 else None
    match = re.search(r"/10/([^/?]+)", epc_class)
    return match.group(1) if match and _DL_GTIN.match(epc_class) else None


def _ndc_matches(declared: str, derived10: str) -> bool:
    """Whether a declared NDC is the NDC10 inside the GTIN.

    The declared NDC has 10 digits, or is the 11-digit billing form of any segmentation;
    hyphens are ignored.
    """
    digits = declared.replace("-", "").strip()
    if len(digits) == 10:
        return digits == derived10
    return len(digits) == 11 and digits in {ndc11(derived10, s) for s in NDC_SEGMENTS}


# -- commissioning ILMD ------------------------------------------------------------
def ilmd_value(event: Event, name: str) -> str | None:
    """The text of ILMD element ``name`` in ``cbvmda:`` or ``gs1ushc:`` (partners use both)."""
    return next((e.text.strip() for e in event.ilmd
                 if e.name == name and e.ns in _ILMD_NAMESPACES and e.text and e.text.strip()), None)


def parse_expiry(text: str) -> date | None:
    """An ILMD ``itemExpirationDate`` (xsd:date, optionally with a zone) as a date, else None.

    >>> parse_expiry("2025-03-27"), parse_expiry("2025-03-27Z"), parse_expiry("250327")
    (datetime.date(2025, 3, 27), datetime.date(2025, 3, 27), None)
    """
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?", text)
    try:
        return date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        return None


def ilmd_lot(event: Event) -> tuple[str | None, date | None]:
    """The lot number and expiry date a commissioning event's ILMD gives (None when absent)."""
    expiry = ilmd_value(event, "itemExpirationDate")
    return ilmd_value(event, "lotNumber"), parse_expiry(expiry) if expiry else None


def _ilmd_trade_item(event: Event) -> dict[str, str | None]:
    """``gs1ushc:tradeItemMasterData`` ILMD as EPCClass attributes ({} when absent)."""
    for el in event.ilmd:
        if el.ns == USHC_NS and el.name == "tradeItemMasterData":
            attrs = {new: _find_text(el.children, old) for old, new in _TRADE_ITEM_FIELDS}
            for ident in (c for c in el.children if c.name == "additionalTradeItemIdentification"):
                attrs["additionalTradeItemIdentification"] = _find_text(
                    ident.children, "additionalTradeItemIdentificationValue")
                attrs["additionalTradeItemIdentificationTypeCode"] = _find_text(
                    ident.children, "additionalTradeItemIdentificationType")
            return attrs
    return {}


def _classes(event: Event) -> tuple[str, ...]:
    """The identifiers and EPC classes a commissioning event names."""
    return event.epc_list + event.output_epc_list + tuple(
        q.epc_class for q in event.quantity_list + event.output_quantity_list)


# -- master data -------------------------------------------------------------------
def _text_value(value: str | Element | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, Element):
        return value.text
    return value.strip() or None


class _MasterData:
    def __init__(self, doc: Document) -> None:
        self.classes: dict[str, dict[str, str | None]] = {}
        self.by_gtin: dict[str, dict[str, str | None]] = {}
        self.places: dict[str, dict[str, str | None]] = {}
        self.prefixes: dict[str, str] = {}  # GTIN -> the company prefix of the URI that named it
        for vocab in doc.master_data:
            is_class = vocab.type.endswith("EPCClass")
            for ve in vocab.elements:
                attrs: dict[str, str | None] = {}
                for key, value in ve.attributes:
                    name = key[len(MDA_ATTR):] if key.startswith(MDA_ATTR) else key
                    attrs.setdefault(name, _text_value(value))
                if is_class:
                    self.classes[ve.id] = attrs
                    gtin = gtin_of(ve.id)
                    if gtin:
                        self.by_gtin.setdefault(gtin, attrs)
                        self.prefixes.setdefault(gtin, company_prefix_of(ve.id) or "")
                else:
                    self.places[ve.id] = attrs
        for event in doc.events:
            self.company_records(event.extensions)
            attrs = _ilmd_trade_item(event) if event.ilmd else {}
            for uri in _classes(event) if attrs else ():
                if gtin := gtin_of(uri):
                    self.by_gtin.setdefault(gtin, attrs)
                    self.prefixes.setdefault(gtin, company_prefix_of(uri) or "")
        self.company_records(doc.header_extensions)
        self.by_gln = {g: a for pid, a in self.places.items() if (g := gln_of(pid))}

    def company_records(self, items: tuple[Element, ...]) -> None:
        """``gs1ushc:companyMasterData`` records (SAP ATTP style) as Location attributes."""
        for el in items:
            if el.ns != USHC_NS or el.name != "companyMasterData":
                continue
            for rec in el.children:
                values = {c.name: c.text for c in rec.children if c.text}
                pid = values.get("identifier")
                if pid:
                    self.places.setdefault(pid, {new: values.get(old) for old, new in _COMPANY_FIELDS})

    def product(self, identifier: str, gtin: str | None) -> dict[str, str | None]:
        hit = self.classes.get(identifier)
        if hit is None and gtin:
            hit = self.by_gtin.get(gtin)
        return hit or {}

    def address(self, party_id: str) -> Address | None:
        a = self.places.get(party_id)
        if a is None:
            gln = gln_of(party_id)
            a = self.by_gln.get(gln) if gln else None
        if a is None:
            return None
        return Address(a.get("name"), a.get("streetAddressOne"), a.get("streetAddressTwo"), a.get("city"),
                       a.get("state"), a.get("postalCode"), a.get("countryCode"))


@dataclass(frozen=True)
class ProductMaster:
    """A GTIN's TI product fields as a document's master data gives them (None when absent)."""

    gtin: str
    ndc: str | None
    name: str | None
    strength: str | None
    dosage_form: str | None
    container_size: str | None
    manufacturer: str | None
    company_prefix: str | None = None


def _declared_ndc(attrs: dict[str, str | None]) -> str | None:
    declared = attrs.get("additionalTradeItemIdentification")
    return declared if declared and attrs.get("additionalTradeItemIdentificationTypeCode") in NDC_TYPES else None


def product_masters(doc: Document) -> dict[str, ProductMaster]:
    """The product master data of ``doc`` by GTIN.

    EPCClass vocabulary first, then the ``gs1ushc:tradeItemMasterData`` of commissioning ILMD.
    The NDC is the declared one, else the one inside a GTIN of the ``03`` range.
    """
    md = _MasterData(doc)
    return {gtin: ProductMaster(gtin, _declared_ndc(attrs) or gtin_to_ndc10(gtin), attrs.get("regulatedProductName"),
                                attrs.get("strengthDescription"), attrs.get("dosageFormType"),
                                attrs.get("netContentDescription"), attrs.get("manufacturerOfTradeItemPartyName"),
                                md.prefixes.get(gtin) or None)
            for gtin, attrs in md.by_gtin.items()}


def guideline_version(doc: Document) -> int | None:
    """The GS1 US guideline release the header names (``gs1ushc:guidelineVersion``).

    2 for R1.2, 3 for R1.3, None when absent or unreadable.
    """
    text = _find_text(doc.header_extensions, "guidelineVersion")
    match = _VERSION.search(text or "")
    return int(match.group(1)) if match else None


# -- statement ---------------------------------------------------------------------
def _statement(items: tuple[Element, ...], location: Literal["event", "header"]) -> TransactionStatement | None:
    for el in items:
        if el.ns == USHC_NS and el.name == "dscsaTransactionStatement":
            values = {c.name: (c.text or "").strip() for c in el.children}
            return TransactionStatement(values.get("affirmTransactionStatement", "").lower() == "true",
                                        values.get("legalNotice") or None, location, el)
    return None


def _find_text(items: tuple[Element, ...], name: str) -> str | None:
    return next((e.text for e in items if e.name == name and e.text), None)


# -- the walk ----------------------------------------------------------------------
class _State:
    """Packing and commissioning seen so far in document order."""

    def __init__(self) -> None:
        self.children: dict[str, list[str]] = {}
        self.lots: dict[str, str] = {}
        self.expiries: dict[str, date] = {}

    def apply(self, event: Event) -> None:
        if event.type is EventType.AGGREGATION and event.parent_id:
            kids = self.children.setdefault(event.parent_id, [])
            if event.action and event.action.value == "ADD":
                kids.extend(c for c in event.child_epcs if c not in kids)
            elif event.action and event.action.value == "DELETE":
                remove = set(event.child_epcs) or set(kids)
                kids[:] = [c for c in kids if c not in remove]
        lot, expiry = ilmd_lot(event) if event.ilmd else (None, None)
        for epc in _classes(event) if lot or expiry else ():
            if lot:
                self.lots[epc] = lot
            if expiry:
                self.expiries[epc] = expiry

    def leaves(self, epcs: tuple[str, ...]) -> list[str]:
        out: list[str] = []
        stack = list(reversed(epcs))
        seen: set[str] = set()
        while stack:
            epc = stack.pop()
            if epc in seen:
                continue
            seen.add(epc)
            kids = self.children.get(epc)
            if kids:
                stack.extend(reversed(kids))
            else:
                out.append(epc)
        return out


def _party(event: Event, index: int, role: str, md: _MasterData, findings: list[Finding]) -> Party | None:
    entries = event.sources if role == "seller" else event.destinations
    list_name = "sourceList" if role == "seller" else "destinationList"
    entry = list_name[:-4]
    owner = next((s.value for s in entries if s.type == OWNING_PARTY), None)
    upper = role.upper()
    if not any(s.type == LOCATION for s in entries):
        site = "ship-from" if role == "seller" else "ship-to"
        findings.append(Finding(f"TI_{upper}_LOCATION_MISSING", index, f"{list_name}/{entry}[@type=location]",
                                f"no {entry} of type location names the {site} site", "warning"))
    if owner is None:
        findings.append(Finding(f"TI_{upper}_MISSING", index, f"{list_name}/{entry}[@type=owning_party]",
                                f"no {entry} of type owning_party names the {role}"))
        return None
    address = md.address(owner)
    if address is None:
        findings.append(Finding(f"TI_{upper}_ADDRESS_MISSING", index, list_name,
                                f"no Location or Party master data for the {role} {owner}"))
    else:
        missing = [f for f, v in zip(ADDRESS_FIELDS, (address.name, address.street_address_one, address.city,
                                                      address.state, address.postal_code,
                                                      address.country_code), strict=True) if not v]
        if missing:
            findings.append(Finding(f"TI_{upper}_ADDRESS_INCOMPLETE", index, list_name,
                                    f"master data for the {role} {owner} lacks {', '.join(missing)}"))
    return Party(owner, address)


def _products(event: Event, index: int, state: _State, md: _MasterData, version: int | None,
              findings: list[Finding]) -> tuple[ProductLine, ...]:
    counts: Counter[str] = Counter()
    lots: dict[str, list[str]] = {}
    expiries: dict[str, list[date]] = {}
    names: dict[str, str] = {}
    ids: dict[str, list[str]] = {}
    unresolved: list[str] = []

    def note(key: str, lot: str | None, expiry: date | None) -> None:
        known_lots, known_expiries = lots.setdefault(key, []), expiries.setdefault(key, [])
        if lot and lot not in known_lots:
            known_lots.append(lot)
        if expiry and expiry not in known_expiries:
            known_expiries.append(expiry)

    for epc in state.leaves(event.epc_list + event.child_epcs + ((event.parent_id,) if event.parent_id and
                                                                   event.type is not EventType.OBJECT else ())):
        gtin = gtin_of(epc)
        if gtin is None:
            unresolved.append(epc)
            continue
        counts[gtin] += 1
        names.setdefault(gtin, epc)
        ids.setdefault(gtin, []).append(epc)
        note(gtin, state.lots.get(epc), state.expiries.get(epc))
    quantities: dict[str, Decimal] = {}
    for q in event.quantity_list + event.child_quantity_list:
        key = gtin_of(q.epc_class) or q.epc_class
        quantities[key] = quantities.get(key, Decimal(0)) + (q.quantity if q.quantity is not None else Decimal(0))
        names.setdefault(key, q.epc_class)
        note(key, lot_of(q.epc_class) or state.lots.get(q.epc_class), state.expiries.get(q.epc_class))
        if event.event_time.date() >= PACKAGE_LEVEL_FROM:
            findings.append(Finding("TI_LOT_LEVEL_QUANTITY", index, "quantityList/quantityElement/epcClass",
                                    f"{q.epc_class} ships by quantity; since {PACKAGE_LEVEL_FROM.isoformat()} the "
                                    "TI names each package by its serialized identifier (SGTIN)"))
    for epc in unresolved:
        findings.append(Finding("TI_UNRESOLVED_CONTAINER", index, "epcList",
                                f"the contents of {epc} are not given by packing events in this document",
                                "warning"))
    lines = []
    for key in names:
        gtin = key if key.isdigit() and len(key) == 14 else None
        attrs = md.product(names[key], gtin)
        values = {attr: attrs.get(md_name) for attr, md_name, _c, _l in PRODUCT_FIELDS}
        for attr, md_name, code, label in PRODUCT_FIELDS:
            if not values[attr]:
                findings.append(Finding(code, index, f"EPCClass/{md_name}",
                                        f"no {label} ({md_name}) in master data for {key}"))
        manufacturer = attrs.get("manufacturerOfTradeItemPartyName")
        if not manufacturer:
            findings.append(Finding("TI_MISSING_MANUFACTURER", index, "EPCClass/manufacturerOfTradeItemPartyName",
                                    f"no manufacturer (manufacturerOfTradeItemPartyName) in master data for {key}",
                                    "warning"))
        ndc_type = attrs.get("additionalTradeItemIdentificationTypeCode")
        if version == 3 and ndc_type == "FDA_NDC_11":
            findings.append(Finding("TI_NDC_TYPE_R12", index, "EPCClass/additionalTradeItemIdentificationTypeCode",
                                    f"the document follows R1.3, which types the NDC US_FDA_NDC; got the R1.2 "
                                    f"code FDA_NDC_11 for {key}", "warning"))
        derived = gtin_to_ndc10(gtin) if gtin else None
        ndc = _declared_ndc(attrs)
        if ndc and derived and not _ndc_matches(ndc, derived):
            findings.append(Finding("TI_NDC_MISMATCH", index, "EPCClass/additionalTradeItemIdentification",
                                    f"master data NDC {ndc} does not match the NDC {derived} inside GTIN {gtin}"))
        ndc = ndc or derived
        if ndc is None:
            findings.append(Finding("TI_MISSING_NDC", index, "EPCClass/additionalTradeItemIdentification",
                                    f"no NDC in master data for {key} and its GTIN is outside the NDC range"))
        if not lots.get(key):
            findings.append(Finding("TI_MISSING_LOT", index, "ilmd/lotNumber",
                                    f"no lot for {key}: no commissioning ILMD lotNumber or LGTIN in this document"))
        if not expiries.get(key):
            findings.append(Finding("TI_MISSING_EXPIRY", index, "ilmd/itemExpirationDate",
                                    f"no expiry date for {key}: no commissioning ILMD itemExpirationDate in this "
                                    "document"))
        lines.append(ProductLine(gtin, ndc, values["product_name"], values["strength"], values["dosage_form"],
                                 values["container_size"], Decimal(counts.get(key, 0)) + quantities.get(key, 0),
                                 tuple(lots.get(key, ())), tuple(ids.get(key, ())), tuple(expiries.get(key, ())),
                                 manufacturer))
    if not lines:
        findings.append(Finding("TI_NO_PRODUCTS", index, "epcList",
                                "no product can be named for this shipment" + (
                                    " (its containers' contents are unknown)" if unresolved else "")))
    return tuple(lines)


def _shipping_findings(event: Event, index: int) -> list[Finding]:
    """Findings on the shape of a shipping event.

    It is an ObjectEvent, OBSERVE, in_transit, with typed business transactions in the GS1
    form, the buyer's purchase order among them.
    """
    out = []
    if event.type is not EventType.OBJECT or event.action is not Action.OBSERVE:
        got = f"{event.type} {event.action or 'without action'}"
        out.append(Finding("TI_SHIPPING_ACTION", index, "action",
                           f"a shipping event is an ObjectEvent with action OBSERVE, got {got}"))
    if event.disposition != IN_TRANSIT:
        out.append(Finding("TI_SHIPPING_DISPOSITION", index, "disposition",
                           f"a shipping event's disposition is {IN_TRANSIT}, got {event.disposition or 'none'}",
                           "warning"))
    if not event.biz_transactions:
        out.append(Finding("TI_MISSING_BIZ_TRANSACTION", index, "bizTransactionList",
                           "the shipment names no business transaction (po, inv, desadv)", "warning"))
        return out
    for bt in event.biz_transactions:
        if bt.type is None:
            out.append(Finding("TI_BIZ_TRANSACTION_UNTYPED", index, "bizTransactionList/bizTransaction/@type",
                               f"business transaction {bt.value} has no type (po, desadv, inv ...)", "warning"))
        elif cbv.is_standard("btt", bt.type) and not _bt_form_ok(bt.value):
            out.append(Finding("TI_BIZ_TRANSACTION_FORM", index, "bizTransactionList/bizTransaction",
                               f"{bt.value} is not urn:epcglobal:cbv:bt:<GLN>:<number> with a valid GLN, "
                               "a GDTI or a GS1 Digital Link", "warning"))
    if not any(bt.type == PO for bt in event.biz_transactions):
        out.append(Finding("TI_MISSING_PO", index, "bizTransactionList/bizTransaction/@type",
                           "no business transaction of type po names the buyer's purchase order", "warning"))
    return out


def _bt_form_ok(value: str) -> bool:
    """Whether a business transaction id has a GS1 form (CBV 2.0 section 8.5).

    >>> _bt_form_ok("urn:epcglobal:cbv:bt:0399999999991:XYZPO189"), _bt_form_ok("PO-17")
    (True, False)
    >>> _bt_form_ok("urn:epcglobal:cbv:bt:0399999999992:X")  # GLN check digit is 1
    False
    """
    match = _BT_GLN.match(value)
    if match:
        return is_valid(match.group(1))
    return value.startswith(("urn:epc:id:gdti:", "urn:epc:id:gsrn:", "https://", "http://"))


def _statement_findings(statement: TransactionStatement | None, index: int,
                        version: int | None) -> list[Finding]:
    if statement is None:
        return [Finding("TS_MISSING", index, "gs1ushc:dscsaTransactionStatement",
                        "no DSCSA transaction statement in the event or the document header")]
    out = []
    if not statement.affirmed:
        out.append(Finding("TS_NOT_AFFIRMED", index, "gs1ushc:affirmTransactionStatement",
                           "the transaction statement is not affirmed (affirmTransactionStatement is not true)"))
    if not statement.legal_notice:
        out.append(Finding("TS_MISSING_LEGAL_NOTICE", index, "gs1ushc:legalNotice",
                           "the transaction statement has no legalNotice (the seller's FDCA 581(27)(A)-(G) "
                           "statement)" + ("" if version == 3 else "; required from R1.3"),
                           "error" if version == 3 else "warning"))
    return out


def _sender_findings(doc: Document, index: int, seller: Party | None) -> list[Finding]:
    """The SBDH sender should be the seller (the source owning party)."""
    sender = doc.sbdh.sender if doc.sbdh else None
    if not sender or seller is None:
        return []
    body = gln_of(sender) or (sender[:12] if sender.isdigit() and len(sender) == 13 else None)
    if body is not None and body == gln_of(seller.id):
        return []
    return [Finding("SBDH_SENDER_NOT_SELLER", index, "sbdh:Sender/sbdh:Identifier",
                    f"the document's sender {sender} is not the seller {seller.id} (the source owning_party)",
                    "warning")]


def document_findings(doc: Document) -> list[Finding]:
    """Findings on the header of a document that carries DSCSA transactions."""
    text = _find_text(doc.header_extensions, "guidelineVersion")
    if text is None:
        return [Finding("GUIDELINE_VERSION_MISSING", None, "gs1ushc:guidelineVersion",
                        "the header names no GS1 US guideline version (R1.2 or R1.3); read as R1.2", "warning")]
    if guideline_version(doc) not in (2, 3):
        return [Finding("GUIDELINE_VERSION_UNKNOWN", None, "gs1ushc:guidelineVersion",
                        f"guideline version {text!r} is neither R1.2 nor R1.3; read as R1.2", "warning")]
    return []


def ilmd_findings(event: Event, index: int) -> list[Finding]:
    """A commissioning ILMD expiry date that is not a date."""
    text = ilmd_value(event, "itemExpirationDate") if event.ilmd else None
    if text is None or parse_expiry(text) is not None:
        return []
    return [Finding("TI_BAD_EXPIRY", index, "ilmd/itemExpirationDate",
                    f"itemExpirationDate {text!r} is not a date (YYYY-MM-DD)")]


def cbv_findings(event: Event, index: int) -> list[Finding]:
    """Values in a CBV namespace that CBV 2.0 does not define (private URIs are fine)."""
    out = []
    for kind, name, code in _CBV_FIELDS:
        value = getattr(event, "biz_step" if kind == "bizstep" else "disposition")
        if value and value.startswith(cbv.URN) and not cbv.is_standard(kind, value):
            out.append(Finding(f"CBV_UNKNOWN_{code}", index, name, f"{value} is not a CBV 2.0 {name}"))
    if event.persistent_disposition is not None:
        for value in event.persistent_disposition.set + event.persistent_disposition.unset:
            if value.startswith(cbv.URN) and not cbv.is_standard("disp", value):
                out.append(Finding("CBV_UNKNOWN_DISPOSITION", index, "persistentDisposition",
                                   f"{value} is not a CBV 2.0 disposition"))
    reason = event.error_declaration.reason if event.error_declaration else None
    if reason and reason.startswith(cbv.URN) and not cbv.is_standard("er", reason):
        out.append(Finding("CBV_UNKNOWN_ERROR_REASON", index, "errorDeclaration/reason",
                           f"{reason} is not a CBV 2.0 error reason"))
    for bt in event.biz_transactions:
        if bt.type and bt.type.startswith(cbv.URN) and not cbv.is_standard("btt", bt.type):
            out.append(Finding("CBV_UNKNOWN_BTT", index, "bizTransactionList/bizTransaction/@type",
                               f"{bt.type} is not a CBV 2.0 business transaction type"))
    for list_name, entries in (("sourceList", event.sources), ("destinationList", event.destinations)):
        for sd in entries:
            if sd.type and sd.type.startswith(cbv.URN) and not cbv.is_standard("sdt", sd.type):
                out.append(Finding("CBV_UNKNOWN_SDT", index, f"{list_name}/@type",
                                   f"{sd.type} is not a CBV 2.0 source/destination type"))
    return out


def extract_transactions(doc: Document) -> list[Transaction]:
    """The TI/TS of every shipping event in ``doc``, each with its own findings."""
    md = _MasterData(doc)
    version = guideline_version(doc)
    header_ts = _statement(doc.header_extensions, "header")
    state = _State()
    out = []
    for index, event in enumerate(doc.events):
        state.apply(event)
        if event.biz_step != SHIPPING:
            continue
        findings = _shipping_findings(event, index)
        products = _products(event, index, state, md, version, findings)
        seller = _party(event, index, "seller", md, findings)
        buyer = _party(event, index, "buyer", md, findings)
        findings += _sender_findings(doc, index, seller)
        statement = _statement(event.extensions, "event") or header_ts
        findings += _statement_findings(statement, index, version)
        date_text = _find_text(event.extensions, "transactionDate")
        transaction_date = event.event_time
        if date_text:
            try:
                transaction_date = datetime.fromisoformat(date_text)
                if transaction_date.tzinfo is None:
                    transaction_date = transaction_date.replace(tzinfo=event.event_time.tzinfo)
            except ValueError:
                findings.append(Finding("TI_BAD_TRANSACTION_DATE", index, "transactionDate",
                                        f"transactionDate {date_text!r} is not an ISO 8601 date"))
        out.append(Transaction(index, transaction_date, event.event_time, event.biz_transactions, seller, buyer,
                               products, statement, tuple(findings)))
    return out


def check(doc: Document) -> list[Finding]:
    """Every finding for ``doc``.

    Unknown CBV values and unreadable expiry dates, the header's, then each transaction's
    TI/TS findings.
    """
    findings: list[Finding] = []
    for index, event in enumerate(doc.events):
        findings.extend(cbv_findings(event, index))
        findings.extend(ilmd_findings(event, index))
    transactions = extract_transactions(doc)
    if not transactions:
        findings.append(Finding("TI_NO_SHIPMENT", None, "bizStep",
                                "no shipping event: the document carries no DSCSA transaction", "warning"))
    else:
        findings.extend(document_findings(doc))
    for tx in transactions:
        findings.extend(tx.findings)
    return findings


#: TI findings capture does not refuse for: the containers were packed in an earlier
#: document, so Custody holds the contents the shipment alone does not name.
CAPTURE_IGNORES = frozenset({"TI_NO_PRODUCTS"})
#: TI findings capture refuses only when the units it holds lack the value too (the lot or
#: expiry was given in an earlier document): the finding's code -> the unit's field.
HELD_BY_CUSTODY = {"TI_MISSING_LOT": "lot", "TI_MISSING_EXPIRY": "expiry"}


@dataclass(frozen=True)
class Held:
    """A missing lot or expiry that the units Custody holds may supply: their ``column``."""

    finding: Finding
    column: str
    identifiers: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    """What capture does with a document's DSCSA findings (decision 0010).

    ``refusals`` refuse it; ``held`` refuse it unless Custody already holds the named field
    for the units (:data:`HELD_BY_CUSTODY`); ``warnings`` are reported and accepted.
    """

    refusals: list[Finding]
    held: list[Held]
    warnings: list[Finding]
    transactions: list[Transaction]


def verdict(doc: Document) -> Verdict:
    """Sort ``doc``'s findings the way capture acts on them.

    ``custody epcis validate`` and capture both call this, so validate says what capture does.
    """
    refused = [f for i, e in enumerate(doc.events) for f in ilmd_findings(e, i)]
    if not any(e.biz_step == SHIPPING for e in doc.events):
        return Verdict(refused, [], [], [])
    transactions = extract_transactions(doc)
    held: list[Held] = []
    warnings = document_findings(doc)
    for tx in transactions:
        for f in tx.findings:
            if f.code in CAPTURE_IGNORES:
                continue
            if f.severity == "warning":
                warnings.append(f)
            elif f.code in HELD_BY_CUSTODY and (h := _held(f, tx)):
                held.append(h)
            else:
                refused.append(f)
    return Verdict(refused, held, warnings, transactions)


def _held(f: Finding, tx: Transaction) -> Held | None:
    """``f`` as a :class:`Held`, or None where nothing Custody holds can supply the value.

    That is where a product lacking it names no units (a lot-level quantity).
    """
    column = HELD_BY_CUSTODY[f.code]
    lacking = [p for p in tx.products if not (p.lots if column == "lot" else p.expiries)]
    if not lacking or any(not p.identifiers for p in lacking):
        return None
    return Held(f, column, tuple(i for p in lacking for i in p.identifiers))
