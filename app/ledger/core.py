"""Pure ledger core: RFC 6962 Merkle log, custody hop chain, C2SP checkpoints.

This module is the public import surface; Merkle code lives in ``merkle.py`` and
signed notes in ``note.py``. Standard library and ``cryptography`` only: nothing
here imports the service, SQLAlchemy, FastAPI or psycopg.

Canonical encodings (defined once, here):

* A hop is the UTF-8 of compact JSON with sorted keys and no whitespace:
  ``{"event_hash":..,"from_party":..,"kind":..,"location":..,"seq":..,"time":..,
  "to_party":..,"unit":..}``; ``None`` is ``null``, ``seq`` a JSON integer, ``time``
  ``YYYY-MM-DDTHH:MM:SS.mmmZ`` in UTC, non-ASCII characters raw (not ``\\u`` escaped).
  Strings are hashed as given (no Unicode normalisation).
  ``hop_hash = SHA-256(canonical_hop(hop) || prev_hop_hash)``; the first hop of a unit
  has ``prev_hop_hash = GENESIS`` (32 zero bytes).
* A log leaf is the same JSON style over ``event_hash``, ``hop_hashes`` (lowercase hex,
  sorted), ``partner`` and ``record_time``; its Merkle leaf hash is
  ``SHA-256(0x00 || leaf_data)``.

The hop encoding has a second copy: ``_accel.c`` writes the same bytes in C for
``custody verify``'s compiled checks. This module is the definition; the copy is held to
it by ``tests/ledger/test_accel.py``, so a change here must be made there too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    LedgerCoreError,
    MerkleTree,
    ProofError,
    Range,
    SubtreeHash,
    SubtreeSource,
    complete_subtrees,
    consistency_proof,
    consistency_proof_ranges,
    extend_frontier,
    fold_subtrees,
    inclusion_proof,
    inclusion_proof_ranges,
    leaf_hash,
    node_hash,
    proof_hashes,
    root,
    root_from_inclusion_proof,
    roots_from_consistency_proof,
    subtree_coords,
    subtree_levels,
    subtrees_needed,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from .note import (
    Checkpoint,
    NoteError,
    NoteSignature,
    Verifier,
    generate_signer,
    key_id,
    open_checkpoint,
    open_note,
    parse_note,
    parse_verifier,
    sign_checkpoint,
    sign_note,
)

__all__ = [
    "EMPTY_ROOT", "GENESIS", "HASH_SIZE", "ChainError", "Checkpoint", "Hop", "LedgerCoreError",
    "HopSpec", "MerkleTree", "NoteError", "NoteSignature", "ProofError", "Range", "SubtreeHash",
    "SubtreeSource", "Verifier", "canonical_hop", "canonical_hop_fields", "complete_subtrees", "consistency_proof",
    "consistency_proof_ranges", "extend_frontier", "fold_subtrees", "format_time",
    "generate_signer", "hop_hash", "inclusion_proof", "inclusion_proof_ranges", "key_id",
    "leaf_data", "leaf_data_prefix", "leaf_hash", "node_hash", "open_checkpoint", "open_note", "parse_note",
    "parse_verifier", "proof_hashes", "root", "root_from_inclusion_proof",
    "roots_from_consistency_proof", "sign_checkpoint", "sign_note", "subtree_coords", "subtree_levels",
    "subtrees_needed", "tree_root", "verify_chain", "verify_consistency", "verify_inclusion",
]  # fmt: skip

GENESIS = bytes(HASH_SIZE)
"""``prev_hop_hash`` of the first hop of every unit."""


class ChainError(LedgerCoreError):
    """A custody hop or hop chain is malformed or broken; ``seq`` names the first bad hop."""

    def __init__(self, message: str, seq: int | None = None) -> None:
        super().__init__(message)
        self.seq = seq


def format_time(value: datetime, what: str = "time") -> str:
    """Return ``YYYY-MM-DDTHH:MM:SS.mmmZ`` for an aware datetime with millisecond precision.

    >>> from datetime import timedelta, timezone
    >>> format_time(datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=timezone(timedelta(hours=2))))
    '2026-01-02T01:04:05.006Z'
    >>> format_time(datetime(2026, 1, 2))
    Traceback (most recent call last):
    ...
    app.ledger.core.ChainError: time must be timezone-aware, got naive 2026-01-02 00:00:00
    """
    if not isinstance(value, datetime):
        raise ChainError(f"{what} must be a datetime, got {value!r}")
    if value.utcoffset() is None:
        raise ChainError(f"{what} must be timezone-aware, got naive {value}")
    if value.microsecond % 1000:
        raise ChainError(f"{what} must have millisecond precision, got {value.isoformat()}")
    utc = value.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="milliseconds") + "Z"


_s = json.encoder.encode_basestring  # a JSON string literal, non-ASCII kept raw


def _canonical_json(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class HopSpec:
    """One custody change an event causes for one unit; appending assigns its seq and links."""

    unit: str
    kind: str
    from_party: str | None
    to_party: str | None
    location: str | None
    time: datetime


@dataclass(frozen=True)
class Hop:
    """One custody hop of a unit (SGTIN or SSCC); ``time`` is normalised to UTC.

    >>> h = Hop("urn:epc:id:sgtin:0614141.107346.2018", 0, "ni:///sha-256;ab?ver=CBV2.0",
    ...         "commission", None, "urn:epc:id:sgln:0614141.00001.0", None,
    ...         datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), GENESIS)
    >>> h.seq, h.time.isoformat()
    (0, '2026-01-02T03:04:05+00:00')
    """

    unit: str
    seq: int
    event_hash: str
    kind: str
    from_party: str | None
    to_party: str | None
    location: str | None
    time: datetime
    prev_hop_hash: bytes

    def __post_init__(self) -> None:
        where = f"hop seq {self.seq!r} of unit {self.unit!r}"
        for name in ("unit", "event_hash", "kind"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ChainError(f"{where}: {name} must be a non-empty string, got {value!r}")
        for name in ("from_party", "to_party", "location"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ChainError(f"{where}: {name} must be a string or None, got {value!r}")
        if isinstance(self.seq, bool) or not isinstance(self.seq, int) or self.seq < 0:
            raise ChainError(f"{where}: seq must be an integer >= 0", self.seq)
        format_time(self.time, f"{where}: time")
        if not isinstance(self.prev_hop_hash, bytes) or len(self.prev_hop_hash) != HASH_SIZE:
            raise ChainError(
                f"{where}: prev_hop_hash must be {HASH_SIZE} bytes, got {self.prev_hop_hash!r}",
                self.seq,
            )
        object.__setattr__(self, "time", self.time.astimezone(UTC))


def canonical_hop(hop: Hop) -> bytes:
    """Return the canonical bytes of a hop (without ``prev_hop_hash``; see module doc).

    >>> h = Hop("u1", 0, "e1", "commission", None, "p1", "l1",
    ...         datetime(2026, 1, 2, 3, 4, 5, 120000, tzinfo=UTC), GENESIS)
    >>> canonical_hop(h).decode()
    '{"event_hash":"e1","from_party":null,"kind":"commission","location":"l1","seq":0,\
"time":"2026-01-02T03:04:05.120Z","to_party":"p1","unit":"u1"}'
    """
    return canonical_hop_fields(
        hop.unit,
        hop.seq,
        hop.event_hash,
        hop.kind,
        hop.from_party,
        hop.to_party,
        hop.location,
        format_time(hop.time),
    )


def canonical_hop_fields(
    unit: str,
    seq: int,
    event_hash: str,
    kind: str,
    from_party: str | None,
    to_party: str | None,
    location: str | None,
    time: str,
) -> bytes:
    """The canonical hop bytes from already-validated fields (``time`` formatted).

    The one definition of the hop encoding; it equals ``json.dumps`` with sorted keys,
    compact separators and ``ensure_ascii=False``, written out for speed (``verify``
    recomputes every hop). Callers other than :func:`canonical_hop` must pass fields that
    would make a valid :class:`Hop`.

    >>> fields = ("u\u00e9", 3, "e", "ship", "a", None, "l\t", "2026-01-02T00:00:00.000Z")
    >>> keys = ("unit", "seq", "event_hash", "kind", "from_party", "to_party", "location", "time")
    >>> canonical_hop_fields(*fields) == _canonical_json(dict(zip(keys, fields)))
    True
    """
    src = "null" if from_party is None else _s(from_party)
    dst = "null" if to_party is None else _s(to_party)
    at = "null" if location is None else _s(location)
    return (
        f'{{"event_hash":{_s(event_hash)},"from_party":{src},"kind":{_s(kind)},'
        f'"location":{at},"seq":{seq},"time":{_s(time)},"to_party":{dst},"unit":{_s(unit)}}}'
    ).encode()


def hop_hash(hop: Hop) -> bytes:
    """Return ``SHA-256(canonical_hop(hop) || hop.prev_hop_hash)``.

    >>> h = Hop("u1", 0, "e1", "commission", None, "p1", None,
    ...         datetime(2026, 1, 2, tzinfo=UTC), GENESIS)
    >>> hop_hash(h) == hashlib.sha256(canonical_hop(h) + bytes(32)).digest()
    True
    """
    return hashlib.sha256(canonical_hop(hop) + hop.prev_hop_hash).digest()


def verify_chain(hops: Sequence[Hop], hop_hashes: Sequence[bytes] | None = None) -> bytes:
    """Check a unit's whole hop chain, in order; return the hash of its last hop.

    The first hop must link to ``GENESIS``; each next hop has the same unit, the next
    ``seq`` and links to the hash of the one before. When ``hop_hashes`` (the stored
    hashes, one per hop) is given, each must equal the recomputed hash. No hops give
    ``GENESIS``.

    Raises:
        ChainError: naming the seq of the first broken hop (also in ``.seq``).

    >>> t = datetime(2026, 1, 2, tzinfo=UTC)
    >>> a = Hop("u1", 0, "e1", "commission", None, "p1", None, t, GENESIS)
    >>> b = Hop("u1", 1, "e2", "ship", "p1", "p2", None, t, hop_hash(a))
    >>> verify_chain([a, b]) == hop_hash(b)
    True
    >>> verify_chain([b])
    Traceback (most recent call last):
    ...
    app.ledger.core.ChainError: hop seq 1 of unit 'u1': prev_hop_hash e3c9...3c1b does not match \
