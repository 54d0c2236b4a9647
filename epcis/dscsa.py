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
  is otherwise derived from a GTIN in the ``03`` range. Lots come from commissioning ILMD
  (``cbvmda:lotNumber``) or from LGTIN classes.
* **seller / buyer**: the ``owning_party`` source and destination, with name and address
  from Location or Party master data.
* **dates**: the transaction date is a ``transactionDate`` extension of the shipping event
  when present, else its event time; the shipment date is the event time.
* **TS**: ``gs1ushc:dscsaTransactionStatement`` in the event or the document header.

Missing or inconsistent elements become :class:`Finding` values with stable codes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from epcis import cbv
from epcis.model import BizTransaction, Document, Element, Event, EventType

USHC_NS = "http://epcis.gs1us.org/hc/ns"
MDA_ATTR = "urn:epcglobal:cbv:mda#"
SHIPPING = "urn:epcglobal:cbv:bizstep:shipping"
OWNING_PARTY = "urn:epcglobal:cbv:sdt:owning_party"
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
    """
    for prefix in ("urn:epc:id:sgtin:", "urn:epc:class:lgtin:", "urn:epc:idpat:sgtin:"):
        if identifier.startswith(prefix):
            parts = identifier[len(prefix):].split(".")
            if len(parts) < 2 or not (parts[0] + parts[1]).isdigit() or len(parts[0] + parts[1]) != 13:
                return None
            body = parts[1][:1] + parts[0] + parts[1][1:]
            return body + _check_digit(body)
    match = _DL_GTIN.match(identifier)
    return match.group(1) if match else None


def _check_digit(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def gln_of(identifier: str) -> str | None:
    """The GLN (company prefix + location reference, no check digit) of an SGLN or PGLN, so
    a party named with one SGLN extension matches master data keyed by another.

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


def ndc_from_gtin(gtin: str) -> str | None:
    """The unhyphenated NDC10 inside a GTIN-14 of the US ``03`` range.

    >>> ndc_from_gtin("00300010123455"), ndc_from_gtin("04012345000009")
    ('0001012345', None)
    """
    return gtin[3:13] if gtin[1:3] == "03" else None


def _ndc_matches(declared: str, derived10: str) -> bool:
    digits = declared.replace("-", "").strip()
    if len(digits) == 10:
        return digits == derived10
    if len(digits) == 11:  # 5-4-2: some 4-4-2 / 5-3-2 / 5-4-1 form of the NDC10 pads one zero
        return digits in {"0" + derived10, derived10[:5] + "0" + derived10[5:],
                          derived10[:9] + "0" + derived10[9:]}
    return False


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
                else:
                    self.places[ve.id] = attrs
        for event in doc.events:
            self.company_records(event.extensions)
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

    def apply(self, event: Event) -> None:
        if event.type is EventType.AGGREGATION and event.parent_id:
            kids = self.children.setdefault(event.parent_id, [])
            if event.action and event.action.value == "ADD":
                kids.extend(c for c in event.child_epcs if c not in kids)
            elif event.action and event.action.value == "DELETE":
                remove = set(event.child_epcs) or set(kids)
                kids[:] = [c for c in kids if c not in remove]
        lot = next((e.text for e in event.ilmd if e.ns == cbv.MDA and e.name == "lotNumber" and e.text), None)
        if lot:
            for epc in event.epc_list + event.output_epc_list:
                self.lots[epc] = lot

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
    owner = next((s.value for s in entries if s.type == OWNING_PARTY), None)
    upper = role.upper()
    if owner is None:
        findings.append(Finding(f"TI_{upper}_MISSING", index, list_name,
                                f"no {list_name[:-4]} of type owning_party names the {role}"))
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


