"""One name per unit: GS1 Digital Link identifiers become EPC URNs before the rules run.

A partner may name a unit ``https://id.gs1.org/01/00312345600112/21/5`` in one document and
``urn:epc:id:sgtin:0312345.060011.5`` in another; the custody chain must be one. The URN
needs the GS1 company prefix length, taken from the product record, else from an exact
company prefix (of a known product, a known SGLN, or an EPC URN in the same document) that the key
starts with. Without either, the identifier stays as written: a partner GLN does not say
where its company prefix ends, and a guessed length would name another unit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from urllib.parse import unquote

from epcis.dl import normalise
from gs1.errors import GS1Error
from gs1.identifiers import parse_epc_uri, sgtin_uri, sscc_uri, uri_escape, uri_unescape

_SGTIN = re.compile(r"https://id\.gs1\.org/01/(\d{14})/21/([^/?#]+)$")
_SSCC = re.compile(r"https://id\.gs1\.org/00/(\d{18})$")


EPC_ID = "urn:epc:id:"
SGTIN = "urn:epc:id:sgtin:"
SSCC = "urn:epc:id:sscc:"


def company_prefix(identifier: str, schemes: tuple[str, ...] | None = None) -> str | None:
    """The company prefix an EPC URN starts with (of one of ``schemes``, when given).

    >>> company_prefix("urn:epc:id:sgln:0312345.00000.0"), company_prefix("https://x/01/1")
    ('0312345', None)
    >>> company_prefix("urn:epc:id:sgln:0312345.00000.0", ("sgtin", "sscc")) is None
    True
    """
    if not identifier.startswith(EPC_ID):
        return None
    scheme, _, rest = identifier[len(EPC_ID):].partition(":")
    if not rest or (schemes is not None and scheme not in schemes):
        return None
    return rest.split(".", 1)[0]


def key_fields(identifier: str) -> tuple[str, str, str] | None:
    """``(company prefix, indicator or extension digit, rest of the key)`` of an SGTIN or
    SSCC EPC URN; None for anything else (or a malformed one).

    Whatever the partition, prefix + rest is the same digits for one GTIN or SSCC.

    >>> key_fields("urn:epc:id:sgtin:0312345.060011.5"), key_fields("urn:epc:id:sgtin:031234.5600112.5")
    (('0312345', '0', '60011'), ('031234', '5', '600112'))
    >>> key_fields("urn:epc:id:sscc:0312345.0000000001"), key_fields("urn:epc:id:sgln:0312345.00000.0")
    (('0312345', '0', '000000001'), None)
    """
    for scheme, digits, parts in ((SGTIN, 13, 3), (SSCC, 17, 2)):
        if identifier.startswith(scheme):
            fields = identifier[len(scheme):].split(".", parts - 1)
            if len(fields) != parts:
                return None
            cp, ref = fields[0], fields[1]
            if not (cp + ref).isdigit() or not cp.isascii() or len(cp + ref) != digits:
                return None
            return cp, ref[:1], ref[1:]
    return None


def escaped_canonically(identifier: str) -> str:
    """An SGTIN URN with its serial percent-escaped as the Tag Data Standard writes it (the
    same serial has one spelling, so one unit one name); anything else unchanged.

    >>> escaped_canonically("urn:epc:id:sgtin:0312345.060011.S%34%2f.1")
    'urn:epc:id:sgtin:0312345.060011.S4%2F.1'
    >>> escaped_canonically("urn:epc:id:sgtin:0312345.060011.%zz")
    'urn:epc:id:sgtin:0312345.060011.%zz'
    """
    fields = identifier[len(SGTIN):].split(".", 2)
    if "%" not in identifier or not identifier.startswith(SGTIN) or len(fields) != 3:
        return identifier
    try:
        serial = uri_escape(uri_unescape("serial", fields[2]))
    except GS1Error:
        return identifier
    return f"{SGTIN}{fields[0]}.{fields[1]}.{serial}"


def prefix_length(key_body: str, prefixes: Iterable[str]) -> int | None:
    """Length of the known company prefix that ``key_body`` starts with (the longest, should
    the set not be prefix-free as GS1 company prefixes are).

    >>> prefix_length("0312345600112", {"031234", "0312345", "03123450"})
    7
    >>> prefix_length("0999999600112", {"0312345"}) is None
    True
    """
    found = [len(p) for p in prefixes if key_body.startswith(p)]
    return max(found) if found else None


def to_urn(identifier: str, length_for: Callable[[str, str], int | None]) -> str:
    """The EPC URN of a Digital Link SGTIN or SSCC, when its prefix length is known.

    ``length_for(kind, key)`` gives the company prefix length of a GTIN-14 or SSCC-18.

    >>> to_urn("https://id.gs1.org/01/00312345600112/21/A%2F5", lambda kind, key: 7)
    'urn:epc:id:sgtin:0312345.060011.A%2F5'
    >>> to_urn("https://id.gs1.org/00/003123450000000011", lambda kind, key: 7)
    'urn:epc:id:sscc:0312345.0000000001'
    >>> to_urn("urn:epc:id:sgtin:0312345.060011.5", lambda kind, key: None)
    'urn:epc:id:sgtin:0312345.060011.5'
    """
    if not identifier.startswith("http"):
        return identifier
    canonical = normalise(identifier) or identifier
    try:
        if match := _SGTIN.match(canonical):
            n = length_for("gtin", match.group(1))
            return sgtin_uri(match.group(1), unquote(match.group(2)), n) if n else identifier
        if match := _SSCC.match(canonical):
            n = length_for("sscc", match.group(1))
            return sscc_uri(match.group(1), n) if n else identifier
    except GS1Error:
        return identifier
    return identifier


def unit_key(name: str) -> tuple[str | None, ...] | str:
    """What ``name`` identifies, however it is spelt: ``(gtin, serial)`` of an SGTIN and
    ``(sscc,)`` of an SSCC, as an EPC URN (any partition, any escaping) or a GS1 Digital Link;
    anything else is its own key.

    >>> unit_key("urn:epc:id:sgtin:0312345.060011.S%34") == unit_key("https://id.gs1.org/01/00312345600112/21/S4")
    True
    >>> unit_key("urn:epc:id:sscc:0312345.0000000001"), unit_key("urn:x")
    (('003123450000000011',), 'urn:x')
    """
    if name.startswith("http"):
        canonical = normalise(name) or name
        if match := _SGTIN.match(canonical):
            return match.group(1), unquote(match.group(2))
        if match := _SSCC.match(canonical):
            return (match.group(1),)
        return name
    try:
        key = parse_epc_uri(name)
    except GS1Error:
        return name
    return {"sgtin": (key.gtin, key.serial), "sscc": (key.sscc,)}.get(key.kind, name)
