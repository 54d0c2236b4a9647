"""Hardened XML parsing: no DTDs, no entities, no network, bounded size, depth and element count.

Every XML byte Custody reads goes through :func:`iterparse`. A document type declaration
other than a bare ``<!DOCTYPE name>`` is refused: an internal subset (whatever it holds,
even only an ATTLIST, a NOTATION, a comment or a parameter-entity reference), entities or
an external DTD; that alone rules out XXE and entity-expansion bombs. The bare form, which
declares nothing, is tolerated because GS1's published examples carry one; it is recognised
on the document's own bytes, since libxml2 reports a subset it finds empty of elements and
entities exactly as it reports none. Entity
references are never resolved; libxml2 never touches the network; ``huge_tree`` stays off
so libxml2's own limits apply; and the caller's :class:`Limits` bound the bytes read,
the element nesting depth and the number of elements.

>>> import io
>>> [el.tag for _, el in iterparse(io.BytesIO(b"<a><b/></a>"), events=("end",))]
['b', 'a']
>>> next(iterparse(io.BytesIO(b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'), events=("start",)))
Traceback (most recent call last):
epcis.errors.HostileDocumentError: line 1: document type declarations are not accepted; expected no DTD, got '<!DOCTYPE a> declaring entities x'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, TypedDict

from lxml import etree

from epcis.errors import EpcisError, HostileDocumentError


@dataclass(frozen=True)
class Limits:
    """Safety limits for one XML document (all configurable).

    Attributes:
        max_bytes: the most bytes read from the source.
        max_depth: the deepest element nesting accepted (the root is depth 1).
        max_elements: the most elements in the document.
        max_events: the most events in the document (None: no limit); the readers stop at
            the first event past it (:class:`~epcis.errors.TooManyEventsError`).
    """

    max_bytes: int = 4 * 1024**3
    max_depth: int = 64
    max_elements: int = 200_000_000
    max_events: int | None = None


DEFAULT_LIMITS = Limits()


class ByteSource(Protocol):
    """What the parsers read from: a binary file, or a wrapper that replays part of one."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes (all that is left when negative); ``b""`` at the end."""
        ...


class _LimitedReader:
    """A file wrapper that refuses to read past ``max_bytes``; keeps the first chunk read."""

    __slots__ = ("_raw", "_max", "total", "head")

    def __init__(self, raw: ByteSource, max_bytes: int) -> None:
        self._raw = raw
        self._max = max_bytes
        self.total = 0
        self.head = b""

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size if size and size > 0 else 1 << 16)
        if not self.head:
            self.head = data
        self.total += len(data)
        if self.total > self._max:
            raise HostileDocumentError(
                "document exceeds the size limit",
                expected=f"at most {self._max} bytes",
                found=f"more than {self._max} bytes",
            )
        return data


def line_of(el: etree._Element) -> int | None:
    """The source line of ``el``, or None when libxml2 does not know it."""
    return el.sourceline  # type: ignore[return-value]  # lxml-stubs leave sourceline untyped


def attributes(el: etree._Element) -> list[tuple[str, str]]:
    """The attributes of ``el`` as ``(name, value)`` pairs, in document order."""
    return el.attrib.items()  # type: ignore[return-value]  # lxml-stubs say str | bytes; lxml gives str


# A prolog whose only declaration is a bare <!DOCTYPE name>: an XML declaration, then
# blanks, comments and processing instructions (consumed whole, so the DOCTYPE matched is
# the real one, not text inside a comment), then the DOCTYPE without external id or subset.
_BARE_DOCTYPE = re.compile(
    rb"(?:\xef\xbb\xbf)?(?:<\?xml\s[^>]*\?>)?"
    rb"(?:\s+|<!--(?:[^-]|-[^-])*-->|<\?(?:[^?]|\?[^>])*\?>)*"
    rb"<!DOCTYPE\s+[^\s\[\]<>\"']+\s*>"
)


def _doctype_found(elem: etree._Element, head: bytes) -> str | None:
    """None when the document has no DOCTYPE or a bare one; else what it declares.

    ``head`` holds the document's first bytes, prolog included.
    """
    # lxml-stubs declare no DTD or DocInfo attribute used here; lxml documents them all.
    info = elem.getroottree().docinfo
    if not info.doctype or _BARE_DOCTYPE.match(head):  # type: ignore[attr-defined]
        return None
    dtd = info.internalDTD
    entities: list[str] = [e.name for e in dtd.iterentities()] if dtd is not None else []  # type: ignore[attr-defined]
    found: str = info.doctype  # type: ignore[attr-defined]
    if entities:
        found += " declaring entities " + ", ".join(entities)
    elif not (info.system_url or info.public_id):  # type: ignore[attr-defined]
        found += " with an internal subset"
    return found