def _products(event: Event, index: int, state: _State, md: _MasterData,
              findings: list[Finding]) -> tuple[ProductLine, ...]:
    counts: Counter[str] = Counter()
    lots: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    ids: dict[str, list[str]] = {}
    unresolved: list[str] = []
    for epc in state.leaves(event.epc_list + event.child_epcs + ((event.parent_id,) if event.parent_id and
                                                                   event.type is not EventType.OBJECT else ())):
        gtin = gtin_of(epc)
        if gtin is None:
            unresolved.append(epc)
            continue
        counts[gtin] += 1
        names.setdefault(gtin, epc)
        ids.setdefault(gtin, []).append(epc)
        lot = state.lots.get(epc)
        bucket = lots.setdefault(gtin, [])
        if lot and lot not in bucket:
            bucket.append(lot)
    quantities: dict[str, Decimal] = {}
    for q in event.quantity_list + event.child_quantity_list:
        key = gtin_of(q.epc_class) or q.epc_class
        quantities[key] = quantities.get(key, Decimal(0)) + (q.quantity if q.quantity is not None else Decimal(0))
        names.setdefault(key, q.epc_class)
        lot = lot_of(q.epc_class)
        bucket = lots.setdefault(key, [])
        if lot and lot not in bucket:
            bucket.append(lot)
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
        declared = attrs.get("additionalTradeItemIdentification")
        ndc_type = attrs.get("additionalTradeItemIdentificationTypeCode")
        derived = ndc_from_gtin(gtin) if gtin else None
        ndc = declared if declared and (ndc_type in NDC_TYPES) else None
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
        lines.append(ProductLine(gtin, ndc, values["product_name"], values["strength"], values["dosage_form"],
                                 values["container_size"], Decimal(counts.get(key, 0)) + quantities.get(key, 0),
                                 tuple(lots.get(key, ())), tuple(ids.get(key, ()))))
    if not lines:
        findings.append(Finding("TI_NO_PRODUCTS", index, "epcList",
                                "no product can be named for this shipment" + (
                                    " (its containers' contents are unknown)" if unresolved else "")))
    return tuple(lines)


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
    header_ts = _statement(doc.header_extensions, "header")
    state = _State()
    out = []
    for index, event in enumerate(doc.events):
        state.apply(event)
        if event.biz_step != SHIPPING:
            continue
        findings: list[Finding] = []
        products = _products(event, index, state, md, findings)
        seller = _party(event, index, "seller", md, findings)
        buyer = _party(event, index, "buyer", md, findings)
        if not event.biz_transactions:
            findings.append(Finding("TI_MISSING_BIZ_TRANSACTION", index, "bizTransactionList",
                                    "the shipment names no business transaction (po, inv, desadv)", "warning"))
        statement = _statement(event.extensions, "event") or header_ts
        if statement is None:
            findings.append(Finding("TS_MISSING", index, "gs1ushc:dscsaTransactionStatement",
                                    "no DSCSA transaction statement in the event or the document header"))
        elif not statement.affirmed:
            findings.append(Finding("TS_NOT_AFFIRMED", index, "gs1ushc:affirmTransactionStatement",
                                    "the transaction statement is not affirmed (affirmTransactionStatement "
                                    "is not true)"))
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
    """Every finding for ``doc``: unknown CBV values, then each transaction's TI/TS findings."""
    findings: list[Finding] = []
    for index, event in enumerate(doc.events):
        findings.extend(cbv_findings(event, index))
    transactions = extract_transactions(doc)
    if not transactions:
        findings.append(Finding("TI_NO_SHIPMENT", None, "bizStep",
                                "no shipping event: the document carries no DSCSA transaction", "warning"))
    for tx in transactions:
        findings.extend(tx.findings)
    return findings


#: TI findings capture does not refuse for: the containers were packed, and the lots given,
#: in an earlier document, so Custody holds what the shipment alone does not name.
CAPTURE_IGNORES = frozenset({"TI_NO_PRODUCTS", "TI_MISSING_LOT"})


def refusals(doc: Document) -> list[Finding]:
    """The findings capture refuses ``doc`` for: each shipment's TI/TS errors, less
    :data:`CAPTURE_IGNORES`. ``custody epcis validate`` reports these as its errors, so it
    says what capture will do; every other finding is a warning."""
    if not any(e.biz_step == SHIPPING for e in doc.events):
        return []
    return [f for tx in extract_transactions(doc) for f in tx.findings
            if f.severity == "error" and f.code not in CAPTURE_IGNORES]
