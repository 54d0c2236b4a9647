"""Hardened XML: hostile documents are refused with HostileDocumentError naming what was found."""

from __future__ import annotations

import io

import pytest

from epcis.errors import HostileDocumentError
from epcis.read import read_document
from epcis.safexml import Limits, iterparse, root_start

ROOT = ('<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:ex="http://ex.com/" '
        'schemaVersion="2.0" creationDate="2024-05-01T12:00:00Z">')
EVENT = ("<ObjectEvent><eventTime>2024-05-01T12:00:00Z</eventTime>"
         "<eventTimeZoneOffset>+00:00</eventTimeZoneOffset><action>OBSERVE</action>{ext}"
         "</ObjectEvent>")


def doc(prolog: str = "", ext: str = "", events: int = 1) -> bytes:
    body = EVENT.format(ext=ext) * events
    return (f'<?xml version="1.0"?>{prolog}{ROOT}<EPCISBody><EventList>{body}'
            "</EventList></EPCISBody></epcis:EPCISDocument>").encode()


def _hostile(data: bytes, **kw: object) -> str:
    with pytest.raises(HostileDocumentError) as info:
        read_document(data, **kw)
    return str(info.value)


def test_xxe_is_refused(tmp_path) -> None:  # noqa: ANN001
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    data = doc(f'<!DOCTYPE EPCISDocument [<!ENTITY xxe SYSTEM "file://{secret}">]>', "<ex:v>&xxe;</ex:v>")
    assert _hostile(data) == ("line 1: document type declarations are not accepted; "
                              "expected no DTD, got '<!DOCTYPE EPCISDocument> declaring entities xxe'")


def test_billion_laughs_is_refused() -> None:
    lol = "".join(f'<!ENTITY l{i} "&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};">' for i in range(1, 10))
    data = doc(f'<!DOCTYPE EPCISDocument [<!ENTITY l0 "lol">{lol}]>', "<ex:v>&l9;</ex:v>")
    message = _hostile(data)  # libxml2 stops the expansion itself, before the root
    assert message == (
        "line 1, column 5: entity expansion refused; expected no entities, got 'Maximum "
        "entity amplification factor exceeded, see xmlCtxtSetMaxAmplification., line 1, "
        "column 5'")


def test_external_dtd_is_refused_and_never_fetched() -> None:
    data = doc('<!DOCTYPE EPCISDocument SYSTEM "http://127.0.0.1:9/evil.dtd">')
    assert _hostile(data) == ("line 1: document type declarations are not accepted; expected "
                              "no DTD, got '<!DOCTYPE EPCISDocument SYSTEM \"http://127.0.0.1:9/evil.dtd\">'")


def test_internal_subset_without_entities_is_refused() -> None:
    data = doc("<!DOCTYPE EPCISDocument [<!ELEMENT x ANY>]>")
    assert _hostile(data) == ("line 1: document type declarations are not accepted; "
                              "expected no DTD, got '<!DOCTYPE EPCISDocument> with an internal subset'")


@pytest.mark.parametrize("subset", [
    '<!ATTLIST EPCISDocument schemaVersion CDATA "9">', '<!NOTATION n SYSTEM "x">',
    "<!-- nothing but a comment -->", "%undefined;", "<?pi here?>", ""])
def test_every_internal_subset_is_refused(subset: str) -> None:
    """libxml2 reports these subsets as it reports none; the document's bytes tell them apart."""
    refused = ("line 1: document type declarations are not accepted; "
               "expected no DTD, got '<!DOCTYPE EPCISDocument> with an internal subset'")
    assert _hostile(doc(f"<!DOCTYPE EPCISDocument [{subset}]>")) == refused
    with pytest.raises(HostileDocumentError):  # the capture endpoint's first look, too
        root_start(io.BytesIO(doc(f"<!DOCTYPE EPCISDocument [{subset}]>")))
    # A bare DOCTYPE written inside a comment does not make the real one bare.
    disguised = doc(f"<!-- <!DOCTYPE EPCISDocument> --><!DOCTYPE EPCISDocument [{subset}]>")
    assert _hostile(disguised) == refused


def test_bare_doctype_is_tolerated() -> None:
    """GS1's own examples start with ``<!DOCTYPE EPCISDocument>``, which declares nothing."""
    assert len(read_document(doc("<!DOCTYPE EPCISDocument>")).events) == 1
    assert len(read_document(doc("<!-- c --><?pi x?>\n<!DOCTYPE  EPCISDocument >")).events) == 1


def test_depth_limit() -> None:
    deep = "<ex:a>" * 70 + "x" + "</ex:a>" * 70
    assert _hostile(doc(ext=deep)) == ("line 1: element nesting too deep; expected at most 64 "
                                       "levels, got '65 levels'")
    assert len(read_document(doc(ext=deep), limits=Limits(max_depth=100)).events) == 1


def test_size_limit() -> None:
    data = doc(events=50)
    assert _hostile(data, limits=Limits(max_bytes=1000)) == (
        "document exceeds the size limit; expected at most 1000 bytes, got 'more than 1000 bytes'")


def test_element_count_limit() -> None:
    message = _hostile(doc(events=20), limits=Limits(max_elements=30))
    assert message.startswith("line 1: too many elements; expected at most 30")


def test_entities_never_resolved_without_dtd() -> None:
    with pytest.raises(Exception) as info:
        read_document(doc(ext="<ex:v>&undeclared;</ex:v>"))
    assert "document is not well-formed XML" in str(info.value)


def test_iterparse_and_root_start_directly() -> None:
    tag, attrib, line, stream = root_start(io.BytesIO(doc()))
    assert tag == "{urn:epcglobal:epcis:xsd:2}EPCISDocument" and line == 1
    assert attrib["schemaVersion"] == "2.0"
    tags = [el.tag for _, el in iterparse(stream, tag="ObjectEvent")]
    assert tags == ["ObjectEvent"]


def test_event_limit_stops_at_the_first_event_past_it() -> None:
    """Nothing after the limit is read: a broken tail is never reached."""
    from epcis.errors import TooManyEventsError

    data = doc(events=3).replace(b"</EventList>",
                                 b"<ObjectEvent><action>NOPE</action></ObjectEvent></EventList>")
    with pytest.raises(TooManyEventsError) as info:
        read_document(data, limits=Limits(max_events=2))
    assert str(info.value) == ("event 2, line 1: document holds more events than the limit; "
                               "expected at most 2 events, got 'more than 2'")
    assert len(read_document(doc(events=3), limits=Limits(max_events=3)).events) == 3
