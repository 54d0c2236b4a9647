"""Wire shapes of receiving: expected shipments, receivings and their boards, scans."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.receiving.reconcile import OUTCOMES
from app.receiving.service import Expected, Scanned, View

Printable = r"^[^\x00-\x1f\x7f]*$"


class ExpectedOut(BaseModel):
    shipment: str = Field(description="The shipping event's hash (CBV 2.0 event hash).")
    shipped_at: datetime
    shipper: str
    identifiers: list[str] = Field(description="What the shipping event names (cases, units).")
    units: int = Field(description="Units inside, through the aggregation hierarchy.")
    receiving_id: int | None

    @classmethod
    def of(cls, e: Expected) -> ExpectedOut:
        return cls(shipment=e.shipment, shipped_at=e.shipped_at, shipper=e.shipper,
                   identifiers=e.identifiers, units=e.units, receiving_id=e.receiving_id)


class ReceivingIn(BaseModel):
    """A shipment's event hash, or none for an unexpected delivery (with a reference)."""

    model_config = ConfigDict(extra="forbid")

    shipment: str | None = Field(default=None, max_length=100, pattern=Printable)
    reference: str | None = Field(default=None, max_length=200, pattern=Printable)


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=1000, description=(
        "Scanner text: an SSCC `(00)...`/`00...`, a package's DataMatrix element string (GS as "
        "`\\u001d` or `<GS>`), HRI, a Digital Link or an EPC URI."))


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    investigate: bool = Field(default=True, description=(
        "Open an investigation of damaged, wrong-lot, quarantined and extra units we hold."))


class ScanOut(BaseModel):
    outcome: str = Field(description="received, extra or duplicate")
    action: str
    identifier: str
    units: int = Field(description="Units the scan brought in (a case: its contents).")

    @classmethod
    def of(cls, s: Scanned) -> ScanOut:
        return cls(outcome=s.outcome, action=s.action, identifier=s.identifier, units=s.units)


class ShortageOut(BaseModel):
    container: str
    missing: int
    units: int
    whole: bool


class ExceptionOut(BaseModel):
    kind: str
    identifier: str | None
    detail: str


class ReceivingOut(BaseModel):
    id: int
    status: str
    shipment: str | None
    shipper: str | None
    reference: str | None
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None
    closed_by: str | None
    receipt_job: str | None
    investigation_id: int | None
    expected_lines: int
    scans: int
    counts: dict[str, int]
    units: dict[str, list[str]]
    reasons: dict[str, str]
    shortages: list[ShortageOut]
    exceptions: list[ExceptionOut]

    @classmethod
    def of(cls, v: View) -> ReceivingOut:
        r, b = v.receiving, v.board
        return cls(
            id=r.id, status="closed" if v.closed else "open", shipment=r.shipment,
            shipper=v.shipper, reference=r.reference, opened_at=r.opened_at, opened_by=r.opened_by,
            closed_at=r.closed_at, closed_by=r.closed_by, receipt_job=r.receipt_job_id,
            investigation_id=r.investigation_id, expected_lines=v.lines, scans=v.scans,
            counts={o: len(b.units[o]) for o in OUTCOMES}, units={o: b.units[o] for o in OUTCOMES},
            reasons=b.reasons,
            shortages=[ShortageOut(container=s.identifier, missing=s.missing, units=s.units,
                                   whole=s.whole) for s in b.shortages],
            exceptions=[ExceptionOut(kind=e.kind, identifier=e.identifier, detail=e.detail)
                        for e in v.exceptions])


class ReceivingSummary(BaseModel):
    id: int
    status: str
    shipment: str | None
    shipper: str | None
    reference: str | None
    opened_at: datetime
    scans: int
