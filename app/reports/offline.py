"""The offline verifier of proof bundles: the bundle and a public key, nothing else.

Standard library, ``epcis`` and the pure ledger core only (an import-linter contract holds
it there), so it runs without Custody's database, service or configuration. The format is
``docs/proof-bundle.md``. :func:`verify_bundle` checks, in this order, and raises
:class:`BundleError` naming the first thing that does not match:

1. the bundle's form (``format``, the fields each check reads);
2. the checkpoint: its note carries a valid signature by the given key, and the bundle's
   ``tree_size``, ``root_hash`` and ``origin`` are the note's;
3. every event: its CBV 2.0 event hash recomputed from the EPCIS 2.0 JSON-LD document;
4. every leaf: its data canonical, its hash ``SHA-256(0x00 || data)``, and its inclusion
   proof leading to the checkpoint's root;
5. every chain: each hop's hash recomputed and linked to the one before (the first to
   GENESIS), its event in the bundle at the hop's time, its leaf naming that event and hop;
6. with ``since`` (a checkpoint the verifier already trusts): the consistency proof from it
   to the bundle's checkpoint.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.ledger import core
from epcis.errors import EpcisError
from epcis.hashing import event_hash
from epcis.read import read_document

FORMAT = "custody-proof-bundle/1"
"""The ``format`` of the bundles this module reads (and ``app.reports.service`` writes)."""


class BundleError(ValueError):
    """The first thing in a bundle that does not hold: ``where`` (a JSON path) and why."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where


@dataclass(frozen=True)
class Verified:
    """What a bundle proved: its subject, the checkpoint and how much it covered."""

    subject: str
    origin: str
    tree_size: int
    root_hash: str
    events: int
    hops: int
    leaves: int
    consistent_from: int | None = None


