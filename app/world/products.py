"""Products: a US drug package as DSCSA transaction information names it."""

from __future__ import annotations

from dataclasses import dataclass

from app.models import Product
from gs1.identifiers import ndc_to_gtin, sgtin_uri


@dataclass(frozen=True)
class TradeItem:
    """A package-level trade item: NDC (5-4-1, hyphenated), name, strength, form, size."""

    ndc: str
    name: str
    strength: str
    dosage_form: str
    container_size: str
    company_prefix_length: int = 7

    @property
    def gtin(self) -> str:
        """Its GTIN-14 (the NDC in the ``03`` range).

        >>> TradeItem("12345-6001-1", "Zenterva", "50 mg/mL", "INJECTION", "1 vial").gtin
        '00312345600112'
        """
        return ndc_to_gtin(self.ndc)

    def sgtin(self, serial: str) -> str:
        """The SGTIN EPC URI of one serialized package.

        >>> TradeItem("12345-6001-1", "Zenterva", "50 mg/mL", "INJECTION", "1 vial").sgtin("7")
        'urn:epc:id:sgtin:0312345.060011.7'
        """
        return sgtin_uri(self.gtin, serial, self.company_prefix_length)

    @property
    def sgtin_pattern(self) -> str:
        """The EPC pattern of all its packages, the id of its EPCClass master data."""
        return self.sgtin("*").replace("urn:epc:id:", "urn:epc:idpat:", 1)

    def record(self, manufacturer_id: int | None, manufacturer_name: str) -> Product:
        """Its product record, made by ``manufacturer_name`` (a partner's id when onboarded)."""
        return Product(
            gtin=self.gtin,
            ndc=self.ndc,
            proprietary_name=self.name,
            strength=self.strength,
            dosage_form=self.dosage_form,
            container_size=self.container_size,
            manufacturer_id=manufacturer_id,
            manufacturer_name=manufacturer_name,
            company_prefix_length=self.company_prefix_length,
        )