GENESIS (first hop of the chain)
    """
    if hop_hashes is not None and len(hop_hashes) != len(hops):
        raise ChainError(f"got {len(hops)} hops but {len(hop_hashes)} stored hop hashes")
    prev, prev_hop = GENESIS, None
    for i, hop in enumerate(hops):
        where = f"hop seq {hop.seq} of unit {hop.unit!r}"
        if prev_hop is not None and hop.unit != prev_hop.unit:
            raise ChainError(f"{where}: unit differs from the chain's {prev_hop.unit!r}", hop.seq)
        if prev_hop is not None and hop.seq != prev_hop.seq + 1:
            raise ChainError(f"{where}: expected seq {prev_hop.seq + 1} next", hop.seq)
        if hop.prev_hop_hash != prev:
            previous = (
                "GENESIS (first hop of the chain)"
                if prev_hop is None
                else (f"the hash {_short(prev)} of seq {prev_hop.seq}")
            )
            raise ChainError(
                f"{where}: prev_hop_hash {_short(hop.prev_hop_hash)} does not match {previous}",
                hop.seq,
            )
        prev, prev_hop = hop_hash(hop), hop
        if hop_hashes is not None and hop_hashes[i] != prev:
            raise ChainError(
                f"{where}: stored hop_hash {_short(hop_hashes[i])} does not match"
                f" computed {_short(prev)}",
                hop.seq,
            )
    return prev


def leaf_data(
    event_hash: str, record_time: datetime, partner: str, hop_hashes: Sequence[bytes]
) -> bytes:
    """Return the canonical log-leaf bytes for one accepted event (see module doc).

    Hop hashes are sorted, so the caller's row order does not matter.

    >>> leaf_data("ni:///sha-256;ab?ver=CBV2.0", datetime(2026, 1, 2, tzinfo=UTC), "p1",
    ...           [b"\\x02" * 32, b"\\x01" * 32]).decode()[:80]
    '{"event_hash":"ni:///sha-256;ab?ver=CBV2.0","hop_hashes":["010101010101010101010'
    """
    if not isinstance(event_hash, str) or not event_hash:
        raise LedgerCoreError(f"leaf event_hash must be a non-empty string, got {event_hash!r}")
    if not isinstance(partner, str) or not partner:
        raise LedgerCoreError(f"leaf partner must be a non-empty string, got {partner!r}")
    for i, h in enumerate(hop_hashes):
        if not isinstance(h, bytes) or len(h) != HASH_SIZE:
            raise LedgerCoreError(f"leaf hop_hashes[{i}] must be {HASH_SIZE} bytes, got {h!r}")
    record = format_time(record_time, "leaf record_time")
    return (
        leaf_data_prefix(event_hash, hop_hashes)
        + f'{_s(partner)},"record_time":{_s(record)}}}'.encode()
    )


def leaf_data_prefix(event_hash: str, hop_hashes: Sequence[bytes]) -> bytes:
    """The bytes every leaf for ``event_hash`` with these hops starts with.

    ``verify`` compares this prefix instead of parsing each leaf; :func:`leaf_data`
    builds on it, so the two cannot drift.

    >>> leaf_data_prefix("e", [b"\\x01" * 32])[:40]
    b'{"event_hash":"e","hop_hashes":["0101010'
    """
    hops = ",".join(sorted([f'"{h.hex()}"' for h in hop_hashes]))
    return f'{{"event_hash":{_s(event_hash)},"hop_hashes":[{hops}],"partner":'.encode()


def _short(h: bytes) -> str:
    x = bytes(h).hex()
    return f"{x[:4]}...{x[-4:]}"
