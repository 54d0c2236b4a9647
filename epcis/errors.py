"""Errors raised by the EPCIS library; every one says where, what was expected and what was got."""

from __future__ import annotations


class EpcisError(ValueError):
    """Base class: a document could not be read, validated or converted.

    Args:
        message: one sentence for a person.
        field: the EPCIS field concerned (``eventTime``, ``epcList/epc`` ...), if any.
        expected: what a valid value looks like.
        found: what the document had (quoted, shortened).
        line / column: position in an XML document (1-based).
        pointer: RFC 6901 JSON pointer into a JSON document.
        event_index: 0-based index of the event in document order.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        expected: str | None = None,
        found: str | None = None,
        line: int | None = None,
        column: int | None = None,
        pointer: str | None = None,
        event_index: int | None = None,
    ) -> None:
        self.message = message
        self.field = field
        self.expected = expected
        self.found = found
        self.line = line
        self.column = column
        self.pointer = pointer
        self.event_index = event_index
        super().__init__(str(self))

    def location(self) -> str:
        """Where the problem is, e.g. ``event 3, line 12, column 5``."""
        parts = []
        if self.event_index is not None:
            parts.append(f"event {self.event_index}")
        if self.line is not None:
            parts.append(f"line {self.line}" + (f", column {self.column}" if self.column else ""))
        if self.pointer is not None:
            parts.append(f"at {self.pointer or '/'}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = self.message
        if self.field:
            text += f" [field {self.field}]"
        if self.expected is not None:
            text += f"; expected {self.expected}"
        if self.found is not None:
            text += f", got {self.found!r}"
        where = self.location()
        return f"{where}: {text}" if where else text

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready description (used by the CLI and the HTTP problem details)."""
        keys = ("message", "field", "expected", "found", "line", "column", "pointer", "event_index")
        return {k: getattr(self, k) for k in keys if getattr(self, k) is not None}


class HostileDocumentError(EpcisError):
    """The document uses DTDs, entities, external references or exceeds a safety limit."""


class UnsupportedFormatError(EpcisError):
    """The bytes are not a recognisable EPCIS document."""


class TooManyEventsError(EpcisError):
    """The document holds more events than :attr:`Limits.max_events <epcis.safexml.Limits>`.

    Raised at the first event past the limit, before it is read.
    """

    def __init__(self, limit: int, *, line: int | None = None, pointer: str | None = None,
                 event_index: int | None = None) -> None:
        super().__init__("document holds more events than the limit",
                         expected=f"at most {limit} events", found=f"more than {limit}",
                         line=line, pointer=pointer, event_index=event_index)
        self.limit = limit
