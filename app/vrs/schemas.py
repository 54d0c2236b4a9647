"""Wire shapes of the requester API (the responder answers raw R1.3 JSON bytes)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from app.vrs.codes import SALEABLE_RETURN


class VerificationIn(BaseModel):
    """A product identifier to verify with its brand owner, as printed on the package."""

    model_config = ConfigDict(extra="forbid")

    gtin: str = Field(description="GTIN-14.")
    lot: str = Field(description="Lot (AI 10), up to 20 characters.")
    serial: str = Field(description="Serial (AI 21), up to 20 characters.")
    exp: str = Field(description="Expiry YYMMDD as printed (day 00: the month's end).")
    context: str = Field(default=SALEABLE_RETURN, description="R1.3 context.")


class VerificationOut(BaseModel):
    """One verification asked and what the responder answered."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    unit_id: int | None
    gtin: str
    serial: str
    lot: str
    expiry: date
    context: str
    corr_uuid: str
    responder_url: str
    status_code: int | None
    responder_gln: str | None
    verified: bool | None
    failure_reason: str | None
    additional_info: str | None
    error: str | None
    requested_at: datetime