class _Replay:
    """Replays already-read bytes, then continues with the source."""

    __slots__ = ("_head", "_raw")

    def __init__(self, head: bytes, raw: ByteSource) -> None:
        self._head, self._raw = head, raw

    def read(self, size: int = -1) -> bytes:
        if self._head:
            data, self._head = self._head, b""
            return data
        return self._raw.read(size)


class _Hardening(TypedDict):
    resolve_entities: bool
    no_network: bool
    load_dtd: bool
    dtd_validation: bool
    huge_tree: bool
    remove_comments: bool
    remove_pis: bool
    collect_ids: bool


_HARDENED = _Hardening(resolve_entities=False, no_network=True, load_dtd=False,
                       dtd_validation=False, huge_tree=False, remove_comments=True,
                       remove_pis=True, collect_ids=False)


def root_start(
    source: ByteSource, limits: Limits = DEFAULT_LIMITS
) -> tuple[str, dict[str, str], int | None, ByteSource]:
    """Read just enough of ``source`` to see the root start tag (DOCTYPE checked first).

    Returns ``(tag, attributes, line, stream)`` where ``stream`` replays every byte.

    >>> import io
    >>> root_start(io.BytesIO(b'<a x="1"><b/></a>'))[:3]
    ('a', {'x': '1'}, 1)
    """
    parser = etree.XMLPullParser(events=("start",), **_HARDENED)
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            chunk = source.read(1 << 16)
            if not chunk:
                parser.close()
                raise EpcisError("document has no root element", expected="an XML document",
                                 found=b"".join(chunks)[:40].decode("utf-8", "replace"))
            chunks.append(chunk)
            total += len(chunk)
            parser.feed(chunk)
            for _, elem in parser.read_events():
                assert isinstance(elem, etree._Element)  # the only event asked for is "start"
                found = _doctype_found(elem, b"".join(chunks))
                if found is not None:
                    raise HostileDocumentError("document type declarations are not accepted",
                                               expected="no DTD", found=found, line=1)
                stream = _Replay(b"".join(chunks), source)
                return elem.tag, dict(attributes(elem)), line_of(elem), stream
            if total > min(limits.max_bytes, 1 << 24):
                raise HostileDocumentError("no root element in the first bytes",
                                           expected=f"a root element within {total} bytes",
                                           found="a longer prolog")
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc) from None


def _syntax_error(exc: etree.XMLSyntaxError) -> EpcisError:
    line, column = exc.position if exc.position else (None, None)
    message = exc.msg or str(exc)
    if "entity reference loop" in message or "amplification" in message:
        return HostileDocumentError("entity expansion refused", expected="no entities",
                                    found=message, line=line, column=column or None)
    return EpcisError("document is not well-formed XML", found=message, line=line,
                      column=column or None)


def check_depth(depth: int, limits: Limits, line: int | None) -> None:
    """Raise HostileDocumentError when ``depth`` exceeds the limit."""
    if depth > limits.max_depth:
        raise HostileDocumentError(
            "element nesting too deep",
            expected=f"at most {limits.max_depth} levels",
            found=f"{depth} levels",
            line=line,
        )


def iterparse(
    source: ByteSource,
    *,
    events: tuple[str, ...] = ("end",),
    tag: object = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[tuple[str, etree._Element]]:
    """Stream ``(event, element)`` pairs from ``source`` with every hardening applied.

    Whitespace-only text between elements (indentation) is not kept: nothing reads it,
    and skipping it saves libxml2 a text node per line.

    Args:
        source: a binary file object.
        events: lxml iterparse events; the DOCTYPE is checked at the first one.
        tag: lxml ``tag`` filter (names or ``{*}name`` wildcards), or None for all.
        limits: size, depth and element-count limits.

    Raises:
        HostileDocumentError: a DOCTYPE, or a limit exceeded.
        EpcisError: the bytes are not well-formed XML (with line and column).
    """
    reader = _LimitedReader(source, limits.max_bytes)
    parser = etree.iterparse(reader, events=events, tag=tag, remove_blank_text=True,
                             **_HARDENED)
    try:
        for event, elem in parser:
            found = _doctype_found(elem, reader.head)
            if found is not None:
                raise HostileDocumentError(
                    "document type declarations are not accepted",
                    expected="no DTD",
                    found=found,
                    line=1,
                )
            yield event, elem
            break
        yield from parser
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc) from None
