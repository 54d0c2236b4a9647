"""Wire shapes for products."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    gtin: str
    ndc: str
    proprietary_name: str
    strength: str | None
    dosage_form: str | None
    container_size: str | None
    manufacturer_name: str
    company_prefix_length: int
    storage_low_c: float | None = None
    storage_high_c: float | None = None
    excursion_budget_minutes: int | None = None


class StorageIn(BaseModel):
    """A product's labelled storage range (°C) and the time allowed outside it over the whole
    chain; all three null clears it."""

    storage_low_c: float | None = Field(ge=-273.15, le=100)
    storage_high_c: float | None = Field(ge=-273.15, le=100)
    excursion_budget_minutes: int | None = Field(default=0, ge=0, le=525_600)
