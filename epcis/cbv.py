"""CBV 2.0 vocabularies: URN <-> bare word <-> Web URI, and the JSON-LD contexts known offline.

The model keeps CBV values as URNs (``urn:epcglobal:cbv:bizstep:shipping``). Readers
map the three spellings onto that form with :func:`to_urn`; the event hash maps URNs
onto Web URIs with :func:`to_web`.

>>> to_urn("bizstep", "shipping")
'urn:epcglobal:cbv:bizstep:shipping'
>>> to_urn("disp", "https://ref.gs1.org/cbv/Disp-in_transit")
'urn:epcglobal:cbv:disp:in_transit'
>>> to_web("urn:epcglobal:cbv:btt:po")
'https://ref.gs1.org/cbv/BTT-po'
"""

from __future__ import annotations

URN = "urn:epcglobal:cbv:"
WEB = "https://ref.gs1.org/cbv/"
GS1_VOC = "https://gs1.org/voc/"
#: Master-data namespace as EPCIS XML writes it (the JSON-LD context adds a trailing colon).
MDA = "urn:epcglobal:cbv:mda"
MDA_JSON = "urn:epcglobal:cbv:mda:"

#: URN kind -> Web URI term prefix.
KINDS = {"bizstep": "BizStep", "disp": "Disp", "btt": "BTT", "sdt": "SDT", "er": "ER"}

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


WORDS: dict[str, frozenset[str]] = {
    "bizstep": _words(
        "accepting arriving assembling collecting commissioning consigning "
        "creating_class_instance cycle_counting decommissioning departing destroying "
        "disassembling dispensing encoding entering_exiting holding inspecting installing "
        "killing loading other packing picking receiving removing repackaging repairing "
        "replacing reserving retail_selling sampling sensor_reporting shipping "
        "staging_outbound stock_taking stocking storing transporting unloading unpacking "
        "void_shipping"
    ),
    "disp": _words(
        "active available completeness_inferred completeness_verified conformant "
        "container_closed container_open damaged destroyed dispensed disposed encoded "
        "expired in_progress in_transit inactive mismatch_instance mismatch_class "
        "mismatch_quantity needs_replacement no_pedigree_match non_conformant "
        "non_sellable_other partially_dispensed recalled reserved retail_sold returned "
        "sellable_accessible sellable_not_accessible stolen unavailable unknown"
    ),
    "btt": _words("bol cert desadv inv pedigree po poc prodorder recadv rma testprd testres upevt"),
    "sdt": frozenset(("owning_party", "possessing_party", "location")),
    "er": frozenset(("did_not_occur", "incorrect_data")),
}

#: JSON-LD @context URLs whose content Custody knows; they are never fetched.
KNOWN_CONTEXTS = frozenset(
    {
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
        "https://gs1.github.io/EPCIS/epcis-context.jsonld",
        "https://ref.gs1.org/standards/epcis/2.0.1/epcis-context.jsonld",
    }
)

#: Prefixes the EPCIS 2.0 context defines, as Custody reads them (``cbvmda`` in its XML form).
CONTEXT_PREFIXES = {
    "epcis": "https://ref.gs1.org/epcis/",
    "cbv": WEB,
    "cbvmda": MDA,
    "gs1": GS1_VOC,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}

def to_urn(kind: str, value: str) -> str:
    """Return the URN form of a CBV value of ``kind`` (bizstep, disp, btt, sdt, er).

    Bare words, ``cbv:`` CURIEs and ``https://ref.gs1.org/cbv/`` Web URIs become URNs;
    anything else (a private vocabulary URI) is returned stripped but otherwise verbatim.

    >>> to_urn("sdt", "cbv:SDT-owning_party")
    'urn:epcglobal:cbv:sdt:owning_party'
    >>> to_urn("bizstep", "http://example.com/bizstep/x")
    'http://example.com/bizstep/x'
    """
    return URNS[kind][value]


def _urn(kind: str, value: str) -> str:
    text = value.strip()
    term = KINDS[kind] + "-"
    if text.startswith(WEB + term):
        return f"{URN}{kind}:{text[len(WEB) + len(term):]}"
    if text.startswith("cbv:" + term):
        return f"{URN}{kind}:{text[4 + len(term):]}"
    if text and ":" not in text and "/" not in text:
        return f"{URN}{kind}:{text}"
    return text


class _Urns(dict[str, str]):
    """``value -> URN`` for one CBV kind, computed on first use; at most 4096 kept."""

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def __missing__(self, value: str) -> str:
        urn = _urn(self.kind, value)
        if len(self) < 4096:
            self[value] = urn
        return urn


#: Memoised :func:`to_urn` per kind, for hot loops: ``URNS["bizstep"][value]`` (values repeat).
URNS = {kind: _Urns(kind) for kind in KINDS}


def is_standard(kind: str, urn: str) -> bool:
    """True when ``urn`` is a CBV 2.0 standard value of ``kind``.

    >>> is_standard("bizstep", "urn:epcglobal:cbv:bizstep:shipping")
    True
    >>> is_standard("bizstep", "urn:epcglobal:cbv:bizstep:teleporting")
    False
    """
    prefix = f"{URN}{kind}:"
    return urn.startswith(prefix) and urn[len(prefix):] in WORDS[kind]


def to_web(value: str) -> str:
    """Replace a CBV URN prefix (bizstep, disp, btt, sdt, er) by its Web URI form.

    >>> to_web("urn:epcglobal:cbv:bizstep:shipping")
    'https://ref.gs1.org/cbv/BizStep-shipping'
    >>> to_web("urn:epcglobal:cbv:bt:0614141073467:1152")
    'urn:epcglobal:cbv:bt:0614141073467:1152'
    """
    if URN not in value:
        return value
    for kind, term in KINDS.items():
        value = value.replace(f"{URN}{kind}:", f"{WEB}{term}-")
    return value


def gs1_term(value: str) -> str:
    """Return a GS1 Web Vocabulary term (sensor ``type``/``exception``) as a full URI.

    >>> gs1_term("Temperature"), gs1_term("gs1:MT-Speed")
    ('https://gs1.org/voc/Temperature', 'https://gs1.org/voc/MT-Speed')
    >>> gs1_term("example:someProperty")
    'example:someProperty'
    """
    text = value.strip()
    if text.startswith("gs1:"):
        return GS1_VOC + text[4:]
    if text and ":" not in text and "/" not in text:
        return GS1_VOC + text
    return text
