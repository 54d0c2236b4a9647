"""EPC URN / GS1 Digital Link -> constrained canonical Digital Link, for the event hash only.

This is the identifier normalisation of the CBV 2.0 event hash (EVENT-HASH.md 3g), kept
separate from :mod:`gs1.identifiers` on purpose: it reproduces the published hash vectors,
quirks included (no check-digit validation of DL input, lot dropped when a serial is
present, CPV removed, unknown shapes left alone). It must not be used to *validate*
identifiers.

>>> normalise("urn:epc:id:sgtin:0614141.011111.987")
'https://id.gs1.org/01/00614141111114/21/987'
>>> normalise("https://example.com/gtin/09780345418913/21/765tz?abc=211121")
'https://id.gs1.org/01/09780345418913/21/765tz'
>>> normalise("http://example.de/abc/9780345418913") is None
True
"""

from __future__ import annotations

import re

from gs1.checkdigit import check_digit

_ROOT = "https://id.gs1.org/"
_SERIAL = r"(?:%[0-9A-Fa-f]{2}|[!')(*+,.0-9:;=A-Za-z_-])"
_ENCODE = str.maketrans({c: f"%{ord(c):02X}" for c in "!()*+,:"})


_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_SERIAL_RE = re.compile(_SERIAL + "*")
_SGTIN = re.compile(r"(\d{6,12}\.\d{1,7})\.(" + _SERIAL + "+)")
_NEEDS_ENCODING = re.compile(r"[!()*+,:]")
_gtin_cache: dict[str, str] = {}
_cd_cache: dict[str, str] = {}


def _enc(text: str) -> str:
    return text.translate(_ENCODE)


def _cd(digits: str) -> str:
    """``digits`` + GS1 check digit, memoised (the same GTINs and GLNs recur)."""
    hit = _cd_cache.get(digits)
    if hit is None:
        hit = digits + check_digit(digits)
        if len(_cd_cache) < 1 << 14:
            _cd_cache[digits] = hit
    return hit


def _serial(text: str, low: int, high: int) -> bool:
    length = len(text) - 2 * text.count("%") if "%" in text else len(text)
    if "%" in text and len(_ESCAPE.sub("x", text)) != length:
        return False
    return low <= length <= high and _SERIAL_RE.fullmatch(text) is not None


def _cp(parts: list[str], total: int) -> bool:
    """Company prefix (6-12 digits) + reference digits summing to ``total``."""
    cp, ref = parts[0], parts[1]
    return (6 <= len(cp) <= 12 and cp.isdigit() and (ref.isdigit() or ref == "")
            and len(cp) + len(ref) == total)


def _gtin(cp: str, ref: str) -> str:
    return _cd(ref[:1] + cp + ref[1:])


def _sgtin(body: str) -> str | None:
    """The hot path (10 SGTINs per typical event): one regex, memoised GTIN."""
    m = _SGTIN.fullmatch(body)
    if m is None:
        return None
    key, serial = m.groups()
    gtin = _gtin_cache.get(key)
    if gtin is None:
        cp, ref = key.split(".")
        if len(cp) + len(ref) != 13:
            return None
        gtin = _gtin(cp, ref)
        if len(_gtin_cache) < 1 << 14:
            _gtin_cache[key] = gtin
    if "%" in serial:
        if len(_ESCAPE.sub("x", serial)) > 20:
            return None
    elif len(serial) > 20:
        return None
    if _NEEDS_ENCODING.search(serial):
        serial = _enc(serial)
    return f"{_ROOT}01/{gtin}/21/{serial}"


