"""GS1 keys (GTIN-14, SSCC-18, GLN) and their EPC URI, element string and Digital Link forms.

Keys are kept as plain digit strings after validation; an `EpcKey` ties a key to the
serial, lot or GLN extension that makes it an EPC. EPC URIs follow the EPC Tag Data
Standard (TDS) pure-identity forms; going from a GS1 key to an EPC URI needs the GS1
company prefix length, which the digits alone do not tell.

>>> key = parse_epc_uri("urn:epc:id:sgtin:0614141.812345.6789")
>>> key.gtin, key.serial
('80614141123458', '6789')
>>> key.digital_link()
'https://id.gs1.org/01/80614141123458/21/6789'
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from gs1.checkdigit import check_digit
from gs1.errors import GS1Error

EpcKind = Literal["sgtin", "lgtin", "sscc", "sgln", "pgln"]

#: GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
AI82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
# TDS: these AI 82 characters are percent-escaped inside EPC URIs; all others stay literal.
_URI_ESCAPE = {c: f"%{ord(c):02X}" for c in "\"%&/<>?"}
# Fast paths: values made only of characters that need no escaping (the common case).
_URI_PLAIN = re.compile(r"[!'()*+,\-.0-9:;=A-Z_a-z]*")
_AI82_PLAIN = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*")
_DIGITS = frozenset("0123456789")
#: The NDC10 segmentations (labeler-product-package digit counts).
NDC_SEGMENTS = {"4-4-2": (4, 4, 2), "5-3-2": (5, 3, 2), "5-4-1": (5, 4, 1)}


def _check_key(name: str, value: str, length: int) -> str:
    if len(value) != length:
        raise GS1Error(f"{name} {value!r}: expected {length} digits, got {len(value)}", value=value)
    for i, ch in enumerate(value):
        if ch not in _DIGITS:
            raise GS1Error(
                f"{name} {value!r}: expected a digit at position {i + 1}, got {ch!r}",
                value=value,
                position=i + 1,
            )
    expected = check_digit(value[:-1])
    if value[-1] != expected:
        raise GS1Error(
            f"{name} {value!r}: expected check digit {expected} at position {length},"
            f" got {value[-1]}",
            value=value,
            position=length,
        )
    return value


def validate_gtin(value: str) -> str:
    """Validate a GTIN-8, -12, -13 or -14 and return it as GTIN-14 (left-padded with zeros).

    >>> validate_gtin("614141111114")
    '00614141111114'
    >>> validate_gtin("00614141111115")
    Traceback (most recent call last):
    gs1.errors.GS1Error: GTIN '00614141111115': expected check digit 4 at position 14, got 5
    """
    if len(value) not in (8, 12, 13, 14):
        raise GS1Error(
            f"GTIN {value!r}: expected 8, 12, 13 or 14 digits, got {len(value)}", value=value
        )
    return _check_key("GTIN", value, len(value)).rjust(14, "0")


def validate_sscc(value: str) -> str:
    """Validate an SSCC-18 (extension digit, company prefix, serial reference, check digit).

    >>> validate_sscc("106141411234567897")
    '106141411234567897'
    >>> validate_sscc("10614141123456789")
    Traceback (most recent call last):
    gs1.errors.GS1Error: SSCC '10614141123456789': expected 18 digits, got 17
    """
    return _check_key("SSCC", value, 18)


def validate_gln(value: str) -> str:
    """Validate a 13-digit GLN.

    >>> validate_gln("0614141000012")
    '0614141000012'
    >>> validate_gln("06141410000A2")
    Traceback (most recent call last):
    gs1.errors.GS1Error: GLN '06141410000A2': expected a digit at position 12, got 'A'
    """
    return _check_key("GLN", value, 13)


def validate_ai82(field: str, value: str, max_length: int = 20) -> str:
    """Check ``value`` is 1..``max_length`` characters of GS1 AI character set 82.

    >>> validate_ai82("serial", "ABC-123/x")
    'ABC-123/x'
    >>> validate_ai82("serial", "AB C")
    Traceback (most recent call last):
    gs1.errors.GS1Error: serial 'AB C': character ' ' at position 3 is not in GS1 character set 82
    """
    if not 1 <= len(value) <= max_length:
        raise GS1Error(
            f"{field} {value!r}: expected 1 to {max_length} characters, got {len(value)}",
            value=value,
        )
    if _AI82_PLAIN.fullmatch(value):
        return value
    for i, ch in enumerate(value):
        if ch not in AI82:
            raise GS1Error(
                f"{field} {value!r}: character {ch!r} at position {i + 1}"
                " is not in GS1 character set 82",
                value=value,
                position=i + 1,
            )
    return value


def uri_escape(value: str) -> str:
    """Percent-escape an AI 82 value for an EPC URI, as the Tag Data Standard prescribes.

    >>> uri_escape('A/B%C"&<>?z!')
    'A%2FB%25C%22%26%3C%3E%3Fz!'
    """
    return "".join(_URI_ESCAPE.get(c, c) for c in value)


def uri_unescape(field: str, value: str) -> str:
    """Undo `uri_escape`, refusing malformed escapes and characters outside AI 82.

    >>> uri_unescape("serial", "A%2Fb%25")
    'A/b%'
    >>> uri_unescape("serial", "A%2")
    Traceback (most recent call last):
    gs1.errors.GS1Error: serial 'A%2': expected two hex digits after '%' at position 2
    """
    if _URI_PLAIN.fullmatch(value):
        return value
    out, i = [], 0
    while i < len(value):
        ch, at = value[i], i + 1
        literal = ch != "%"
        if not literal:
            pair = value[i + 1 : i + 3]
            if len(pair) != 2 or not all(c in "0123456789abcdefABCDEF" for c in pair):
                raise GS1Error(
                    f"{field} {value!r}: expected two hex digits after '%' at position {i + 1}",
                    value=value,
                    position=i + 1,
                )
            ch, i = chr(int(pair, 16)), i + 3
        else:
            i += 1
        if ch not in AI82 or (literal and ch in _URI_ESCAPE):
            raise GS1Error(
                f"{field} {value!r}: character {ch!r} at position {at} is not allowed"
                " in an EPC URI (GS1 character set 82, with \" % & / < > ? percent-escaped)",
                value=value,
                position=at,
            )
        out.append(ch)
    return "".join(out)


def _check_prefix_length(length: int, low: int = 6, high: int = 12) -> int:
    if not low <= length <= high:
        raise GS1Error(f"company prefix length: expected {low} to {high}, got {length}")
    return length


@dataclass(frozen=True)
class EpcKey:
    """A GS1 key as an EPC: SGTIN, LGTIN (lot class), SSCC, SGLN or PGLN.

    Fields not used by ``kind`` are None. ``extension`` is the SGLN GLN extension
    (AI 254); None means no extension (``0`` in the URI). Construction validates.

    >>> EpcKey("sscc", 7, sscc="106141411234567897").uri
    'urn:epc:id:sscc:0614141.1123456789'
    """

    kind: EpcKind
    company_prefix_length: int
    gtin: str | None = None
    sscc: str | None = None
    gln: str | None = None
    serial: str | None = None
    lot: str | None = None
    extension: str | None = None

    def __post_init__(self) -> None:
        if self.kind in ("sgtin", "lgtin"):
            validate_gtin(self.gtin or "")
            _check_prefix_length(self.company_prefix_length)
        elif self.kind == "sscc":
            validate_sscc(self.sscc or "")
            _check_prefix_length(self.company_prefix_length)
        elif self.kind in ("sgln", "pgln"):
            validate_gln(self.gln or "")
            _check_prefix_length(self.company_prefix_length)
        else:
            raise GS1Error(f"EPC kind {self.kind!r}: expected sgtin, lgtin, sscc, sgln or pgln")
        if self.kind == "sgtin":
            validate_ai82("serial", self.serial or "")
        if self.kind == "lgtin":
            validate_ai82("lot", self.lot or "")
        if self.kind == "sgln" and self.extension is not None:
            validate_ai82("GLN extension", self.extension)

    @property
    def uri(self) -> str:
        """The EPC pure-identity URI (``urn:epc:id:...`` or ``urn:epc:class:lgtin:...``)."""
        n = self.company_prefix_length
        if self.kind in ("sgtin", "lgtin"):
            g = self.gtin or ""
            head = f"{g[1 : n + 1]}.{g[0]}{g[n + 1 : 13]}"
            if self.kind == "sgtin":
                return f"urn:epc:id:sgtin:{head}.{uri_escape(self.serial or '')}"
            return f"urn:epc:class:lgtin:{head}.{uri_escape(self.lot or '')}"
        if self.kind == "sscc":
            s = self.sscc or ""
            return f"urn:epc:id:sscc:{s[1 : n + 1]}.{s[0]}{s[n + 1 : 17]}"
        g = self.gln or ""
        if self.kind == "pgln":
            return f"urn:epc:id:pgln:{g[:n]}.{g[n:12]}"
        return f"urn:epc:id:sgln:{g[:n]}.{g[n:12]}.{uri_escape(self.extension or '0')}"

    @property
    def element_pairs(self) -> tuple[tuple[str, str], ...]:
        """(AI, value) pairs in element-string order.

        >>> parse_epc_uri("urn:epc:id:sgln:0614141.00001.0").element_pairs
        (('414', '0614141000012'),)
        """
        pairs = {
            "sgtin": (("01", self.gtin), ("21", self.serial)),
            "lgtin": (("01", self.gtin), ("10", self.lot)),
            "sscc": (("00", self.sscc),),
            "sgln": (("414", self.gln), ("254", self.extension)),
            "pgln": (("417", self.gln),),
        }[self.kind]
        return tuple((ai, v) for ai, v in pairs if v is not None)

    def element_string(self, separator: str = "\x1d") -> str:
        """The GS1 element string.

        Variable-length values are followed by ``separator`` (ASCII 29 by default) unless
        they come last.

        >>> parse_epc_uri("urn:epc:id:sgtin:0614141.812345.6789").element_string()
        '0180614141123458216789'
        """
        return element_string(self.element_pairs, separator)

    @property
    def hri(self) -> str:
        """The human-readable interpretation, ``(AI)value`` for each element.

        >>> parse_epc_uri("urn:epc:class:lgtin:0614141.812345.L1").hri
        '(01)80614141123458(10)L1'
        """
        return "".join(f"({ai}){v}" for ai, v in self.element_pairs)

    def digital_link(self, host: str = "https://id.gs1.org") -> str:
        """The GS1 Digital Link URI on ``host`` (values percent-encoded, RFC 3986).

        >>> parse_epc_uri("urn:epc:id:sgln:0614141.00001.x%2F1").digital_link()
        'https://id.gs1.org/414/0614141000012/254/x%2F1'
        """
        path = "".join(f"/{ai}/{quote(v, safe='')}" for ai, v in self.element_pairs)
        return host.rstrip("/") + path


#: AIs whose values have a fixed length, so no separator follows them.
FIXED_LENGTH_AIS = {"00": 18, "01": 14, "02": 14, "11": 6, "12": 6, "13": 6, "15": 6, "16": 6,
                    "17": 6, "20": 2, "410": 13, "411": 13, "412": 13, "413": 13, "414": 13,
                    "415": 13, "416": 13, "417": 13}


def element_string(pairs: "tuple[tuple[str, str], ...] | list[tuple[str, str]]",
                   separator: str = "\x1d") -> str:
    """Join (AI, value) pairs into an element string.

    Variable-length values that are not last end with ``separator``.

    >>> element_string([("01", "00614141111114"), ("10", "L1"), ("21", "S1")], "|")
    '010061414111111410L1|21S1'
    """
    out = []
    for i, (ai, value) in enumerate(pairs):
        out.append(ai + value)
        if i < len(pairs) - 1 and ai not in FIXED_LENGTH_AIS:
            out.append(separator)
    return "".join(out)


def _split_uri(uri: str, prefix: str, parts: int, numeric: int) -> list[str]:
    body = uri[len(prefix) :]
    fields = body.split(".", parts - 1) if numeric < parts else body.split(".")
    if len(fields) != parts:
        raise GS1Error(
            f"EPC URI {uri!r}: expected {parts} dot-separated fields after {prefix!r},"
            f" got {len(fields)}",
            value=uri,
        )
    offset = len(prefix) + 1
    for field in fields[:numeric]:
        for i, ch in enumerate(field):
            if ch not in _DIGITS:
                raise GS1Error(
                    f"EPC URI {uri!r}: expected a digit at position {offset + i}, got {ch!r}",
                    value=uri,
                    position=offset + i,
                )
        offset += len(field) + 1
    return fields


def _check_digits_total(uri: str, prefix: str, fields: list[str], total: int) -> int:
    got = len(fields[0]) + len(fields[1])
    if got != total:
        raise GS1Error(
            f"EPC URI {uri!r}: expected company prefix and reference to have {total} digits"
            f" together, got {got}",
            value=uri,
        )
    if not 6 <= len(fields[0]) <= 12:
        raise GS1Error(
            f"EPC URI {uri!r}: expected a company prefix of 6 to 12 digits, got {len(fields[0])}",
            value=uri,
            position=len(prefix) + 1,
        )
    return len(fields[0])


def parse_epc_uri(uri: str) -> EpcKey:
    """Parse an SGTIN, SSCC, SGLN, PGLN or LGTIN EPC URI.

    >>> parse_epc_uri("urn:epc:id:sscc:0614141.1234567890")
    EpcKey(kind='sscc', company_prefix_length=7, gtin=None, sscc='106141412345678908', \
gln=None, serial=None, lot=None, extension=None)
    >>> parse_epc_uri("urn:epc:id:sgtin:0614141.812345.A%2FB").serial
    'A/B'
    >>> parse_epc_uri("urn:epc:id:grai:0614141.12345.400")
    Traceback (most recent call last):
    gs1.errors.GS1Error: EPC URI 'urn:epc:id:grai:0614141.12345.400': expected a scheme of \
