"""EPCIS 2.0 JSON / JSON-LD (documents and query documents) -> model.

The JSON path loads the whole document (:func:`epcis.bounds.loads`, which refuses duplicate
keys, text XML cannot carry and deep nesting); it is not streamed. Known
``@context`` URLs are recognised by name and never fetched; prefixes come from a small
built-in table (:data:`epcis.cbv.CONTEXT_PREFIXES`) overridden by inline context objects.
Extension keys ``prefix:local`` become :class:`~epcis.model.Element` trees in the
namespace the prefix stands for.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any, TypeAlias

from epcis import bounds, cbv
from epcis.errors import EpcisError, TooManyEventsError, UnsupportedFormatError
from epcis.model import (
    Action,
    BizTransaction,
    Document,
    Element,
    ErrorDeclaration,
    Event,
    EventType,
    Location,
    PersistentDisposition,
    QuantityElement,
    Sbdh,
    SensorElement,
    SensorReport,
    SourceDest,
    Vocabulary,
    VocabularyElement,
)
from epcis.safexml import DEFAULT_LIMITS, Limits
from epcis.values import OFFSET, lenient_time, mda_id, parse_time

EVENT_TYPES = {t.value: t for t in EventType}
_ACTIONS = {a.value: a for a in Action}
_NEEDS_ACTION = frozenset(
    {EventType.OBJECT, EventType.AGGREGATION, EventType.TRANSACTION, EventType.ASSOCIATION}
)
_IGNORED = frozenset({"type", "@context", "comment", "rdfs:comment", "#text", "@type"})
_SENSOR_KIND = frozenset({"type", "exception"})


def _esc(key: str | int) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def json_text(value: Any) -> str:
    """Render a JSON scalar as the text an XML document would carry.

    >>> json_text(True), json_text(26.0), json_text(10), json_text(" a ")
    ('true', '26.0', '10', 'a')
    """
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value.strip()
    return str(value)


class JsonReader:
    """Reads one JSON-LD EPCIS document (already decoded) into the model."""

    def __init__(self, data: Any, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        if not isinstance(data, dict):
            raise UnsupportedFormatError("not an EPCIS JSON document", pointer="",
                                         expected="a JSON object", found=type(data).__name__)
        self.data = data
        self.prefixes = dict(cbv.CONTEXT_PREFIXES)
        self.unknown_contexts: list[str] = []
        self._context(data.get("@context"))
        doc_type = data.get("type")
        if doc_type not in ("EPCISDocument", "EPCISQueryDocument"):
            raise UnsupportedFormatError(
                "not an EPCIS JSON document", field="type", pointer="/type",
                expected="EPCISDocument or EPCISQueryDocument", found=str(doc_type))
        self.format = "2.0-jsonld"
        self.schema_version = json_text(data.get("schemaVersion", ""))
        created = data.get("creationDate")
        self.creation_date = lenient_time(created, "creationDate", pointer="/creationDate") \
            if created is not None else None
        self.sbdh: Sbdh | None = None
        self.master_data: tuple[Vocabulary, ...] = ()
        self.header_extensions: tuple[Element, ...] = ()
        self._header()

    # -- context -------------------------------------------------------------------
    def _context(self, ctx: Any) -> None:
        items = ctx if isinstance(ctx, list) else [ctx]
        for item in items:
            if isinstance(item, dict):
                for key, value in item.items():
                    if isinstance(value, dict):
                        value = value.get("@id")
                    if isinstance(value, str) and not key.startswith("@") and ":" not in key:
                        self.prefixes[key] = value
            elif isinstance(item, str) and item not in cbv.KNOWN_CONTEXTS:
                # Context URLs are never fetched; an unknown one can only be named in errors.
                self.unknown_contexts.append(item)

    def _qname(self, key: str, pointer: str) -> tuple[str, str, str | None]:
        prefix, sep, local = key.partition(":")
        if not sep:
            return "", key, None
        ns = self.prefixes.get(prefix)
        if ns is None:
            if prefix in ("http", "https", "urn"):
                head, _, tail = key.rpartition("/")
                return (head + "/", tail, None) if tail else (key, "", None)
            expected = "a prefix declared in an inline @context object"
            if self.unknown_contexts:
                expected += " (context URLs are never fetched: " + ", ".join(
                    self.unknown_contexts) + ")"
            raise EpcisError("undeclared prefix in extension key", pointer=pointer, field=key,
                             expected=expected, found=prefix)
        return ns, local, prefix

    def to_elements(self, key: str, value: Any, pointer: str) -> list[Element]:
        """One JSON member -> elements (a list value gives one element per item)."""
        if pointer.count("/") >= self.limits.max_depth:
            raise bounds.too_deep(pointer, self.limits.max_depth)
        ns, name, prefix = self._qname(key, pointer)
        if isinstance(value, list):
            out = []
            for i, item in enumerate(value):
                out.extend(self.to_elements(key, item, f"{pointer}/{i}"))
            return out
        if isinstance(value, dict):
            attrs, children, text = [], [], None
            for k, v in value.items():
                p = f"{pointer}/{_esc(k)}"
                if k in ("#text", "@value"):
                    text = json_text(v) or None
                elif k.startswith("@"):
                    attrs.append((self._attr_name(k[1:], p), json_text(v)))
                else:
                    children.extend(self.to_elements(k, v, p))
            return [Element(ns, name, text, tuple(attrs), tuple(children), prefix)]
        text = json_text(value) if value is not None else ""
        return [Element(ns, name, text or None, (), (), prefix)]

    def _attr_name(self, key: str, pointer: str) -> str:
        ns, name, _ = self._qname(key, pointer)
        if ns == "" and key.startswith("xsi:"):
            ns = "http://www.w3.org/2001/XMLSchema-instance"
        return f"{{{ns}}}{name}" if ns else name

    # -- header --------------------------------------------------------------------
    def _header(self) -> None:
        data = self.data
        exts: list[Element] = []
        for key, value in data.items():
            if ":" in key and not key.startswith("@") and key != "rdfs:comment":
                exts.extend(self.to_elements(key, value, "/" + _esc(key)))
        body = data.get("epcisBody")
        results = body.get("queryResults") if isinstance(body, dict) else None
        if isinstance(results, dict):  # query documents: extensions beside resultsBody
            for key, value in results.items():
                if ":" in key:
                    exts.extend(self.to_elements(
                        key, value, f"/epcisBody/queryResults/{_esc(key)}"))
        header = data.get("epcisHeader")
        if isinstance(header, dict):
            sbdh = header.get("sbdh:StandardBusinessDocumentHeader") or header.get(
                "StandardBusinessDocumentHeader")
            if isinstance(sbdh, dict):
                self.sbdh = self._sbdh(sbdh)
            md = header.get("epcisMasterData")
            if isinstance(md, dict):
                self.master_data = tuple(self._vocabularies(md.get("vocabularyList") or []))
            for key, value in header.items():
                if ":" in key and not key.startswith("sbdh:"):
                    exts.extend(self.to_elements(key, value, f"/epcisHeader/{_esc(key)}"))
        if self.sbdh is None and any(k in data for k in ("sender", "receiver",
                                                          "instanceIdentifier")):
            # EPCIS 2.0 JSON's document-level stand-ins for the SBDH of an EPCIS document
            # (its Type is "Events" and its creation time the document's creationDate)
            self.sbdh = Sbdh(
                sender=json_text(data["sender"]) if "sender" in data else None,
                receiver=json_text(data["receiver"]) if "receiver" in data else None,
                document_id=json_text(data["instanceIdentifier"])
                if "instanceIdentifier" in data else None,
                creation_time=self.creation_date,
                document_type="Events",
            )
        self.header_extensions = tuple(exts)

    def _sbdh(self, s: dict[str, Any]) -> Sbdh:
        def get(obj: Any, *path: str) -> Any:
            for p in path:
                if isinstance(obj, list):
                    obj = obj[0] if obj else None
                if not isinstance(obj, dict):
                    return None
                obj = obj.get(f"sbdh:{p}", obj.get(p))
            if isinstance(obj, dict):
                obj = obj.get("#text", obj.get("@value"))
            return json_text(obj) if obj is not None else None

        created = get(s, "DocumentIdentification", "CreationDateAndTime")
        return Sbdh(
            sender=get(s, "Sender", "Identifier"),
            receiver=get(s, "Receiver", "Identifier"),
            document_id=get(s, "DocumentIdentification", "InstanceIdentifier"),
            creation_time=lenient_time(created, "CreationDateAndTime") if created else None,
            document_type=get(s, "DocumentIdentification", "Type"),
        )

    def _vocabularies(self, vl: list[Any]) -> Iterator[Vocabulary]:
        for i, voc in enumerate(vl):
            elements = []
            for j, ve in enumerate(voc.get("vocabularyElementList") or []):
                attrs: list[tuple[str, str | Element]] = []
                for k, a in enumerate(ve.get("attributes") or []):
                    value = a.get("attribute")
                    p = f"/epcisHeader/epcisMasterData/vocabularyList/{i}/vocabularyElementList" \
                        f"/{j}/attributes/{k}"
                    if isinstance(value, (dict, list)):
                        children: list[Element] = []
                        items = value if isinstance(value, list) else [value]
                        for item in items:
                            if isinstance(item, dict):
                                for ck, cv in item.items():
                                    if not ck.startswith("@"):
                                        children.extend(self.to_elements(ck, cv, p))
                        attrs.append((mda_id(a.get("id", "")),
                                      Element("", "attribute", children=tuple(children))))
                    else:
                        attrs.append((mda_id(a.get("id", "")),
                                      json_text(value) if value is not None else ""))
                elements.append(VocabularyElement(
                    json_text(ve.get("id", "")), tuple(attrs),
                    tuple(json_text(c) for c in ve.get("children") or ())))
            yield Vocabulary(json_text(voc.get("type", "")), tuple(elements))

    # -- events --------------------------------------------------------------------
    def event_list(self) -> tuple[list[Any], str]:
        """The raw event objects and the JSON pointer of their list."""
        body = self.data.get("epcisBody")
        if not isinstance(body, dict):
            raise EpcisError("missing epcisBody", pointer="/epcisBody", field="epcisBody",
                             expected="an object with eventList")
        if "queryResults" in body:
            results = (body.get("queryResults") or {}).get("resultsBody") or {}
            return list(results.get("eventList") or []), "/epcisBody/queryResults/resultsBody/eventList"
        if "eventList" in body:
            return list(body.get("eventList") or []), "/epcisBody/eventList"
        if "event" in body:
            ev = body["event"]
            return (ev if isinstance(ev, list) else [ev]), "/epcisBody/event"
        raise EpcisError("missing eventList", pointer="/epcisBody", field="eventList",
                         expected="epcisBody.eventList")

    def events(self) -> Iterator[Event]:
        """Each event, read as it is reached."""
        events, base = self.event_list()
        limit = self.limits.max_events
        for i, ev in enumerate(events):
            pointer = f"{base}/{i}"
            if i == limit:
                raise TooManyEventsError(limit, pointer=pointer, event_index=i)
            event = _JsonEvent(self, i, pointer).build(ev)
            bad = bounds.flaw(event)
            if bad is not None:
                where = "/".join(_esc(p) for p in bad.path)
                raise bad.error(pointer=f"{pointer}/{where}", event_index=i)
            yield event

    def document(self) -> Document:
        """The whole document, every event read."""
        return Document(
            schema_version=self.schema_version, creation_date=self.creation_date,
            sbdh=self.sbdh, master_data=self.master_data,
            header_extensions=self.header_extensions, events=tuple(self.events()),
        )


class _JsonEvent:
    __slots__ = ("r", "index", "ptr")

    def __init__(self, reader: JsonReader, index: int, pointer: str) -> None:
        self.r, self.index, self.ptr = reader, index, pointer

    def error(self, message: str, key: str, **kw: Any) -> EpcisError:
        return EpcisError(message, pointer=f"{self.ptr}/{key}" if key else self.ptr,
                          event_index=self.index, **kw)

    def text(self, value: Any, key: str) -> str:
        if isinstance(value, (dict, list)):
            raise self.error("bad value", key, field=key, expected="a string",
                             found=json.dumps(value)[:60])
        return json_text(value)

    def unqualified(self, value: Any, key: str) -> list[Element]:
        """An ``extension`` object: EPCIS 1.2 ``##local`` elements, each without a namespace."""
        if not isinstance(value, dict):
            raise self.error("bad value", key, field="extension",
                             expected="an object of unqualified extension elements",
                             found=json.dumps(value)[:60])
        out: list[Element] = []
        for k, v in value.items():
            if ":" in k:
                raise self.error("prefixed key in extension", f"{key}/{_esc(k)}", field=k,
                                 expected="an unqualified name (namespaced extensions sit "
                                 "beside the EPCIS fields)", found=k)
            out.extend(self.r.to_elements(k, v, f"{self.ptr}/{key}/{_esc(k)}"))
        return out

    def build(self, ev: Any) -> Event:
        if not isinstance(ev, dict):
            raise self.error("event is not an object", "", expected="a JSON object",
                             found=type(ev).__name__)
        kind = ev.get("type")
        etype = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
        if etype is None:
            raise self.error("unknown event type", "type", field="type",
                             expected="ObjectEvent, AggregationEvent, TransactionEvent, "
                             "TransformationEvent or AssociationEvent", found=str(ev.get("type")))
        f: dict[str, Any] = {}
        exts: list[Element] = []
        for key, value in ev.items():
            handler = _FIELDS.get(key)
            if handler is not None:
                handler(self, f, value, key)
            elif key in _IGNORED or key.startswith("@"):
                continue
            elif ":" in key:
                exts.extend(self.r.to_elements(key, value, f"{self.ptr}/{_esc(key)}"))
            elif key == "extension":
                exts.extend(self.unqualified(value, key))
            else:
                raise self.error(f"unknown field in {etype.value}", _esc(key), field=key,
                                 expected="an EPCIS field or a prefixed extension", found=key)
        if exts:
            f["extensions"] = tuple(exts)
        for name, attr in (("eventTime", "event_time"),
                           ("eventTimeZoneOffset", "event_time_zone_offset")):
            if attr not in f:
                raise self.error(f"{etype.value} lacks {name}", "", field=name,
                                 expected=f"a {name} member")
        if "action" not in f and etype in _NEEDS_ACTION:
            raise self.error(f"{etype.value} lacks action", "", field="action",
                             expected="ADD, OBSERVE or DELETE")
        return Event(type=etype, **f)

    # handlers ------------------------------------------------------------------------
    def event_time(self, f: dict[str, Any], v: Any, k: str) -> None:
        f["event_time"] = parse_time(self.text(v, k), k, pointer=f"{self.ptr}/{k}",
                                     event_index=self.index)

    def record_time(self, f: dict[str, Any], v: Any, k: str) -> None:
        f["record_time"] = parse_time(self.text(v, k), k, pointer=f"{self.ptr}/{k}",
                                      event_index=self.index)

    def offset(self, f: dict[str, Any], v: Any, k: str) -> None:
        value = self.text(v, k)
        if not OFFSET.match(value):
            raise self.error("bad eventTimeZoneOffset", k, field=k,
                             expected="+HH:MM or -HH:MM", found=value)
        f["event_time_zone_offset"] = value

    def event_id(self, f: dict[str, Any], v: Any, k: str) -> None:
        f["event_id"] = self.text(v, k) or None

    def action(self, f: dict[str, Any], v: Any, k: str) -> None:
        value = self.text(v, k)
        if value not in _ACTIONS:
            raise self.error("bad action", k, field=k, expected="ADD, OBSERVE or DELETE",
                             found=value)
        f["action"] = _ACTIONS[value]

    @staticmethod
    def simple(attr: str) -> _Handler:
        def handler(self: _JsonEvent, f: dict[str, Any], v: Any, k: str) -> None:
            f[attr] = self.text(v, k)
        return handler

    @staticmethod
    def cbv_field(attr: str, kind: str) -> _Handler:
        def handler(self: _JsonEvent, f: dict[str, Any], v: Any, k: str) -> None:
            f[attr] = cbv.to_urn(kind, self.text(v, k))
        return handler

    def certification(self, f: dict[str, Any], v: Any, k: str) -> None:
        items = v if isinstance(v, list) else [v]
        f["certification_info"] = tuple(self.text(x, k) for x in items)

    def _list(self, v: Any, k: str) -> list[Any]:
        if not isinstance(v, list):
            raise self.error("bad value", k, field=k, expected="an array",
                             found=json.dumps(v)[:60])
        return v

    @staticmethod
    def epcs(attr: str) -> _Handler:
        def handler(self: _JsonEvent, f: dict[str, Any], v: Any, k: str) -> None:
            f[attr] = tuple(self.text(x, f"{k}/{i}") for i, x in enumerate(self._list(v, k)))
        return handler

    @staticmethod
    def quantities(attr: str) -> _Handler:
        def handler(self: _JsonEvent, f: dict[str, Any], v: Any, k: str) -> None:
            out = []
            for i, q in enumerate(self._list(v, k)):
                p = f"{k}/{i}"
                if not isinstance(q, dict) or "epcClass" not in q:
                    raise self.error("quantityElement lacks epcClass", p, field=f"{k}/epcClass",
                                     expected="an EPC class URI")
                for extra in q:
                    if extra not in ("epcClass", "quantity", "uom"):
                        raise self.error("unknown field in quantityElement", f"{p}/{extra}",
                                         field=f"{k}/{extra}",
                                         expected="epcClass, quantity or uom", found=extra)
                quantity = q.get("quantity")
                if quantity is not None:
                    if isinstance(quantity, bool) or not isinstance(quantity, int | float | Decimal):
                        raise self.error("bad quantity", f"{p}/quantity", field=f"{k}/quantity",
                                         expected="a number", found=json.dumps(quantity))
                    try:
                        quantity = Decimal(str(quantity))
                    except InvalidOperation:  # pragma: no cover - numbers always convert
                        raise self.error("bad quantity", f"{p}/quantity", field=k) from None
                uom = q.get("uom")
                out.append(QuantityElement(self.text(q["epcClass"], p), quantity,
                                           self.text(uom, p) if uom is not None else None))
            f[attr] = tuple(out)
        return handler

    @staticmethod
    def location(attr: str) -> _Handler:
        def handler(self: _JsonEvent, f: dict[str, Any], v: Any, k: str) -> None:
            if not isinstance(v, dict) or not v.get("id"):
                raise self.error(f"{k} lacks id", k, field=f"{k}/id",
                                 expected="a location identifier")
            exts = []
            for key, value in v.items():
                if key == "id":
                    continue
                if ":" not in key:
                    raise self.error(f"unknown field in {k}", f"{k}/{key}", field=key,
                                     expected="id or a prefixed extension", found=key)
                exts.extend(self.r.to_elements(key, value, f"{self.ptr}/{k}/{_esc(key)}"))
            f[attr] = Location(self.text(v["id"], k), tuple(exts))
        return handler

    def biz_transactions(self, f: dict[str, Any], v: Any, k: str) -> None:
        out = []
        for i, bt in enumerate(self._list(v, k)):
            if not isinstance(bt, dict) or "bizTransaction" not in bt:
                raise self.error("bizTransactionList entry lacks bizTransaction", f"{k}/{i}",
                                 field="bizTransaction", expected="a bizTransaction member")
            t = bt.get("type")
            out.append(BizTransaction(self.text(bt["bizTransaction"], k),
                                      cbv.to_urn("btt", self.text(t, k)) if t else None))
        f["biz_transactions"] = tuple(out)

    @staticmethod
    def source_dest(attr: str, item: str) -> _Handler:
        def handler(self: _JsonEvent, f: dict[str, Any], v: Any, k: str) -> None:
            out = []
            for i, sd in enumerate(self._list(v, k)):
                if not isinstance(sd, dict) or item not in sd:
                    raise self.error(f"{k} entry lacks {item}", f"{k}/{i}", field=item,
                                     expected=f"a {item} member")
                t = sd.get("type")
                out.append(SourceDest(self.text(sd[item], k),
                                      cbv.to_urn("sdt", self.text(t, k)) if t else None))
            f[attr] = tuple(out)
        return handler

    def persistent(self, f: dict[str, Any], v: Any, k: str) -> None:
        if not isinstance(v, dict):
            raise self.error("bad value", k, field=k, expected="an object with set/unset")
        def words(key: str) -> tuple[str, ...]:
            items = v.get(key) or []
            items = items if isinstance(items, list) else [items]
            return tuple(cbv.to_urn("disp", self.text(x, k)) for x in items)
        f["persistent_disposition"] = PersistentDisposition(words("set"), words("unset"))

    def ilmd(self, f: dict[str, Any], v: Any, k: str) -> None:
        if not isinstance(v, dict):
            raise self.error("bad value", k, field=k, expected="an object")
        out = []
        for key, value in v.items():
            if key in _IGNORED or key.startswith("@"):
                continue
            if ":" not in key:
                raise self.error("ILMD field without namespace", f"{k}/{_esc(key)}",
                                 field=f"ilmd/{key}", expected="a prefixed key such as "
                                 "cbvmda:lotNumber", found=key)
            out.extend(self.r.to_elements(key, value, f"{self.ptr}/{k}/{_esc(key)}"))
        f["ilmd"] = tuple(out)

    def _report(self, obj: Any, p: str) -> SensorReport:
        if not isinstance(obj, dict):
            raise self.error("bad value", p, expected="an object")
        fields, exts = [], []
        for key, value in obj.items():
            if key.startswith("@") or key in ("comment", "rdfs:comment"):
                continue
            if ":" in key and not key.startswith(("http:", "https:")):
                ns, name, _ = self.r._qname(key, f"{self.ptr}/{p}")
                if isinstance(value, (dict, list)):
                    exts.extend(self.r.to_elements(key, value, f"{self.ptr}/{p}/{_esc(key)}"))
                else:
                    fields.append((f"{{{ns}}}{name}", json_text(value)))
                continue
            text = self.text(value, f"{p}/{key}")
            if key in _SENSOR_KIND:
                text = cbv.gs1_term(text)
            fields.append((key, text))
        return SensorReport(tuple(fields), tuple(exts))

    def sensors(self, f: dict[str, Any], v: Any, k: str) -> None:
        out = []
        for i, se in enumerate(self._list(v, k)):
            p = f"{k}/{i}"
            if not isinstance(se, dict):
                raise self.error("bad value", p, expected="an object")
            meta: SensorReport | None = None
            reports: list[SensorReport] = []
            exts: list[Element] = []
            for key, value in se.items():
                if key == "sensorMetadata":
                    meta = self._report(value, f"{p}/{key}")
                elif key == "sensorReport":
                    items = value if isinstance(value, list) else [value]
                    reports.extend(self._report(r, f"{p}/{key}/{j}") for j, r in enumerate(items))
                elif key in _IGNORED or key.startswith("@"):
                    continue
                elif ":" in key:
                    exts.extend(self.r.to_elements(key, value, f"{self.ptr}/{p}/{_esc(key)}"))
                elif key == "extension":
                    exts.extend(self.unqualified(value, f"{p}/{key}"))
                else:
                    raise self.error("unknown field in sensorElement", f"{p}/{key}", field=key,
                                     expected="sensorMetadata, sensorReport or an extension",
                                     found=key)
            out.append(SensorElement(meta, tuple(reports), tuple(exts)))
        f["sensor_elements"] = tuple(out)

    def error_declaration(self, f: dict[str, Any], v: Any, k: str) -> None:
        if not isinstance(v, dict) or "declarationTime" not in v:
            raise self.error("errorDeclaration lacks declarationTime", k,
                             field="errorDeclaration/declarationTime",
                             expected="a declarationTime member")
        when = parse_time(self.text(v["declarationTime"], k), "errorDeclaration/declarationTime",
                          pointer=f"{self.ptr}/{k}/declarationTime", event_index=self.index)
        reason = v.get("reason")
        ids = v.get("correctiveEventIDs") or []
        exts = []
        for key, value in v.items():
            if ":" in key:
                exts.extend(self.r.to_elements(key, value, f"{self.ptr}/{k}/{_esc(key)}"))
        f["error_declaration"] = ErrorDeclaration(
            when, cbv.to_urn("er", self.text(reason, k)) if reason else None,
            tuple(self.text(x, k) for x in ids), tuple(exts))