def _epc(scheme: str, body: str) -> str | None:  # noqa: C901 - one branch per EPC scheme
    if scheme == "sgtin":
        return _sgtin(body)
    p = body.split(".")
    n = len(p)
    if scheme == "sgtin" and n >= 3 and _cp(p, 13):
        serial = ".".join(p[2:])
        if _serial(serial, 1, 20):
            return f"{_ROOT}01/{_gtin(p[0], p[1])}/21/{_enc(serial)}"
    elif scheme == "sscc" and n == 2 and _cp(p, 17):
        return f"{_ROOT}00/{_cd(p[1][:1] + p[0] + p[1][1:])}"
    elif scheme == "sgln" and n >= 3 and _cp(p, 12):
        ext = ".".join(p[2:])
        if _serial(ext, 1, 20):
            gln = _cd(p[0] + p[1])
            return f"{_ROOT}414/{gln}" + ("" if ext == "0" else f"/254/{_enc(ext)}")
    elif scheme == "grai" and n >= 3 and _cp(p, 12):
        serial = ".".join(p[2:])
        if _serial(serial, 1, 16):
            return f"{_ROOT}8003/{_cd('0' + p[0] + p[1])}{_enc(serial)}"
    elif scheme in ("giai", "ginc") and n >= 2 and 6 <= len(p[0]) <= 12 and p[0].isdigit():
        ref = ".".join(p[1:])
        if _serial(ref, 1, 30 - len(p[0])):
            return f"{_ROOT}{'8004' if scheme == 'giai' else '401'}/{p[0]}{_enc(ref)}"
    elif scheme in ("gsrn", "gsrnp") and n == 2 and _cp(p, 17):
        return f"{_ROOT}{'8018' if scheme == 'gsrn' else '8017'}/{_cd(p[0] + p[1])}"
    elif scheme == "gdti" and n >= 3 and _cp(p, 12):
        serial = ".".join(p[2:])
        if _serial(serial, 0, 17):
            return f"{_ROOT}253/{_cd(p[0] + p[1])}{_enc(serial)}"
    elif scheme == "cpi" and n == 3 and 6 <= len(p[0]) <= 12 and p[0].isdigit():
        ref_ok = re.fullmatch(r"(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])+", p[1])
        if ref_ok and p[2].isdigit() and len(p[2]) <= 12:
            return f"{_ROOT}8010/{_enc(p[0] + p[1])}/8011/{p[2]}"
    elif scheme == "sgcn" and n == 3 and _cp(p, 12) and p[2].isdigit() and len(p[2]) <= 12:
        return f"{_ROOT}255/{_cd(p[0] + p[1])}{p[2]}"
    elif scheme == "gsin" and n == 2 and _cp(p, 16):
        return f"{_ROOT}402/{_cd(p[0] + p[1])}"
    elif scheme == "itip" and n >= 5 and _cp(p, 13) and all(
        len(x) == 2 and x.isdigit() for x in p[2:4]
    ):
        serial = ".".join(p[4:])
        if _serial(serial, 1, 20):
            return f"{_ROOT}8006/{_gtin(p[0], p[1])}{p[2]}{p[3]}/21/{_enc(serial)}"
    elif scheme == "upui" and n >= 3 and _cp(p, 13):
        serial = ".".join(p[2:])
        if _serial(serial, 1, 28):
            return f"{_ROOT}01/{_gtin(p[0], p[1])}/235/{_enc(serial)}"
    elif scheme == "pgln" and n == 2 and _cp(p, 12):
        return f"{_ROOT}417/{_cd(p[0] + p[1])}"
    return None


def _idpat(scheme: str, body: str) -> str | None:
    p = body.split(".")
    if p[-1] != "*":
        return None
    p = p[:-1]
    if scheme in ("sgtin", "upui") and len(p) == 2 and _cp(p, 13):
        return f"{_ROOT}01/{_gtin(p[0], p[1])}"
    if scheme == "grai" and len(p) == 2 and _cp(p, 12):
        return f"{_ROOT}8003/{_cd('0' + p[0] + p[1])}"
    if scheme in ("gdti", "sgcn") and len(p) == 2 and _cp(p, 12):
        return f"{_ROOT}{'253' if scheme == 'gdti' else '255'}/{_cd(p[0] + p[1])}"
    if scheme == "cpi" and len(p) == 2 and 6 <= len(p[0]) <= 12 and p[0].isdigit():
        return f"{_ROOT}8010/{_enc(p[0] + p[1])}"
    if scheme == "itip" and len(p) == 4 and _cp(p, 13) and all(
        len(x) == 2 and x.isdigit() for x in p[2:]
    ):
        return f"{_ROOT}8006/{_gtin(p[0], p[1])}{p[2]}{p[3]}"
    return None


_KEYS = ("01|gtin|8006|itip|8010|cpid|414|gln|417|party|8017|gsrnp|8018|gsrn|255|gcn|00|sscc"
         "|253|gdti|401|ginc|402|gsin|8003|grai|8004|giai")
_DL_SHAPE = re.compile(rf"https?:[^?#]*/(?:{_KEYS})/\d{{4}}[^/]")
_SHORT = (("/gtin/", "/01/"), ("/itip/", "/8006/"), ("/cpid/", "/8010/"), ("/gln/", "/414/"),
          ("/party/", "/417/"), ("/gsrnp/", "/8017/"), ("/gsrn/", "/8018/"),
          ("/gcn/", "/255/"), ("/sscc/", "/00/"), ("/gdti/", "/253/"), ("/ginc/", "/401/"),
          ("/gsin/", "/402/"), ("/grai/", "/8003/"), ("/giai/", "/8004/"), ("/cpv/", "/22/"),
          ("/lot/", "/10/"), ("/ser/", "/21/"))
