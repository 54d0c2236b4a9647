"""The SimpleEventQuery: its filter, read from the wire parameters, and its page tokens."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.errors import ValidationFailed
from app.models import EpcRole
from epcis.cbv import to_urn

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
               "AssociationEvent")


@dataclass(frozen=True)
class EventFilter:
    event_types: tuple[str, ...] = ()
    ge_time: datetime | None = None
    lt_time: datetime | None = None
    biz_steps: tuple[str, ...] = ()
    dispositions: tuple[str, ...] = ()
    biz_locations: tuple[str, ...] = ()
    epcs: tuple[str, ...] = ()  # MATCH_epc: epcList, childEPCs
    parent_ids: tuple[str, ...] = ()  # MATCH_parentID
    input_epcs: tuple[str, ...] = ()  # MATCH_inputEPC
    output_epcs: tuple[str, ...] = ()  # MATCH_outputEPC
    any_epcs: tuple[str, ...] = ()  # MATCH_anyEPC: any of the above

    @classmethod
    def parse(
        cls,
        *,
        event_type: str | None = None,
        ge_time: datetime | None = None,
        lt_time: datetime | None = None,
        biz_step: str | None = None,
        disposition: str | None = None,
        biz_location: str | None = None,
        match_epc: Sequence[str] | None = None,
        match_parent: Sequence[str] | None = None,
        match_input: Sequence[str] | None = None,
        match_output: Sequence[str] | None = None,
        match_any: Sequence[str] | None = None,
    ) -> EventFilter:
        """The filter the query parameters ask for (``MATCH_*``: each value as sent).

        >>> EventFilter.parse(event_type="ObjectEvent|AggregationEvent", biz_step="shipping")
        ... # doctest: +ELLIPSIS
        EventFilter(event_types=('ObjectEvent', 'AggregationEvent'), ..., biz_steps=('urn:epcglobal:cbv:bizstep:shipping',), ...)
        >>> EventFilter.parse(event_type="Object")
        Traceback (most recent call last):
        app.errors.ValidationFailed: eventType 'Object': expected one of ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent
        """
        types = _list(event_type)
        for t in types:
            if t not in EVENT_TYPES:
                raise ValidationFailed(f"eventType {t!r}: expected one of {', '.join(EVENT_TYPES)}",
                                       field="eventType", found=t)
        for name, value in (("GE_eventTime", ge_time), ("LT_eventTime", lt_time)):
            if value is not None and value.tzinfo is None:
                raise ValidationFailed(f"{name} {value.isoformat()!r} needs a time zone (Z or +hh:mm)",
                                       field=name, found=value.isoformat())
        return cls(
            types, ge_time, lt_time, tuple(to_urn("bizstep", v) for v in _list(biz_step)),
            tuple(to_urn("disp", v) for v in _list(disposition)), _list(biz_location),
            _values(match_epc), _values(match_parent), _values(match_input),
            _values(match_output), _values(match_any),
        )

    def named(self) -> list[tuple[EpcRole | None, tuple[str, ...]]]:
        """The identifier filters given, each with its role (None: any role)."""
        pairs = ((EpcRole.EPC, self.epcs), (EpcRole.PARENT, self.parent_ids),
                 (EpcRole.INPUT, self.input_epcs), (EpcRole.OUTPUT, self.output_epcs),
                 (None, self.any_epcs))
        return [(role, values) for role, values in pairs if values]


def _list(value: str | None) -> tuple[str, ...]:
    """EPCIS list parameters: values separated by ``|`` (or commas)."""
    if not value:
        return ()
    return tuple(v.strip() for v in value.replace(",", "|").split("|") if v.strip())


def _values(values: Sequence[str] | None) -> tuple[str, ...]:
    """A list parameter given once (``a|b``, ``a,b``) or repeated (``p=a&p=b``)."""
    return tuple(v for value in values or () for v in _list(value))


def encode_token(after: int) -> str:
    """The ``nextPageToken`` of the page after event id ``after``.

    >>> encode_token(42)
    'YWZ0ZXI6NDI'
    """
    return base64.urlsafe_b64encode(f"after:{after}".encode()).decode().rstrip("=")


def decode_token(token: str | None) -> int:
    """The event id a ``nextPageToken`` continues after (0 without a token).

    >>> decode_token("YWZ0ZXI6NDI"), decode_token(None)
    (42, 0)
    >>> decode_token("42")
    Traceback (most recent call last):
    app.errors.ValidationFailed: nextPageToken '42' is not a token this server issued
    """
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind == "after" and value.isdigit():
            return int(value)
    except ValueError:
        pass
    raise ValidationFailed(f"nextPageToken {token!r} is not a token this server issued",
                           field="nextPageToken", found=token)
