"""The validated product identifier every scan becomes."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gs1.errors import GS1Error
from gs1.identifiers import (
    EpcKey,
    element_string,
    gtin_to_ndc10,
    ndc11,
    parse_epc_uri,
    validate_ai82,
    validate_gtin,
    validate_sscc,
)
from scanners.text import GS, ScanText, parse_text


@dataclass(frozen=True)
class ProductIdentifier:
    """A DSCSA product identifier (GTIN + serial + lot + expiry) or a logistic unit (SSCC).

    ``symbology`` and ``raw`` record where it came from and do not take part in
    equality, so the same identifier scanned from a label and typed by hand compare equal.

    >>> pi = parse_product("]d2010031234567890621ABC123\\x1d10LOT1\\x1d17260500")
    >>> pi.gtin, pi.serial, pi.lot, pi.expiry.isoformat(), pi.ndc10
    ('00312345678906', 'ABC123', 'LOT1', '2026-05-31', '1234567890')
    >>> pi.hri
    '(01)00312345678906(17)260531(10)LOT1(21)ABC123'
    """

    gtin: str | None = None
    serial: str | None = None
    lot: str | None = None
    expiry: date | None = None
    sscc: str | None = None
    symbology: str | None = field(default=None, compare=False)
    raw: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.gtin is None and self.sscc is None:
            raise GS1Error("product identifier: expected a GTIN or an SSCC, got neither")
        if self.gtin is not None:
            object.__setattr__(self, "gtin", validate_gtin(self.gtin))
        if self.sscc is not None:
            validate_sscc(self.sscc)
        if self.serial is not None:
            validate_ai82("serial", self.serial)
        if self.lot is not None:
            validate_ai82("lot", self.lot)

    @property
    def ndc10(self) -> str | None:
        """The 10-digit NDC (unhyphenated) when the GTIN is a US NDC-based one."""
        return gtin_to_ndc10(self.gtin) if self.gtin else None

    def ndc11(self, segmentation: str) -> str | None:
        """The 11-digit NDC given the labeler's segmentation (``4-4-2``, ``5-3-2``, ``5-4-1``).

        >>> parse_product("(01)00312345678906").ndc11("5-3-2")
        '12345067890'
        """
        return ndc11(self.ndc10, segmentation) if self.ndc10 else None

    def expired(self, on: date | None = None) -> bool:
        """True when the expiry date is before ``on`` (today by default).

        >>> parse_product("(01)00312345678906(17)141120").expired(date(2014, 11, 21))
        True
        """
        return self.expiry is not None and self.expiry < (on or date.today())

    @property
    def complete(self) -> bool:
        """True when all four DSCSA elements (GTIN, serial, lot, expiry) are present."""
        return None not in (self.gtin, self.serial, self.lot, self.expiry)

    @property
    def element_pairs(self) -> tuple[tuple[str, str], ...]:
        """(AI, value) pairs in label order: fixed-length first, so separators are fewest."""
        expiry = self.expiry.strftime("%y%m%d") if self.expiry else None
        pairs = (("00", self.sscc), ("01", self.gtin), ("17", expiry), ("10", self.lot),
                 ("21", self.serial))
        return tuple((ai, v) for ai, v in pairs if v is not None)

    def element_string(self, separator: str = GS) -> str:
        """The GS1 element string (no symbology identifier), GS after variable values."""
        return element_string(self.element_pairs, separator)

    @property
    def hri(self) -> str:
        """Human-readable interpretation, ``(01)...(17)...(10)...(21)...``."""
        return "".join(f"({ai}){v}" for ai, v in self.element_pairs)

    def epc(self, company_prefix_length: int) -> EpcKey:
        """The EPC: SSCC, SGTIN when serialised, else the LGTIN class when a lot is known.

        >>> parse_product("(01)00312345678906(21)A1").epc(7).uri
        'urn:epc:id:sgtin:0312345.067890.A1'
        """
        n = company_prefix_length
        if self.sscc:
            return EpcKey("sscc", n, sscc=self.sscc)
        if self.serial:
            return EpcKey("sgtin", n, gtin=self.gtin, serial=self.serial)
        if self.lot:
            return EpcKey("lgtin", n, gtin=self.gtin, lot=self.lot)
        raise GS1Error(f"product identifier {self.hri!r}: expected a serial, lot or SSCC to"
                       " form an EPC")

    def digital_link(self, host: str = "https://id.gs1.org") -> str:
        """GS1 Digital Link URI: key and qualifiers in the path, expiry as ``?17=``.

        >>> parse_product("(01)00312345678906(17)260500(10)L1(21)S/1").digital_link()
        'https://id.gs1.org/01/00312345678906/10/L1/21/S%2F1?17=260531'
        """
        from urllib.parse import quote

        path = "".join(f"/{ai}/{quote(v, safe='')}" for ai, v in self.element_pairs
                       if ai != "17")
        query = f"?17={self.expiry.strftime('%y%m%d')}" if self.expiry else ""
        return host.rstrip("/") + path + query

    def to_json(self) -> dict[str, Any]:
        """The JSON object ``custody scan`` prints.

        Keys: symbology, raw, gtin, serial, lot, expiry (ISO date), ndc (10 digits), sscc.
        """
        return {"symbology": self.symbology, "raw": self.raw, "gtin": self.gtin,
                "serial": self.serial, "lot": self.lot,
                "expiry": self.expiry.isoformat() if self.expiry else None,
                "ndc": self.ndc10, "sscc": self.sscc}

    @classmethod
    def from_epc_uri(cls, uri: str) -> "ProductIdentifier":
        """From an SGTIN, LGTIN or SSCC EPC URI.

        >>> ProductIdentifier.from_epc_uri("urn:epc:id:sscc:0614141.1234567890").sscc
        '106141412345678908'
        """
        key = parse_epc_uri(uri)
        if key.kind not in ("sgtin", "lgtin", "sscc"):
            raise GS1Error(f"EPC URI {uri!r}: expected an SGTIN, LGTIN or SSCC, got {key.kind}",
                           value=uri)
        return cls(gtin=key.gtin, serial=key.serial, lot=key.lot, sscc=key.sscc, raw=uri)


def product_from_scan(scan: ScanText) -> ProductIdentifier:
    """Build the identifier from parsed elements (AI 01 or 00 required; 17 -> date)."""
    values = {e.ai: e for e in scan.elements}
    if "01" not in values and "00" not in values:
        found = ", ".join(f"({e.ai})" for e in scan.elements)
        raise GS1Error(f"{scan.raw!r}: expected AI (01) GTIN or (00) SSCC, got {found}",
                       value=scan.raw)
    # parse_text validated every value against its AI already: skip re-validation.
    product = object.__new__(ProductIdentifier)
    for name, ai in (("gtin", "01"), ("serial", "21"), ("lot", "10"), ("sscc", "00")):
        object.__setattr__(product, name, values[ai].value if ai in values else None)
    object.__setattr__(product, "expiry", values["17"].as_date if "17" in values else None)
    object.__setattr__(product, "symbology", scan.symbology)
    object.__setattr__(product, "raw", scan.raw)
    return product


def parse_product(text: str, separators: str = GS) -> ProductIdentifier:
    """Parse and validate scanner text (element string, HRI or Digital Link).

    >>> parse_product("010031234567890621A1|17261231", separators="|").expiry
    datetime.date(2026, 12, 31)
    >>> parse_product("(10)LOT1(21)S1")
    Traceback (most recent call last):
    gs1.errors.GS1Error: '(10)LOT1(21)S1': expected AI (01) GTIN or (00) SSCC, got (10), (21)
    """
    return product_from_scan(parse_text(text, separators))