def _get(obj: Any, key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise BundleError(where, f"missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise BundleError(f"{where}.{key}", f"expected {names}, got {type(value).__name__}")
    return value


def _hex32(text: Any, where: str) -> bytes:
    try:
        value = bytes.fromhex(text) if isinstance(text, str) else b""
    except ValueError:
        value = b""
    if len(value) != core.HASH_SIZE:
        raise BundleError(where, f"expected 64 lowercase hex digits, got {text!r}")
    return value


def _items(obj: dict[str, Any], key: str, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for i, item in enumerate(_get(obj, key, where, list)):
        path = f"{where}.{key}[{i}]"
        if not isinstance(item, dict):
            raise BundleError(path, f"expected an object, got {type(item).__name__}")
        yield path, item


def read_bundle(text: str | bytes) -> dict[str, Any]:
    """Parse a bundle file; :class:`BundleError` when it is not a JSON object."""
    try:
        bundle = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleError("bundle", f"not JSON: {exc}") from None
    if not isinstance(bundle, dict):
        raise BundleError("bundle", f"expected a JSON object, got {type(bundle).__name__}")
    return bundle


def verify_bundle(bundle: dict[str, Any], key: str, since: str | None = None) -> Verified:
    """Check everything a bundle claims against verifier ``key`` (a C2SP verifier key string);
    ``since``: a signed checkpoint note the caller trusts, which the bundle's must extend."""
    b = "bundle"
    if (found := bundle.get("format")) != FORMAT:
        raise BundleError(f"{b}.format", f"expected {FORMAT!r}, got {found!r}")
    origin, size, root = _checkpoint(_get(bundle, "checkpoint", b, dict), key)
    events = dict(_events(bundle))
    leaves = dict(_leaves(bundle, size, root))
    hops = 0
    subject = _get(_get(bundle, "report", b, dict), "subject", f"{b}.report", str)
    chains = [c for _, c in _items(bundle, "chains", b)]
    if not any(c.get("unit") == subject and c.get("role") == "subject" for c in chains):
        raise BundleError(f"{b}.chains", f"no chain with role 'subject' for {subject!r}")
    for path, chain in _items(bundle, "chains", b):
        hops += _chain(chain, path, events, leaves)
    consistent = None
    if since is not None:
        consistent = _consistency(bundle, key, since, size, root)
    return Verified(subject, origin, size, root.hex(), len(events), hops, len(leaves), consistent)


def _checkpoint(checkpoint: dict[str, Any], key: str) -> tuple[str, int, bytes]:
    where = "bundle.checkpoint"
    note = _get(checkpoint, "note", where, str)
    try:
        signed = core.open_checkpoint(note, key)
    except core.LedgerCoreError as exc:
        raise BundleError(f"{where}.note", str(exc)) from None
    claims = {"origin": signed.origin, "tree_size": signed.size,
              "root_hash": signed.root_hash.hex()}
    for name, want in claims.items():
        got = checkpoint.get(name)
        if got != want:
            raise BundleError(f"{where}.{name}", f"{got!r} differs from the signed note's {want!r}")
    return signed.origin, signed.size, signed.root_hash


def _events(bundle: dict[str, Any]) -> Iterator[tuple[str, datetime]]:
    """``(event hash, eventTime)`` of each event, its hash recomputed."""
    for path, item in _items(bundle, "events", "bundle"):
        stated = _get(item, "event_hash", path, str)
        document = _get(item, "document", path, dict)
        try:
            parsed = read_document(json.dumps(document).encode(), format="2.0-jsonld").events
        except (EpcisError, ValueError) as exc:
            raise BundleError(f"{path}.document", f"not an EPCIS 2.0 JSON-LD document: {exc}") from None
        if len(parsed) != 1:
            raise BundleError(f"{path}.document", f"expected one event, got {len(parsed)}")
        computed = event_hash(parsed[0])
        if computed != stated:
            raise BundleError(
                f"{path}.document",
                f"recomputed event hash {computed} differs from the bundle's {stated}",
            )
        when = parsed[0].event_time  # the ledger keeps whole milliseconds (truncated)
        yield stated, when.replace(microsecond=when.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class _Leaf:
    event_hash: str
    hop_hashes: frozenset[str]


def _leaves(bundle: dict[str, Any], size: int, root: bytes) -> Iterator[tuple[int, _Leaf]]:
    for path, item in _items(bundle, "leaves", "bundle"):
        index = _get(item, "leaf_index", path, int)
        data = _get(item, "data", path, str)
        claims = _leaf_claims(data, f"{path}.data")
        stated = _hex32(item.get("leaf_hash"), f"{path}.leaf_hash")
        computed = core.leaf_hash(data.encode())
        if computed != stated:
            raise BundleError(f"{path}.leaf_hash",
                              f"{stated.hex()} differs from SHA-256(0x00 || data) {computed.hex()}")
        proof = [_hex32(h, f"{path}.inclusion[{i}]")
                 for i, h in enumerate(_get(item, "inclusion", path, list))]
        try:
            core.verify_inclusion(computed, index, size, proof, root)
        except core.LedgerCoreError as exc:
            raise BundleError(f"{path}.inclusion", str(exc)) from None
        yield index, claims


def _leaf_claims(data: str, where: str) -> _Leaf:
    """The event and hop hashes a leaf names; its data must be exactly the canonical form."""
    try:
        fields = json.loads(data)
        hops = [bytes.fromhex(h) for h in fields["hop_hashes"]]
        record = datetime.fromisoformat(fields["record_time"])
        canonical = core.leaf_data(fields["event_hash"], record, fields["partner"], hops)
    except (ValueError, KeyError, TypeError, core.LedgerCoreError) as exc:
        raise BundleError(where, f"not canonical leaf data: {exc!r}") from None
    if canonical != data.encode():
        raise BundleError(where, "not in canonical form (sorted keys, sorted hop hashes, "
                                 "compact JSON, UTC milliseconds)")
    return _Leaf(fields["event_hash"], frozenset(fields["hop_hashes"]))


def _chain(chain: dict[str, Any], where: str, events: dict[str, datetime],
           leaves: dict[int, _Leaf]) -> int:
    unit = _get(chain, "unit", where, str)
    hops, stored = [], []
    for path, hop in _items(chain, "hops", where):
        text = _get(hop, "time", path, str)
        try:
            when = datetime.fromisoformat(text)
            parsed = core.Hop(unit, _get(hop, "seq", path, int), _get(hop, "event_hash", path, str),
                              _get(hop, "kind", path, str), hop.get("from_party"), hop.get("to_party"),
                              hop.get("location"), when, _hex32(hop.get("prev_hop_hash"),
                                                                f"{path}.prev_hop_hash"))
        except (ValueError, core.LedgerCoreError) as exc:
            raise BundleError(path, str(exc)) from None
        hops.append(parsed)
        stored.append(_hex32(hop.get("hop_hash"), f"{path}.hop_hash"))
        _hop_links(parsed, stored[-1], _get(hop, "leaf_index", path, int), path, events, leaves)
    if hops and hops[0].seq != 0:
        raise BundleError(f"{where}.hops[0]", f"the chain must start at seq 0, got {hops[0].seq}")
    try:
        core.verify_chain(hops, stored)
    except core.ChainError as exc:
        seq = exc.seq if exc.seq is not None else 0
        raise BundleError(f"{where}.hops[{seq}]", str(exc)) from None
    return len(hops)


def _hop_links(hop: core.Hop, digest: bytes, leaf_index: int, where: str,
               events: dict[str, datetime], leaves: dict[int, _Leaf]) -> None:
    """A hop's event is in the bundle at the hop's time, and its leaf names event and hop."""
    if hop.event_hash not in events:
        raise BundleError(f"{where}.event_hash", f"event {hop.event_hash} is not in the bundle")
    if events[hop.event_hash] != hop.time:
        raise BundleError(f"{where}.time", f"{core.format_time(hop.time)} differs from its "
                                           f"event's eventTime {events[hop.event_hash].isoformat()}")
    leaf = leaves.get(leaf_index)
    if leaf is None:
        raise BundleError(f"{where}.leaf_index", f"leaf {leaf_index} is not in the bundle")
    if leaf.event_hash != hop.event_hash:
        raise BundleError(f"{where}.leaf_index",
                          f"leaf {leaf_index} logs event {leaf.event_hash}, not {hop.event_hash}")
    if digest.hex() not in leaf.hop_hashes:
        raise BundleError(f"{where}.hop_hash", f"{digest.hex()} is not among the hop hashes "
                                               f"of leaf {leaf_index}")


def _consistency(bundle: dict[str, Any], key: str, since: str, size: int, root: bytes) -> int:
    where = "bundle.consistency"
    try:
        held = core.open_checkpoint(since, key)
    except core.LedgerCoreError as exc:
        raise BundleError("--since", f"the checkpoint you hold does not verify: {exc}") from None
    proof = bundle.get("consistency")
    if held.size == size:
        hashes: Sequence[bytes] = []
    elif proof is None or proof.get("first") != held.size:
        raise BundleError(where, f"no consistency proof from tree size {held.size} (the "
                                 f"checkpoint you hold); ask for the bundle with since_size={held.size}")
    else:
        hashes = [_hex32(h, f"{where}.hashes[{i}]")
                  for i, h in enumerate(_get(proof, "hashes", where, list))]
    if held.size > size:
        raise BundleError(where, f"the bundle's checkpoint ({size} leaves) is older than the one "
                                 f"you hold ({held.size}); ask for a new bundle")
    try:
        core.verify_consistency(held.size, size, hashes, held.root_hash, root)
    except core.LedgerCoreError as exc:
        raise BundleError(where, f"the log was rewritten since the checkpoint you hold: {exc}") from None
    return held.size


def key_of(note: str) -> tuple[str, str]:
    """The ``(key name, key id hex)`` of a signed note's first signature (for display).

    >>> key_of("hi\\n\\n\u2014 k AAAAAAE=\\n")
    ('k', '00000000')
    """
    _, sigs = core.parse_note(note)
    return sigs[0].name, sigs[0].key_id.hex()