urn:epc:id:sgtin, sscc, sgln, pgln or urn:epc:class:lgtin
    """
    for prefix in ("urn:epc:id:sgtin:", "urn:epc:class:lgtin:"):
        if uri.startswith(prefix):
            cp, ref, tail = _split_uri(uri, prefix, 3, 2)
            n = _check_digits_total(uri, prefix, [cp, ref], 13)
            body = ref[:1] + cp + ref[1:]
            gtin = body + check_digit(body)
            if prefix.endswith("sgtin:"):
                return EpcKey("sgtin", n, gtin=gtin, serial=uri_unescape("serial", tail))
            return EpcKey("lgtin", n, gtin=gtin, lot=uri_unescape("lot", tail))
    if uri.startswith("urn:epc:id:sscc:"):
        cp, ref = _split_uri(uri, "urn:epc:id:sscc:", 2, 2)
        n = _check_digits_total(uri, "urn:epc:id:sscc:", [cp, ref], 17)
        body = ref[:1] + cp + ref[1:]
        return EpcKey("sscc", n, sscc=body + check_digit(body))
    if uri.startswith("urn:epc:id:sgln:"):
        cp, ref, ext = _split_uri(uri, "urn:epc:id:sgln:", 3, 2)
        n = _check_digits_total(uri, "urn:epc:id:sgln:", [cp, ref], 12)
        ext_value = None if ext == "0" else uri_unescape("GLN extension", ext)
        return EpcKey("sgln", n, gln=cp + ref + check_digit(cp + ref), extension=ext_value)
    if uri.startswith("urn:epc:id:pgln:"):
        cp, ref = _split_uri(uri, "urn:epc:id:pgln:", 2, 2)
        n = _check_digits_total(uri, "urn:epc:id:pgln:", [cp, ref], 12)
        return EpcKey("pgln", n, gln=cp + ref + check_digit(cp + ref))
    raise GS1Error(
        f"EPC URI {uri!r}: expected a scheme of urn:epc:id:sgtin, sscc, sgln, pgln"
        " or urn:epc:class:lgtin",
        value=uri,
    )


def sgtin_uri(gtin: str, serial: str, company_prefix_length: int) -> str:
    """SGTIN EPC URI for a GTIN (8 to 14 digits) and serial.

    >>> sgtin_uri("80614141123458", "6789", 7)
    'urn:epc:id:sgtin:0614141.812345.6789'
    """
    return EpcKey("sgtin", company_prefix_length, gtin=validate_gtin(gtin), serial=serial).uri


def lgtin_uri(gtin: str, lot: str, company_prefix_length: int) -> str:
    """LGTIN EPC class URI for a GTIN and lot.

    >>> lgtin_uri("80614141123458", "L-1", 7)
    'urn:epc:class:lgtin:0614141.812345.L-1'
    """
    return EpcKey("lgtin", company_prefix_length, gtin=validate_gtin(gtin), lot=lot).uri


def sscc_uri(sscc: str, company_prefix_length: int) -> str:
    """SSCC EPC URI.

    >>> sscc_uri("106141412345678908", 7)
    'urn:epc:id:sscc:0614141.1234567890'
    """
    return EpcKey("sscc", company_prefix_length, sscc=sscc).uri


def sgln_uri(gln: str, company_prefix_length: int, extension: str | None = None) -> str:
    """SGLN EPC URI; no extension (or ``"0"``) is written as ``.0``.

    >>> sgln_uri("0614141000012", 7)
    'urn:epc:id:sgln:0614141.00001.0'
    >>> sgln_uri("0614141000012", 7, "dock/2")
    'urn:epc:id:sgln:0614141.00001.dock%2F2'
    """
    ext = None if extension in (None, "0") else extension
    return EpcKey("sgln", company_prefix_length, gln=gln, extension=ext).uri


def pgln_uri(gln: str, company_prefix_length: int) -> str:
    """PGLN (party GLN) EPC URI.

    >>> pgln_uri("0614141000012", 7)
    'urn:epc:id:pgln:0614141.00001'
    """
    return EpcKey("pgln", company_prefix_length, gln=gln).uri


def epc_key_from_ais(ais: Mapping[str, str], company_prefix_length: int) -> EpcKey:
    """Build the EPC for already-parsed AI values.

    Tries SSCC (00), SGTIN (01+21), LGTIN (01+10), SGLN (414 [+254]) and PGLN (417), in
    that order.

    >>> epc_key_from_ais({"01": "80614141123458", "21": "6789", "10": "L1"}, 7).uri
    'urn:epc:id:sgtin:0614141.812345.6789'
    >>> epc_key_from_ais({"01": "80614141123458"}, 7)
    Traceback (most recent call last):
    gs1.errors.GS1Error: AIs (01): expected 00, 01 with 21 or 10, 414 or 417 to form an EPC
    """
    n = company_prefix_length
    if "00" in ais:
        return EpcKey("sscc", n, sscc=ais["00"])
    if "01" in ais and "21" in ais:
        return EpcKey("sgtin", n, gtin=validate_gtin(ais["01"]), serial=ais["21"])
    if "01" in ais and "10" in ais:
        return EpcKey("lgtin", n, gtin=validate_gtin(ais["01"]), lot=ais["10"])
    if "414" in ais:
        ext = ais.get("254")
        return EpcKey("sgln", n, gln=ais["414"], extension=None if ext in (None, "0") else ext)
    if "417" in ais:
        return EpcKey("pgln", n, gln=ais["417"])
    names = ", ".join(f"({ai})" for ai in ais)
    raise GS1Error(f"AIs {names}: expected 00, 01 with 21 or 10, 414 or 417 to form an EPC")


def gtin_to_ndc10(gtin: str) -> str | None:
    """The 10-digit NDC (unhyphenated) inside a US drug GTIN.

    None when the GTIN is not in the GS1 US NDC range (GTIN-14 = indicator, ``03``,
    NDC10, check digit).

    The NDC's 4-4-2 / 5-3-2 / 5-4-1 segmentation cannot be read from the digits; use
    `ndc11` with the segmentation from the FDA NDC directory to get the 11-digit form.

    >>> gtin_to_ndc10("00312345678906")
    '1234567890'
    >>> gtin_to_ndc10("00614141111114") is None
    True
    """
    gtin = validate_gtin(gtin)
    return gtin[3:13] if gtin[1:3] == "03" else None


def ndc11(ndc10: str, segmentation: str | None = None) -> str:
    """The 11-digit (5-4-2, billing) NDC, unhyphenated.

    ``ndc10`` is either hyphenated (``"1234-5678-90"``, the segmentation is read from
    it) or 10 plain digits with ``segmentation`` one of ``"4-4-2"``, ``"5-3-2"``,
    ``"5-4-1"``; the short segment gets a leading zero.

    >>> ndc11("1234-5678-90")
    '01234567890'
    >>> ndc11("1234567890", "5-3-2")
    '12345067890'
    >>> ndc11("1234567890")
    Traceback (most recent call last):
    gs1.errors.GS1Error: NDC '1234567890': expected a segmentation (4-4-2, 5-3-2 or 5-4-1) \
