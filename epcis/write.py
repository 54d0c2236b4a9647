"""Write EPCIS documents: one entry point for the three syntaxes Custody speaks.

>>> from datetime import datetime, UTC
>>> from epcis.model import Document
>>> write_document(Document("2.0", creation_date=datetime(2024, 1, 2, tzinfo=UTC)), "2.0-jsonld")[:14]
b'{\\n  "@context"'
"""

from __future__ import annotations

from epcis.errors import EpcisError
from epcis.model import Document

FORMATS = ("1.2-xml", "2.0-xml", "2.0-jsonld")


def write_document(doc: Document, format: str) -> bytes:
    """Serialise ``doc`` as ``format``: ``1.2-xml``, ``2.0-xml`` or ``2.0-jsonld``.

    Raises:
        EpcisError: the format is unknown, or the document holds something the format
            cannot express (the error names the field and the event index).
    """
    if format == "2.0-jsonld":
        from epcis.jsonld_write import write_jsonld

        return write_jsonld(doc)
    if format in ("1.2-xml", "2.0-xml"):
        from epcis.xml_write import write_xml

        return write_xml(doc, format[:3])
    raise EpcisError("Unknown output format", field="format", expected=" | ".join(FORMATS),
                     found=format)
