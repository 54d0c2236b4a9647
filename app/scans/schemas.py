"""Wire shapes of ``POST /scans/verify``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.scans.service import Verdict, Verification


class ScanTextIn(BaseModel):
    """Scanner text: a wedge scanner's keystrokes, HRI or a GS1 Digital Link."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=1000, description=(
        "Element string (optionally `]d2`-prefixed, GS as `\\u001d` or `<GS>`), HRI "
        "`(01)...(21)...` or a Digital Link URI."))
    station: str | None = Field(default=None, max_length=100, description="Scan station name.")


class IdentifierOut(BaseModel):
    gtin: str | None
    serial: str | None
    lot: str | None
    expiry: date | None
    sscc: str | None
    epc: str | None


class UnitStateOut(BaseModel):
    identifier: str
    status: str
    lot: str | None
    expiry: date | None
    location: str | None
    product: str | None


class ScanRecordOut(BaseModel):
    id: int
    at: datetime
    station: str | None
    by: str | None


class VerifyOut(BaseModel):
    """One verdict with its reasons, the identifier read, and the unit's state when the
    operator may see it (it holds the unit, or the unit is in transit to it)."""

    verdict: Verdict
    reasons: list[str]
    identifier: IdentifierOut | None
    unit: UnitStateOut | None
    scan: ScanRecordOut

    @classmethod
    def of(cls, v: Verification) -> VerifyOut:
        p = v.product
        unit: dict[str, Any] | None = None
        if v.unit is not None:
            unit = {k: v.unit[k] for k in ("identifier", "status", "lot", "expiry", "location",
                                           "product")}
        return cls(
            verdict=v.verdict, reasons=v.reasons,
            identifier=IdentifierOut(gtin=p.gtin, serial=p.serial, lot=p.lot, expiry=p.expiry,
                                     sscc=p.sscc, epc=v.epc) if p else None,
            unit=UnitStateOut(**unit) if unit else None,
            scan=ScanRecordOut(id=v.scan.id, at=v.scan.scanned_at, station=v.scan.station,
                               by=v.scan.operator),
        )
