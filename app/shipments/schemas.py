"""Wire shapes of ``/shipments``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.shipments.service import CaseView, Packed, ShipmentSpec, ShipmentView

_TEXT = r"^[^\x00-\x1f\x7f]*$"  # one line of printable text (the stores keep no NUL)


def _line(description: str, max_length: int = 100) -> object:
    return Field(default=None, min_length=1, max_length=max_length, pattern=_TEXT,
                 description=description)


class ShipmentIn(BaseModel):
    """A new shipment: the ship-to partner's GLN and, optionally, which of its sites."""

    model_config = ConfigDict(extra="forbid")

    ship_to_gln: str = Field(min_length=13, max_length=13, pattern=r"^\d{13}$",
                             description="GLN of the ship-to trading partner.")
    ship_to_site: str | None = _line("SGLN of the ship-to site (default: the partner's first).",
                                     200)  # type: ignore[assignment]
    order_number: str | None = Field(default=None, min_length=1, max_length=100,
                                     pattern=r"^[!-~]+$", description=(
                                         "The buyer's purchase order number (the `po` "
                                         "business transaction; printable ASCII, no spaces)."))
    case_ref: str | None = _line("Opaque named-patient case reference; never patient "
                                 "data.")  # type: ignore[assignment]
    carrier: str | None = _line("Carrier.")  # type: ignore[assignment]
    tracking: str | None = _line("Carrier tracking number.")  # type: ignore[assignment]

    def spec(self) -> ShipmentSpec:
        return ShipmentSpec(self.ship_to_gln, self.ship_to_site, self.order_number,
                            self.case_ref, self.carrier, self.tracking)


class CaseOut(BaseModel):
    id: int
    sscc: str
    epc: str
    status: str
    count: int
    units: list[str]
    closed_at: datetime | None

    @classmethod
    def of(cls, v: CaseView, with_units: bool = True) -> CaseOut:
        return cls(id=v.case.id, sscc=v.case.sscc, epc=v.epc,
                   status="open" if v.case.closed_at is None else "closed", count=v.count,
                   units=v.units if with_units else [], closed_at=v.case.closed_at)


class ShipmentOut(BaseModel):
    id: int
    status: str
    ship_to: dict[str, str | None]
    order_number: str | None
    case_ref: str | None
    carrier: str | None
    tracking: str | None
    created_at: datetime
    created_by: str
    shipped_at: datetime | None
    cancelled_at: datetime | None
    ship_event_hash: str | None
    units: int
    cases: list[CaseOut]

    @classmethod
    def of(cls, v: ShipmentView, with_units: bool = True) -> ShipmentOut:
        s = v.shipment
        return cls(id=s.id, status=s.status, ship_to={"name": v.ship_to_name, "gln": v.ship_to_gln,
                                                      "site": v.ship_to_site},
                   order_number=s.order_number, case_ref=s.case_ref, carrier=s.carrier,
                   tracking=s.tracking, created_at=s.created_at, created_by=s.created_by,
                   shipped_at=s.shipped_at, cancelled_at=s.cancelled_at,
                   ship_event_hash=s.ship_event_hash, units=v.units,
                   cases=[CaseOut.of(c, with_units) for c in v.cases])


class PackedOut(BaseModel):
    """A unit packed: its EPC, its verdict (``verified``), the case and its running count."""

    epc: str
    verdict: str
    case_id: int
    sscc: str
    count: int

    @classmethod
    def of(cls, p: Packed) -> PackedOut:
        return cls(epc=p.epc, verdict=p.verdict, case_id=p.case_id, sscc=p.sscc, count=p.count)
