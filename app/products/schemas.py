"""Wire shapes for products."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


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
