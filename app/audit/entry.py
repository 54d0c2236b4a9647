"""PURE: the canonical bytes of one audit entry and the hash its log leaf carries.

An entry's hash is ``ni:///sha-256;<hex>?type=audit`` over the canonical JSON (sorted keys,
no spaces) of its fields; ``?type=audit`` keeps it from ever colliding with a CBV 2.0 event
hash (``?ver=CBV2.0``) or a VRS evidence hash (``?type=vrs``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from app.ledger.core import format_time

SUFFIX = "?type=audit"


def canonical(at: datetime, actor: str, partner_id: int | None, action: str, obj: str,
              client: str | None, request_id: str | None) -> bytes:
    """The bytes an audit entry's hash covers.

    >>> from datetime import UTC
    >>> canonical(datetime(2026, 12, 6, tzinfo=UTC), "key:ab12cd34", 3, "chain.read",
    ...           "urn:epc:id:sgtin:0312345.060011.ZT00001", "127.0.0.1", "r1").decode()[:60]
    '{"action":"chain.read","actor":"key:ab12cd34","at":"2026-12-'
    """
    fields = {"action": action, "actor": actor, "at": format_time(at, "audit time"),
              "client": client, "object": obj, "partner_id": partner_id,
              "request_id": request_id}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(canonical_bytes: bytes) -> str:
    """The log leaf's event hash for an entry's canonical bytes.

    >>> entry_hash(b"{}")
    'ni:///sha-256;44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a?type=audit'
    """
    return f"ni:///sha-256;{hashlib.sha256(canonical_bytes).hexdigest()}{SUFFIX}"