for an unhyphenated NDC
    """
    if "-" in ndc10:
        parts = ndc10.split("-")
        segmentation = "-".join(str(len(p)) for p in parts)
        digits = "".join(parts)
    else:
        digits = ndc10
        if segmentation is None:
            raise GS1Error(
                f"NDC {ndc10!r}: expected a segmentation (4-4-2, 5-3-2 or 5-4-1)"
                " for an unhyphenated NDC",
                value=ndc10,
            )
    if segmentation not in NDC_SEGMENTS:
        raise GS1Error(
            f"NDC {ndc10!r}: expected segmentation 4-4-2, 5-3-2 or 5-4-1, got {segmentation}",
            value=ndc10,
        )
    if len(digits) != 10 or not set(digits) <= _DIGITS:
        raise GS1Error(f"NDC {ndc10!r}: expected 10 digits", value=ndc10)
    a, b, _ = NDC_SEGMENTS[segmentation]
    labeler, product, package = digits[:a], digits[a : a + b], digits[a + b :]
    return labeler.rjust(5, "0") + product.rjust(4, "0") + package.rjust(2, "0")


def ndc_to_gtin(ndc10: str, indicator: str = "0") -> str:
    """The GTIN-14 for a 10-digit NDC (hyphens ignored) at packaging level ``indicator``.

    >>> ndc_to_gtin("1234-5678-90")
    '00312345678906'
    """
    digits = ndc10.replace("-", "")
    if len(digits) != 10 or not set(digits) <= _DIGITS or indicator not in _DIGITS:
        raise GS1Error(f"NDC {ndc10!r}: expected 10 digits", value=ndc10)
    body = indicator + "03" + digits
    return body + check_digit(body)
