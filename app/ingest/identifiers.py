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
from gs1.identifiers import sgtin_uri, sscc_uri

_SGTIN = re.compile(r"https://id\.gs1\.org/01/(\d{14})/21/([^/?#]+)$")
_SSCC = re.compile(r"https://id\.gs1\.org/00/(\d{18})$")


EPC_ID = "urn:epc:id:"


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
