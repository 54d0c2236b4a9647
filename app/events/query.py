"""The SimpleEventQuery (EPCIS 2.0 section 8.2.7.1): its parameters read from the wire, and
the signed page tokens that continue it.

Every parameter is either understood or refused with a ``QueryParameterException`` naming
it: a filter Custody ignored would answer with events the caller did not ask for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from app.errors import CustodyError
from app.models import EpcRole
from epcis.cbv import to_urn

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
               "AssociationEvent")
ACTIONS = ("ADD", "OBSERVE", "DELETE")
ORDER_FIELDS = ("eventTime", "recordTime")
MAX_PER_PAGE = 1000


class QueryParameterException(CustodyError):
    """A query parameter is unknown, malformed or contradicts another (EPCIS 2.0 8.2.7)."""

    status, slug, title = 400, "query-parameter", "EPCIS query exception"

    @property
    def type(self) -> str:
        return "epcisException:QueryParameterException"


def refuse(name: str, value: str, expected: str) -> QueryParameterException:
    """The exception for parameter ``name`` given ``value`` where ``expected`` was wanted."""
    return QueryParameterException(f"{name} {value!r}: expected {expected}", field=name,
                                   expected=expected, found=value)


# Lists: values separated by | (or commas), or the parameter repeated; any value matches.
LISTS = ("eventType", "EQ_action", "EQ_bizStep", "EQ_disposition", "EQ_readPoint",
         "EQ_bizLocation", "MATCH_epc", "MATCH_parentID", "MATCH_inputEPC", "MATCH_outputEPC",
         "MATCH_anyEPC")
SINGLES = ("GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime", "orderBy",
           "orderDirection", "eventCountLimit", "perPage", "nextPageToken")
# EQ_<field>_<type>: the field's entries of that type (a CBV word or a URI) name a value.
TYPED = {"EQ_bizTransaction_": ("bizTransaction", "btt"), "EQ_source_": ("source", "sdt"),
         "EQ_destination_": ("destination", "sdt")}
SUPPORTED = ", ".join((*LISTS, *SINGLES, *(f"{p}<type>" for p in TYPED)))
ROLES = {"MATCH_epc": EpcRole.EPC, "MATCH_parentID": EpcRole.PARENT,
         "MATCH_inputEPC": EpcRole.INPUT, "MATCH_outputEPC": EpcRole.OUTPUT, "MATCH_anyEPC": None}


@dataclass(frozen=True)
class EventFilter:
    """What events must be to match. Each field given is one more condition."""

    event_types: tuple[str, ...] = ()
    ge_time: datetime | None = None
    lt_time: datetime | None = None
    ge_record_time: datetime | None = None
    lt_record_time: datetime | None = None
    actions: tuple[str, ...] = ()
    biz_steps: tuple[str, ...] = ()
    dispositions: tuple[str, ...] = ()
    read_points: tuple[str, ...] = ()
    biz_locations: tuple[str, ...] = ()
    # (role or None for any role, identifiers or patterns): the MATCH_* parameters
    identifiers: tuple[tuple[EpcRole | None, tuple[str, ...]], ...] = ()
    # (field, type URN, values): EQ_bizTransaction_<type>, EQ_source_<type>, EQ_destination_<type>
    references: tuple[tuple[str, str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class EventQuery:
    """A parsed query: the filter, the order, how many events in all and per page, the token."""

    filter: EventFilter
    order_by: str | None = None  # eventTime or recordTime; None: capture order
    descending: bool = True
    count_limit: int | None = None
    per_page: int = 30
    token: str | None = None

    @property
    def fingerprint(self) -> str:
        """What a page token is bound to: everything but the page size and the token."""
        asked = (self.filter, self.order_by, self.descending, self.count_limit)
        return hashlib.sha256(repr(asked).encode()).hexdigest()

    @classmethod
    def parse(cls, params: Iterable[tuple[str, str]]) -> EventQuery:
        """The query the wire parameters ask for; anything else is a QueryParameterException.

        >>> q = EventQuery.parse([("EQ_bizStep", "shipping"), ("EQ_bizTransaction_po", "urn:x")])
        >>> q.filter.biz_steps, q.filter.references
        (('urn:epcglobal:cbv:bizstep:shipping',), (('bizTransaction', 'urn:epcglobal:cbv:btt:po', ('urn:x',)),))
        >>> EventQuery.parse([("EQ_bizTransacton_po", "urn:x")])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        app.events.query.QueryParameterException: EQ_bizTransacton_po 'urn:x': expected a query parameter Custody supports: eventType, ...
        """
        lists: dict[str, list[str]] = {}
        singles: dict[str, str] = {}
        typed: dict[tuple[str, str], list[str]] = {}
        for name, value in params:
            if name in SINGLES:
                if name in singles:
                    raise refuse(name, value, f"{name} once (it was also given {singles[name]!r})")
                singles[name] = value
                continue
            prefix = next((p for p in TYPED if name.startswith(p)), None)
            if name in LISTS:
                values = lists.setdefault(name, [])
            elif prefix and name != prefix:
                field, kind = TYPED[prefix]
                values = typed.setdefault((field, to_urn(kind, name[len(prefix):])), [])
            else:
                raise refuse(name, value, f"a query parameter Custody supports: {SUPPORTED}")
            found = _split(value)
            if not found:
                raise refuse(name, value, "at least one value (several: separated by |)")
            values.extend(found)

        for t in lists.get("eventType", ()):
            if t not in EVENT_TYPES:
                raise refuse("eventType", t, f"one of {', '.join(EVENT_TYPES)}")
        for a in lists.get("EQ_action", ()):
            if a not in ACTIONS:
                raise refuse("EQ_action", a, f"one of {', '.join(ACTIONS)}")
        f = EventFilter(
            event_types=tuple(lists.get("eventType", ())),
            ge_time=_time(singles, "GE_eventTime"), lt_time=_time(singles, "LT_eventTime"),
            ge_record_time=_time(singles, "GE_recordTime"),
            lt_record_time=_time(singles, "LT_recordTime"),
            actions=tuple(lists.get("EQ_action", ())),
            biz_steps=tuple(to_urn("bizstep", v) for v in lists.get("EQ_bizStep", ())),
            dispositions=tuple(to_urn("disp", v) for v in lists.get("EQ_disposition", ())),
            read_points=tuple(lists.get("EQ_readPoint", ())),
            biz_locations=tuple(lists.get("EQ_bizLocation", ())),
            identifiers=tuple((role, tuple(lists[name])) for name, role in ROLES.items()
                              if name in lists),
            references=tuple((field, kind, tuple(values))
                             for (field, kind), values in typed.items()),
        )
        order_by = singles.get("orderBy")
        if order_by is not None and order_by not in ORDER_FIELDS:
            raise refuse("orderBy", order_by, "eventTime or recordTime (no extension field)")
        direction = singles.get("orderDirection", "DESC")
        if direction not in ("ASC", "DESC"):
            raise refuse("orderDirection", direction, "ASC or DESC")
        count_limit = _count(singles, "eventCountLimit", None)
        if count_limit is not None and order_by is None:
            raise refuse("eventCountLimit", singles["eventCountLimit"],
                         "orderBy too (the limit keeps the first events in that order)")
        return cls(f, order_by, direction == "DESC", count_limit,
                   _count(singles, "perPage", MAX_PER_PAGE) or 30, singles.get("nextPageToken"))


def _split(value: str) -> list[str]:
    """The values of a list parameter: separated by ``|`` (or commas)."""
    return [v.strip() for v in value.replace(",", "|").split("|") if v.strip()]


def _time(singles: dict[str, str], name: str) -> datetime | None:
    value = singles.get(name)
    if value is None:
        return None
    expected = "a date-time with a time zone, such as 2026-11-02T08:00:00Z"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise refuse(name, value, expected) from None
    if moment.tzinfo is None:
        raise refuse(name, value, expected)
    return moment


def _count(singles: dict[str, str], name: str, most: int | None) -> int | None:
    value = singles.get(name)
    if value is None:
        return None
    expected = f"a whole number from 1 to {most}" if most else "a whole number of at least 1"
    if not (value.isascii() and value.isdigit() and len(value) <= 18 and int(value) >= 1):
        raise refuse(name, value, expected)
    if most and int(value) > most:
        raise refuse(name, value, expected)
    return int(value)


# --- page tokens ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """Where the next page starts: after event ``after`` (and its order key), with
    ``remaining`` events of an ``eventCountLimit`` left to serve."""

    after: int = 0
    key: datetime | None = None
    remaining: int | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, binding: str, payload: str) -> bytes:
    return hmac.new(secret, f"{binding}\n{payload}".encode(), hashlib.sha256).digest()[:16]


def encode_token(position: Position, secret: bytes, binding: str) -> str:
    """An opaque ``nextPageToken``: the position, signed for this query and caller.

    >>> token = encode_token(Position(42), b"k", "q")
    >>> decode_token(token, b"k", "q")
    Position(after=42, key=None, remaining=None)
    >>> decode_token(token, b"k", "another query")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    app.events.query.QueryParameterException: nextPageToken '...': expected a token this server issued for this query and this key
    """
    fields = {"a": position.after, "k": position.key.isoformat() if position.key else None,
              "r": position.remaining}
    payload = _b64(json.dumps(fields, separators=(",", ":")).encode())
    return f"{payload}.{_b64(_mac(secret, binding, payload))}"


def decode_token(token: str | None, secret: bytes, binding: str) -> Position:
    """The position a token continues from (the start without one); a token this server did
    not sign for this query and caller is refused, whatever it holds."""
    if token is None:
        return Position()
    payload, _, mac = token.partition(".")
    try:
        good = hmac.compare_digest(_unb64(mac), _mac(secret, binding, payload))
    except ValueError:
        good = False
    if not good:
        raise refuse("nextPageToken", token, "a token this server issued for this query and this key")
    fields = json.loads(_unb64(payload))
    key = datetime.fromisoformat(fields["k"]) if fields["k"] else None
    return Position(fields["a"], key, fields["r"])