_CANONICAL = re.compile(
    r"https://id.gs1.org/(?:01|8006|8010|414|417|8017|8018|255|00|253|401|402|8003|8004)"
    r"/\d{4}[^/]")
_PRIMARY = ("00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006",
            "8010", "8017", "8018")
_X = "[\"'\\-.0-9;-?A-Z_a-z]"
_CPV = re.compile(r"(https://id.gs1.org/(?:8006/\d{18}|01/\d{14}))/22/[^/]*(.*)")
_CPV_TAIL = re.compile(r"[/\"'\-.0-9;-?A-Z_a-z]{0,20}")
_LOT_SER = re.compile(rf"(https://id.gs1.org/(?:8006/\d{{18}}|01/\d{{14}}))/10/{_X}{{0,20}}"
                      rf"(/21/{_X}{{0,20}})")
_VALID = re.compile(
    "https://id.gs1.org/(?:"
    rf"00/\d{{18}}|01/\d{{14}}(?:/21/{_X}{{0,20}}|/10/{_X}{{0,20}}|/235/{_X}{{0,28}})?"
    rf"|253/\d{{13}}{_X}{{0,17}}|255/\d{{13}}\d{{0,12}}|401/{_X}{{0,30}}|402/\d{{17}}"
    rf"|414/\d{{13}}(?:/254/{_X}{{0,20}})?|417/\d{{13}}|8003/\d{{14}}{_X}{{0,16}}"
    rf"|8004/{_X}{{0,30}}|8006/\d{{18}}(?:/21/{_X}{{0,20}}|/10/{_X}{{0,20}})?"
    r"|8010/[#\-/0-9A-Z]{0,30}(?:/8011/\d{0,12})?|8017/\d{18}|8018/\d{18})"
)


def _digital_link(uri: str) -> str | None:
    if _DL_SHAPE.match(uri) is None:
        return None
    uri = uri.split("?", 1)[0]
    for short, ai in _SHORT:
        uri = uri.replace(short, ai)
    if _CANONICAL.match(uri) is None:
        for ai in _PRIMARY:
            at = uri.find(f"/{ai}/")
            if at != -1:
                uri = "https://id.gs1.org" + uri[at:]
                break
    m = re.match(r"https://id.gs1.org/01/(\d+)", uri)
    if m and len(m.group(1)) in (8, 12, 13):
        uri = uri.replace("/01/", "/01/" + "0" * (14 - len(m.group(1))))
    m = _CPV.match(uri)
    if m and _CPV_TAIL.fullmatch(uri[m.start(0) + len(m.group(1)) + 4:]):
        uri = m.group(1) + m.group(2)
    m = _LOT_SER.fullmatch(uri)
    if m:
        uri = m.group(1) + m.group(2)
    return uri if _VALID.fullmatch(uri) else None


_cache: dict[str, str | None] = {}


def normalise(value: object) -> str | None:
    """Canonical ``https://id.gs1.org/...`` form of an EPC URN or GS1 Digital Link URI.

    Returns None for anything that is not a recognised GS1 identifier (the hash then
    keeps the value unchanged).

    >>> normalise("urn:epc:id:sgln:4012345.00011.0")
    'https://id.gs1.org/414/4012345000115'
    >>> normalise("urn:epc:class:lgtin:4012345.012345.Lot987")
    'https://id.gs1.org/01/04012345123456/10/Lot987'
    >>> normalise("https://id.gs1.org/01/9780345418913/22/344/10/1223/21/765tz")
    'https://id.gs1.org/01/09780345418913/21/765tz'
    """
    if not isinstance(value, str):
        return None
    if value.startswith("urn:epc:id:sgtin:"):  # hot path; unique values, not cached
        return _sgtin(value[17:])
    if "." not in value:
        return None
    try:
        return _cache[value]
    except KeyError:
        pass
    result: str | None = None
    if value.startswith("urn:epc:"):
        kind, _, rest = value[8:].partition(":")
        scheme, _, body = rest.partition(":")
        if kind == "id":
            result = _epc(scheme, body)
        elif kind == "class" and scheme == "lgtin":
            p = body.split(".")
            if len(p) >= 3 and _cp(p, 13):
                lot = ".".join(p[2:])
                if _serial(lot, 1, 20):
                    result = f"{_ROOT}01/{_gtin(p[0], p[1])}/10/{_enc(lot)}"
        elif kind == "idpat":
            result = _idpat(scheme, body)
    elif value.startswith("http"):
        result = _digital_link(value)
    if len(_cache) < 1 << 16:
        _cache[value] = result
    return result
