"""Public entry points: read any EPCIS 1.2/2.0 document (XML or JSON-LD) into the model.

>>> doc = read_document(b'''<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1"
...   schemaVersion="1.2" creationDate="2024-01-01T00:00:00Z"><EPCISBody><EventList>
...   <ObjectEvent><eventTime>2024-01-01T10:00:00.000+01:00</eventTime>
...   <eventTimeZoneOffset>+01:00</eventTimeZoneOffset><epcList><epc>urn:epc:id:sgtin:0614141.011111.987</epc></epcList>
...   <action>OBSERVE</action><bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep></ObjectEvent>
...   </EventList></EPCISBody></epcis:EPCISDocument>''')
>>> doc.schema_version, doc.events[0].biz_step
('1.2', 'urn:epcglobal:cbv:bizstep:shipping')
>>> detect_format(b'{"@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"}')
'2.0-jsonld'
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from epcis.errors import EpcisError, HostileDocumentError, UnsupportedFormatError
from epcis.jsonld_read import JsonReader
from epcis.jsonld_read import load as load_json
from epcis.model import Document, Event
from epcis.safexml import DEFAULT_LIMITS, Limits
from epcis.xml_read import XmlReader

FORMATS = ("1.2-xml", "2.0-xml", "2.0-jsonld")
Source = bytes | str | os.PathLike[str] | BinaryIO
_HEAD = 8192
_BOM = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_XML_NS = re.compile(rb"urn:epcglobal:epcis(?:-query)?:xsd:([12])")


def detect_format(head: bytes) -> str:
    """Tell the format from the first bytes of a document: ``1.2-xml``, ``2.0-xml`` or ``2.0-jsonld``.

    XML is recognised by its first non-blank byte ``<`` and versioned by the EPCIS (or
    EPCIS query) namespace it declares; JSON by ``{``.

    >>> detect_format(b'<?xml version="1.0"?><epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2">')
    '2.0-xml'
    >>> detect_format(b"%PDF-1.4")
    Traceback (most recent call last):
    epcis.errors.UnsupportedFormatError: not an EPCIS document; expected XML starting with '<' or JSON starting with '{', got '%PDF-1.4'
    """
    text = head
    for bom in _BOM:
        if text.startswith(bom):
            text = text[len(bom):]
            break
    text = text.lstrip()
    if text.startswith(b"{"):
        return "2.0-jsonld"
    if text.startswith(b"<"):
        match = _XML_NS.search(head)
        if match is None:
            raise UnsupportedFormatError(
                "no EPCIS namespace in the document head",
                expected="urn:epcglobal:epcis:xsd:1 or urn:epcglobal:epcis:xsd:2",
                found=text[:60].decode("utf-8", "replace"),
            )
        return "1.2-xml" if match.group(1) == b"1" else "2.0-xml"
    raise UnsupportedFormatError(
        "not an EPCIS document",
        expected="XML starting with '<' or JSON starting with '{'",
        found=text[:40].decode("utf-8", "replace"),
    )


@contextmanager
def _open(source: Source) -> Iterator[BinaryIO]:
    if isinstance(source, bytes | bytearray | memoryview):
        yield io.BytesIO(bytes(source))
    elif isinstance(source, str) and source.lstrip()[:1] in ("<", "{"):
        yield io.BytesIO(source.encode("utf-8"))
    elif isinstance(source, str | os.PathLike):
        with open(source, "rb") as fh:
            yield fh
    else:
        yield source


class _Peek:
    """A binary reader that replays the bytes already read for format sniffing."""

    def __init__(self, head: bytes, raw: BinaryIO) -> None:
        self._head, self._raw = head, raw

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                data, self._head = self._head + self._raw.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._raw.read(size)


def _check_format(fmt: str | None, found: str) -> str:
    if fmt is None:
        return found
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt != found:
        raise UnsupportedFormatError("document format differs from the one requested",
                                     expected=fmt, found=found)
    return fmt


def _reader(fh: BinaryIO, fmt: str | None, limits: Limits) -> XmlReader | JsonReader:
    head = fh.read(_HEAD)
    found = detect_format(head)
    _check_format(fmt, found)
    stream = _Peek(head, fh)
    if found == "2.0-jsonld":
        data = head + fh.read(max(limits.max_bytes + 1 - len(head), 0))
        if len(data) > limits.max_bytes:
            raise HostileDocumentError("document exceeds the size limit",
                                       expected=f"at most {limits.max_bytes} bytes",
                                       found=f"more than {limits.max_bytes} bytes")
        return load_json(data, limits)
    reader = XmlReader(stream, limits)
    if reader.format != found:
        raise UnsupportedFormatError("EPCIS namespace of the root differs from the head",
                                     expected=found, found=reader.format)
    return reader


def read_document(source: Source, *, format: str | None = None,  # noqa: A002
                  limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read a whole EPCIS document (1.2 XML, 2.0 XML or 2.0 JSON-LD) into a :class:`Document`.

    Args:
        source: bytes, a str holding the document, a path, or a binary file object.
        format: ``"1.2-xml"``, ``"2.0-xml"`` or ``"2.0-jsonld"`` to insist on one; None sniffs.
        limits: safety limits for XML (size, depth, element count) and the JSON size.

    Raises:
        EpcisError: with line/column (XML) or JSON pointer, field, expectation and finding.
    """
    with _open(source) as fh:
        return _reader(fh, format, limits).document()


def iter_events(source: Source, *, format: str | None = None,  # noqa: A002
                limits: Limits = DEFAULT_LIMITS) -> Iterator[Event]:
    """Yield the events of a document one by one.

    XML is streamed in bounded memory (each event is freed after it is yielded); JSON is
    decoded whole first, then converted event by event.
    """
    with _open(source) as fh:
        yield from _reader(fh, format, limits).events()


__all__ = ["EpcisError", "detect_format", "iter_events", "read_document", "FORMATS"]
