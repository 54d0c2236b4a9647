"""Pure VRS rules: request fields, the answer a unit's stored state gives, the R1.3 codes.

No database, no HTTP: :mod:`app.vrs.service` reads the unit and calls :func:`answer`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from gs1.errors import GS1Error
from gs1.identifiers import validate_ai82, validate_gln, validate_gtin
from scanners.text import expiry_date

VERSION = "1.3.0"
"""The GS1 US guideline release this responder speaks (``GS1US-Version`` header)."""
LINK_TYPE = "verificationService"
SALEABLE_RETURN = "dscsaSaleableReturn"

# verificationFailureReason (R1.3)
NO_MATCH_SERIAL = "No_match_GTIN_Serial"
NO_MATCH_LOT = "No_match_GTIN_Serial_Lot"
NO_MATCH_EXPIRY = "No_match_GTIN_Serial_Expiry"
NO_MATCH_LOT_EXPIRY = "No_match_GTIN_Serial_Lot_Expiry"
NOT_FOR_REDISTRIBUTION = "Not_for_re-distribution"
NO_REASON = "No_reason_provided"
MANUFACTURER_POLICY = "Manufacturer_policy"
FAILURE_REASONS = (NO_MATCH_SERIAL, NO_MATCH_LOT, NO_MATCH_EXPIRY, NO_MATCH_LOT_EXPIRY,
                   NOT_FOR_REDISTRIBUTION, NO_REASON, MANUFACTURER_POLICY)
# additionalInfo (R1.3), most severe first
ILLEGITIMATE, SUSPECT, RECALLED, EXPIRED = "Illegitimate", "Suspect", "Recalled", "Expired"
ADDITIONAL_INFO = (ILLEGITIMATE, SUSPECT, RECALLED, EXPIRED, "ExpirationExtended")

GONE = frozenset({"dispensed", "decommissioned", "destroyed"})
"""Unit statuses after which a package may not re-enter distribution."""

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_CONTEXT = re.compile(r"[A-Za-z0-9_.-]{1,50}")


class MalformedRequest(ValueError):
    """A request field is malformed; ``field`` names it (R1.3 answers 400)."""

    def __init__(self, field: str, message: str, found: str | None = None) -> None:
        super().__init__(message)
        self.field, self.found = field, found


@dataclass(frozen=True)
class Asked:
    """A checked verification request: what the requester asked about, and who asked."""

    gtin: str
    lot: str
    serial: str
    exp: str  # YYMMDD as sent
    expiry: date  # day 00 read as the month's last day
    context: str
    req_gln: str
    corr_uuid: str


@dataclass(frozen=True)
class Answer:
    """The ``data`` member of an R1.3 response."""

    verified: bool
    reason: str | None = None
    info: str | None = None

    def to_json(self) -> dict:
        """The ``data`` object: ``verified``, then the optional codes when present."""
        data: dict = {"verified": self.verified}
        if self.reason:
            data["verificationFailureReason"] = self.reason
        if self.info:
            data["additionalInfo"] = self.info
        return data


def parse_expiry(value: str, today: date, field: str = "exp") -> date:
    """A YYMMDD expiry (day 00: the last day of the month) as a date.

    >>> parse_expiry("280200", date(2026, 12, 6))
    datetime.date(2028, 2, 29)
    >>> parse_expiry("2802", date(2026, 12, 6))
    Traceback (most recent call last):
    app.vrs.codes.MalformedRequest: exp: expected YYMMDD (6 digits, day 00 for the month's end), got '2802'
    """
    if not (len(value) == 6 and value.isascii() and value.isdigit()):
        raise MalformedRequest(
            field, f"{field}: expected YYMMDD (6 digits, day 00 for the month's end), got {value!r}",
            value)
    try:
        return expiry_date(value, "17", value, 0, today.year)
    except GS1Error as exc:
        raise MalformedRequest(field, f"{field}: {exc}", value) from None


def check_gtin(value: str, field: str = "gtin") -> str:
    """A GTIN-14 with a good check digit, as VRS requests carry it.

    >>> check_gtin("00312345060016")
    Traceback (most recent call last):
    app.vrs.codes.MalformedRequest: gtin: GTIN '00312345060016': expected check digit 5 at position 14, got 6
    """
    if len(value) != 14:
        raise MalformedRequest(field, f"{field}: expected 14 digits (GTIN-14), got {value!r}", value)
    try:
        return validate_gtin(value)
    except GS1Error as exc:
        raise MalformedRequest(field, f"{field}: {exc}", value) from None


def check_request(
    *, gtin: str, lot: str, serial: str, exp: str | None, link_type: str | None,
    context: str | None, req_gln: str | None, corr_uuid: str | None, today: date,
) -> Asked:
    """Check every field of a verification request, naming the first malformed one.

    >>> asked = check_request(gtin="00312345060015", lot="A1", serial="S1", exp="281100",
    ...     link_type="verificationService", context="dscsaSaleableReturn",
    ...     req_gln="0360001000004", corr_uuid="3fa85f64-5717-4562-b3fc-2c963f66afa6",
    ...     today=date(2026, 12, 6))
    >>> asked.expiry
    datetime.date(2028, 11, 30)
    """
    check_gtin(gtin)
    fields = {"lot": (lambda v: validate_ai82("lot", v), lot),
              "serial": (lambda v: validate_ai82("serial", v), serial)}
    for name, (check, value) in fields.items():
        try:
            check(value)
        except GS1Error as exc:
            raise MalformedRequest(name, f"{name}: {exc}", value) from None
    for name, given in (("exp", exp), ("linkType", link_type), ("context", context),
                        ("reqGLN", req_gln), ("corrUUID", corr_uuid)):
        if not given:
            raise MalformedRequest(name, f"{name}: required, got nothing")
    assert exp and context and req_gln and corr_uuid  # each checked just above
    if link_type != LINK_TYPE:
        raise MalformedRequest("linkType", f"linkType: expected {LINK_TYPE!r}, got {link_type!r}",
                               link_type)
    if not _CONTEXT.fullmatch(context):
        raise MalformedRequest("context", f"context: expected a token such as {SALEABLE_RETURN!r}"
                               f" (1 to 50 letters, digits, '_', '.', '-'), got {context!r}", context)
    try:
        validate_gln(req_gln)
    except GS1Error as exc:
        raise MalformedRequest("reqGLN", f"reqGLN: {exc}", req_gln) from None
    if not _UUID.fullmatch(corr_uuid):
        raise MalformedRequest("corrUUID", "corrUUID: expected a UUID "
                               f"(8-4-4-4-12 hex digits), got {corr_uuid!r}", corr_uuid)
    return Asked(gtin, lot, serial, exp, parse_expiry(exp, today), context, req_gln, corr_uuid)


def check_version(header: str | None) -> None:
    """Accept a ``GS1US-Version`` of release 1 (absent: the current one).

    >>> check_version("1.2.0"); check_version(None)
    >>> check_version("2.0")
    Traceback (most recent call last):
    app.vrs.codes.MalformedRequest: GS1US-Version: expected a 1.x release (this responder speaks 1.3.0), got '2.0'
    """
    if header is not None and not re.fullmatch(r"1(\.\d+){0,2}", header.strip()):
        raise MalformedRequest("GS1US-Version", f"GS1US-Version: expected a 1.x release "
                               f"(this responder speaks {VERSION}), got {header!r}", header)


def additional_info(status: str, expiry: date | None, today: date) -> str | None:
    """The one ``additionalInfo`` code a unit's state gives, the most severe first.

    The one place unit state becomes a flag: investigations (illegitimate product) add theirs
    here.

    >>> additional_info("quarantined", date(2020, 1, 1), date(2026, 1, 1))
    'Suspect'
    >>> additional_info("received", date(2020, 1, 1), date(2026, 1, 1))
    'Expired'
    >>> additional_info("received", None, date(2026, 1, 1)) is None
    True
    """
    if status == "quarantined":
        return SUSPECT
    if status == "recalled":
        return RECALLED
    if expiry is not None and expiry < today:
        return EXPIRED
    return None


def answer(unit: tuple[str | None, date | None, str] | None, asked: Asked, today: date) -> Answer:
    """What the brand owner's records say of ``asked``; ``unit`` is the stored
    ``(lot, expiry, status)`` of the GTIN and serial, or None when there is no such unit.

    A mismatch says nothing about the unit's state (the requester does not hold the package
    it claims); a package that left distribution (dispensed, decommissioned, destroyed) is
    not for re-distribution.

    >>> asked = Asked("00312345060015", "A1", "S1", "281100", date(2028, 11, 30),
    ...               "dscsaSaleableReturn", "0360001000004", "x")
    >>> answer(None, asked, date(2026, 1, 1)).to_json()
    {'verified': False, 'verificationFailureReason': 'No_match_GTIN_Serial'}
    >>> answer(("B2", date(2028, 11, 30), "received"), asked, date(2026, 1, 1)).reason
    'No_match_GTIN_Serial_Lot'
    >>> answer(("A1", date(2028, 11, 30), "recalled"), asked, date(2026, 1, 1)).to_json()
    {'verified': True, 'additionalInfo': 'Recalled'}
    """
    if unit is None:
        return Answer(False, NO_MATCH_SERIAL)
    lot, expiry, status = unit
    lot_ok, expiry_ok = lot == asked.lot, expiry == asked.expiry
    if not (lot_ok or expiry_ok):
        return Answer(False, NO_MATCH_LOT_EXPIRY)
    if not lot_ok:
        return Answer(False, NO_MATCH_LOT)
    if not expiry_ok:
        return Answer(False, NO_MATCH_EXPIRY)
    info = additional_info(status, expiry, today)
    if status in GONE:
        return Answer(False, NOT_FOR_REDISTRIBUTION, info)
    return Answer(True, None, info)