_Handler: TypeAlias = Callable[[_JsonEvent, dict[str, Any], Any, str], None]
_J = _JsonEvent
_FIELDS = {
    "eventTime": _J.event_time,
    "recordTime": _J.record_time,
    "eventTimeZoneOffset": _J.offset,
    "eventID": _J.event_id,
    "certificationInfo": _J.certification,
    "errorDeclaration": _J.error_declaration,
    "parentID": _J.simple("parent_id"),
    "epcList": _J.epcs("epc_list"),
    "childEPCs": _J.epcs("child_epcs"),
    "inputEPCList": _J.epcs("input_epc_list"),
    "outputEPCList": _J.epcs("output_epc_list"),
    "quantityList": _J.quantities("quantity_list"),
    "childQuantityList": _J.quantities("child_quantity_list"),
    "inputQuantityList": _J.quantities("input_quantity_list"),
    "outputQuantityList": _J.quantities("output_quantity_list"),
    "action": _J.action,
    "transformationID": _J.simple("transformation_id"),
    "bizStep": _J.cbv_field("biz_step", "bizstep"),
    "disposition": _J.cbv_field("disposition", "disp"),
    "persistentDisposition": _J.persistent,
    "readPoint": _J.location("read_point"),
    "bizLocation": _J.location("biz_location"),
    "bizTransactionList": _J.biz_transactions,
    "sourceList": _J.source_dest("sources", "source"),
    "destinationList": _J.source_dest("destinations", "destination"),
    "sensorElementList": _J.sensors,
    "ilmd": _J.ilmd,
}


def load(source: bytes, limits: Limits = DEFAULT_LIMITS) -> JsonReader:
    """Decode JSON bytes and wrap them in a :class:`JsonReader`."""
    try:
        data = bounds.loads(source, limits.max_depth)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        column = getattr(exc, "colno", None)
        raise EpcisError("document is not valid JSON", found=str(exc), line=line,
                         column=column) from None
    return JsonReader(data, limits)
