"""The product block of an ICH E2B(R3) ICSR, for the manufacturer's pharmacovigilance.

A documented Custody shape (``docs/adverse-events.md``), *not* the ICH HL7 v3 message schema:
each element carries its E2B(R3) data element number (G.k.1 drug role, G.k.2.2 product name as
reported, G.k.4.r.7 batch/lot number; E.i.3.2a-f seriousness criteria, E.i.7 outcome; checked
against the ICH implementation guide, see the docs), so a safety system maps it into its own
ICSR. Facts E2B has no element for are marked ``custody.*``: GTIN and NDC (G.k.2.1.1 is the
ICH M5 IDMP MPID, which they are not), expiry, serial, seriousness as one word (E2B carries it
as the E.i.3.2 criteria), the supplier chain from the ledger, the other cases of the lot. The patient is the case's opaque reference, nothing else; reporter and
description stay home. JSON and XML hold the same data (:func:`to_xml`, :func:`from_xml`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from lxml import etree

from app.models import AdverseEvent, CustodyHop, Product, Unit

FORMAT = "custody-e2b-r3-product-block/2"
NS = "urn:custody:e2b-r3-product-block:2"
NOTE = ("The product (G.k) block of an ICH E2B(R3) individual case safety report, with the "
        "E2B(R3) data element numbers; a documented Custody shape, not the ICH HL7 v3 schema. "
        "The patient is identified only by the opaque case reference.")
HOP_FIELDS = ("unit", "kind", "from", "to", "location", "time")


def _el(ident: str, name: str, value: object, code: str = "") -> dict[str, str]:
    return {"id": ident, "name": name, "code": code, "value": "" if value is None else str(value)}


def block(event: AdverseEvent, case_ref: str, product: Product | None, units: Sequence[Unit],
          hops: Sequence[CustodyHop], other_cases: Sequence[str]) -> dict[str, Any]:
    """The product block of ``event`` as a plain dict (every value a string)."""
    from app.adverse.service import CRITERIA, OUTCOMES

    name = " ".join(p for p in (product.proprietary_name, product.strength, product.dosage_form)
                    if p) if product else event.gtin
    one = units[0] if event.identifier and units else None
    expiries = sorted({u.expiry.isoformat() for u in units if u.expiry})
    elements = [
        _el("G.k.1", "Characterisation of drug role", "Suspect", "1"),
        _el("G.k.2.2", "Medicinal product name as reported by the primary source", name),
        _el("custody.gtin", "Product identifier (GTIN)", event.gtin, "GTIN"),
        *([_el("custody.ndc", "Product identifier (NDC)", product.ndc, "NDC")]
          if product and product.ndc else []),
        _el("G.k.4.r.7", "Batch / lot number", event.lot),
        _el("custody.expiry", "Expiry date", " ".join(expiries)),
        _el("custody.serial", "Serial number", one.serial if one else ""),
        _el("custody.manufacturer", "Manufacturer", product.manufacturer_name if product else ""),
        _el("custody.seriousness", "Seriousness", "serious" if event.serious else "non-serious"),
        *(_el(CRITERIA[c][0], CRITERIA[c][1], "true") for c in event.criteria),
        _el("E.i.7", "Outcome of reaction / event at the time of last observation", event.outcome, OUTCOMES[event.outcome]),
        _el("custody.reported_on", "Date the report was received", event.reported_on.isoformat()),
    ]
    chain = [{"unit": h.unit, "kind": h.kind, "from": h.from_party or "", "to": h.to_party or "",
              "location": h.location or "",
              "time": h.time.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"}
             for h in hops]
    return {"format": FORMAT, "note": NOTE, "case_ref": case_ref,
            "adverse_event_id": str(event.id), "elements": elements, "supplier_chain": chain,
            "other_cases": list(other_cases)}


def to_xml(data: dict[str, Any]) -> bytes:
    """``data`` (from :func:`block`) as XML in the namespace :data:`NS`."""
    root = etree.Element(f"{{{NS}}}productBlock", nsmap={None: NS},  # type: ignore[dict-item]
                         format=data["format"],
                         caseRef=data["case_ref"], adverseEventId=data["adverse_event_id"])
    etree.SubElement(root, f"{{{NS}}}note").text = data["note"]
    for el in data["elements"]:
        node = etree.SubElement(root, f"{{{NS}}}element", id=el["id"], name=el["name"],
                                code=el["code"])
        node.text = el["value"]
    chain = etree.SubElement(root, f"{{{NS}}}supplierChain")
    for hop in data["supplier_chain"]:
        etree.SubElement(chain, f"{{{NS}}}hop", {k: hop[k] for k in HOP_FIELDS})
    others = etree.SubElement(root, f"{{{NS}}}otherCases")
    for ref in data["other_cases"]:
        etree.SubElement(others, f"{{{NS}}}caseRef").text = ref
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def from_xml(body: bytes) -> dict[str, Any]:
    """The dict :func:`to_xml` wrote (no DTDs, no entities, no network)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(body, parser)
    q = f"{{{NS}}}"
    return {
        "format": root.get("format"), "note": root.findtext(f"{q}note") or "",
        "case_ref": root.get("caseRef"), "adverse_event_id": root.get("adverseEventId"),
        "elements": [{"id": e.get("id"), "name": e.get("name"), "code": e.get("code"),
                      "value": e.text or ""} for e in root.iter(f"{q}element")],
        "supplier_chain": [{k: h.get(k) for k in HOP_FIELDS} for h in root.iter(f"{q}hop")],
        "other_cases": [c.text or "" for c in root.iter(f"{q}caseRef")],
    }
