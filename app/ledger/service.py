"""Ledger operations: append inside the caller's transaction, prove, checkpoint.

Services never commit: :func:`append` writes leaves, subtree hashes, hops and the new tree
state in whatever transaction the caller holds, so business data and log commit together.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import KEY_FORMAT, Caller
from app.bulk import insert_rows
from app.errors import NotFound, NotYetSigned, Unauthorized, ValidationFailed
from app.events import service as events
from app.ledger import core
from app.ledger import repository as repo
from app.ledger.core import HopSpec
from app.models import CustodyHop, LedgerCheckpoint, LedgerLeaf, LedgerNode
from app.models.base import utcnow
from app.units import service as units


@dataclass(frozen=True)
class Entry:
    """One accepted event to log, with the hops it causes."""

    event_hash: str
    record_time: datetime
    partner: str
    hops: Sequence[HopSpec] = ()


@dataclass(frozen=True)
class Appended:
    """Where an entry landed: its leaf and the hashes of the hops it recorded, in order."""

    leaf_index: int
    leaf_hash: bytes
    hop_hashes: list[bytes] = field(default_factory=list)


@dataclass(frozen=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    hashes: list[bytes]
    checkpoint: str


def to_ms(value: datetime) -> datetime:
    """Truncate to whole milliseconds, the precision the ledger hashes."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


async def append(session: AsyncSession, entries: Sequence[Entry]) -> list[Appended]:
    """Append ``entries`` as consecutive leaves (with their hops) in the caller's transaction.

    A ``commission`` hop starts a unit's chain (seq 0, linked to ``GENESIS``) without looking
    up earlier hops: a unit commissioned twice breaks the ``(unit, seq)`` unique constraint,
    so the transaction fails rather than fork a chain.
    """
    if not entries:
        return []
    size, frontier = await repo.lock_state(session)
    heads = await repo.hop_heads(
        session, (h.unit for e in entries for h in e.hops if h.kind != COMMISSION)
    )
    times = _Times()
    sha, canonical = hashlib.sha256, core.canonical_hop_fields
    leaves, hop_rows, results = [], [], []
    for index, entry in enumerate(entries, size):
        event, digests = entry.event_hash, []
        for spec in entry.hops:
            unit, kind = spec.unit, spec.kind
            if not (unit and kind):
                raise core.ChainError(f"hop of event {event!r}: unit and kind must be non-empty")
            seq, prev = _NONE if kind == COMMISSION else heads.get(unit, _NONE)
            seq += 1
            when, text = times[spec.time]
            digest = sha(
                canonical(unit, seq, event, kind, spec.from_party, spec.to_party, spec.location,
                          text) + prev
            ).digest()
            heads[unit] = (seq, digest)
            digests.append(digest)
            hop_rows.append((unit, seq, event, kind, spec.from_party, spec.to_party,
                             spec.location, when, prev, digest, index))
        data = core.leaf_data(event, times[entry.record_time][0], entry.partner, digests)
        digest = core.leaf_hash(data)
        leaves.append((index, digest, data, event))
        results.append(Appended(index, digest, digests))
    nodes, frontier = core.extend_frontier(size, frontier, [row[1] for row in leaves])
    node_rows = [
        (level, idx, h)
        for start, end, h in nodes
        if end - start > 1
        for level, idx in [core.subtree_coords(start, end)]
    ]
    await insert_rows(session, LedgerLeaf.__table__, leaves, LEAF_COLUMNS)
    await insert_rows(session, LedgerNode.__table__, node_rows, NODE_COLUMNS)
    await insert_rows(session, CustodyHop.__table__, hop_rows, HOP_COLUMNS)
    await repo.save_state(session, size + len(entries), frontier, core.fold_subtrees(frontier))
    return results


COMMISSION = "commission"
_NONE = (-1, core.GENESIS)  # a unit with no hops yet
LEAF_COLUMNS = ("leaf_index", "leaf_hash", "data", "event_hash")
NODE_COLUMNS = ("level", "idx", "hash")
HOP_COLUMNS = ("unit", "seq", "event_hash", "kind", "from_party", "to_party", "location", "time",
               "prev_hop_hash", "hop_hash", "leaf_index")


class _Times(dict):
    """Each distinct time once: ``(truncated to ms, core.format_time of it)`` (validates it)."""

    def __missing__(self, value: datetime) -> tuple[datetime, str]:
        when = to_ms(value) if isinstance(value, datetime) else value
        pair = self[value] = (when, core.format_time(when))
        return pair


async def current_size(session: AsyncSession) -> int:
    return (await repo.read_state(session)).size


async def _hashes(session: AsyncSession, ranges: list[core.Range]) -> list[bytes]:
    stored = await repo.subtree_hashes(session, core.subtrees_needed(ranges))
    return core.proof_hashes(ranges, lambda s, e: stored[(s, e)])


async def root_at(session: AsyncSession, size: int) -> bytes:
    """The tree head of the first ``size`` leaves, from O(log n) stored hashes."""
    return (await _hashes(session, [(0, size)]))[0] if size else core.EMPTY_ROOT


async def inclusion_proof(
    session: AsyncSession,
    caller: Caller | None,
    *,
    leaf_index: int | None = None,
    event_hash: str | None = None,
    tree_size: int | None = None,
    interval: timedelta = timedelta(0),
) -> InclusionProof:
    """Prove that a leaf is in a signed tree: the latest checkpoint's, or ``tree_size``'s.

    Anyone may ask by ``leaf_index`` (the answer is hashes); asking by ``event_hash`` needs a
    ``caller`` who may see that event, and an event the caller may not see is not found, as
    one that does not exist. A leaf the latest checkpoint does not cover yet is
    :class:`NotYetSigned`, saying when the next checkpoint is due (``interval`` after the last).
    """
    if (leaf_index is None) == (event_hash is None):
        raise ValidationFailed("give exactly one of leaf_index and event_hash", field="leaf_index")
    if event_hash is not None:
        leaf_index = await _leaf_of_visible_event(session, caller, event_hash)
    assert leaf_index is not None  # exactly one was given, and a hash was looked up
    if tree_size is not None:
        checkpoint = await _signed("tree_size", session, tree_size)
        if not leaf_index < tree_size:
            raise ValidationFailed(
                f"leaf_index {leaf_index} is not in a tree of {tree_size} leaves; "
                f"expected 0 <= leaf_index < {tree_size}",
                field="leaf_index",
                expected=f"0..{tree_size - 1}",
                found=leaf_index,
            )
    else:
        latest = await repo.latest_checkpoint(session)
        if latest is None or leaf_index >= latest.tree_size:
            if leaf_index >= await current_size(session):
                raise NotFound(f"no leaf {leaf_index} in the log", field="leaf_index")
            raise _not_yet_signed(leaf_index, latest, interval)
        checkpoint = latest
    return (await inclusion_proofs(session, [leaf_index], checkpoint))[0]


async def _leaf_of_visible_event(session: AsyncSession, caller: Caller | None, event_hash: str) -> int:
    if caller is None:
        raise Unauthorized(
            f"a proof by event_hash needs a query API key that may see the event ({KEY_FORMAT}); "
            "without one, ask by leaf_index"
        )
    try:
        event = await events.get_event(session, caller, event_hash)
        leaf_index = await repo.leaf_index_of(session, event.event_hash)
        if leaf_index is None:  # every stored event is logged: only a damaged ledger lands here
            raise NotFound(f"no event {event.event_hash} visible to this key")
    except NotFound as missing:
        raise NotFound(missing.detail, field="event_hash") from None
    return leaf_index


async def _signed(name: str, session: AsyncSession, size: int) -> LedgerCheckpoint:
    """The checkpoint of ``size`` leaves, or :class:`ValidationFailed` naming parameter ``name``."""
    checkpoint = await repo.latest_checkpoint(session, size)
    if checkpoint is None:
        latest = await repo.latest_checkpoint(session)
        signed = f"the latest has {latest.tree_size} leaves" if latest else "none is signed yet"
        raise ValidationFailed(
            f"{name} {size} is not the size of a signed checkpoint; {signed}",
            field=name,
            expected="the tree size of a signed checkpoint",
            found=size,
        )
    return checkpoint


def next_checkpoint_due(latest: LedgerCheckpoint | None, interval: timedelta) -> datetime | None:
    """When the log's signers sign again (``interval`` after the latest, or now); None: never."""
    if not interval:
        return None
    now = utcnow()
    return max(now, latest.created_at + interval) if latest else now


def _not_yet_signed(
    leaf_index: int, latest: LedgerCheckpoint | None, interval: timedelta
) -> NotYetSigned:
    """The answer for a leaf in the log that no signed checkpoint covers yet."""
    covered = f"the latest checkpoint has {latest.tree_size} leaves" if latest else (
        "no checkpoint is signed yet")
    due = next_checkpoint_due(latest, interval)
    if due is None:
        when, headers = "checkpoints are signed only by an operator (`custody checkpoint`)", None
    else:
        wait = max(1, math.ceil((due - utcnow()).total_seconds()))
        when, headers = f"the next is due by {_iso(due)}; retry then", {"Retry-After": str(wait)}
    return NotYetSigned(
        f"leaf {leaf_index} is not yet in a signed tree: {covered}; {when}",
        headers=headers,
        field="leaf_index",
        signed_tree_size=latest.tree_size if latest else 0,
        next_checkpoint_due=_iso(due) if due else None,
    )


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Chain:
    """A unit's hops with their proofs against the latest checkpoint (None: not signed yet)."""

    hops: list[tuple[CustodyHop, InclusionProof | None]]
    next_checkpoint_due: datetime | None


async def unit_chain(
    session: AsyncSession, caller: Caller, unit: str, interval: timedelta = timedelta(0)
) -> Chain:
    """The hops of a unit ``caller`` may see (else :class:`NotFound`, as for no such unit).

    Every proof is against the latest checkpoint, whose note goes with it; hops appended
    since have none yet, and the chain says when the next checkpoint is due. The same few
    queries however long the chain.
    """
    visible = await units.visible_unit(session, caller, unit)
    hops = await repo.unit_hops(session, visible["identifier"])
    checkpoint = await repo.latest_checkpoint(session)
    size = checkpoint.tree_size if checkpoint else 0
    signed = [hop.leaf_index for hop in hops if hop.leaf_index < size]
    proofs = dict(zip(signed, await inclusion_proofs(session, signed, checkpoint), strict=True)
                  ) if checkpoint else {}  # no checkpoint: no hop is signed
    due = next_checkpoint_due(checkpoint, interval) if len(signed) < len(hops) else None
    return Chain([(hop, proofs.get(hop.leaf_index)) for hop in hops], due)


async def inclusion_proofs(
    session: AsyncSession, indexes: Sequence[int], checkpoint: LedgerCheckpoint
) -> list[InclusionProof]:
    """The inclusion proofs of leaves ``indexes`` in ``checkpoint``'s tree, from one read."""
    if not indexes:
        return []
    size, note = checkpoint.tree_size, checkpoint.note
    paths = [core.inclusion_proof_ranges(i, size) for i in indexes]
    hashes = await _hashes(session, [(i, i + 1) for i in indexes] + [r for p in paths for r in p])
    leaves, audit = hashes[: len(indexes)], iter(hashes[len(indexes) :])
    return [
        InclusionProof(i, size, leaf, list(islice(audit, len(path))), note)
        for i, leaf, path in zip(indexes, leaves, paths, strict=True)
    ]


@dataclass(frozen=True)
class ConsistencyProof:
    """Hashes proving checkpoint ``first`` is a prefix of checkpoint ``second``, with both notes
    (``first_checkpoint`` is None for the empty tree)."""

    first: int
    second: int
    hashes: list[bytes]
    first_checkpoint: str | None
    checkpoint: str


async def consistency_proof(
    session: AsyncSession, first: int, second: int | None = None
) -> ConsistencyProof:
    """Prove the signed tree of ``first`` leaves is a prefix of the signed tree of ``second``
    (default: the latest checkpoint)."""
    if second is None:
        latest = await repo.latest_checkpoint(session)
        if latest is None:
            raise NotFound("no checkpoint has been signed yet; run `custody checkpoint`")
        second = latest.tree_size
    later = await _signed("second", session, second)
    if not 0 <= first <= second:
        raise ValidationFailed(
            f"first {first} must be between 0 and second ({second})",
            field="first",
            expected=f"0..{second}",
            found=first,
        )
    if first == 0:  # every tree extends the empty tree: nothing to prove
        return ConsistencyProof(0, second, [], None, later.note)
    earlier = await _signed("first", session, first)
    hashes = await _hashes(session, core.consistency_proof_ranges(first, second))
    return ConsistencyProof(first, second, hashes, earlier.note, later.note)


async def checkpoint_note(session: AsyncSession) -> str:
    """The signed note of the latest checkpoint."""
    checkpoint = await repo.latest_checkpoint(session)
    if checkpoint is None:
        raise NotFound("no checkpoint has been signed yet; run `custody checkpoint`")
    return checkpoint.note


@dataclass(frozen=True)
class Leaf:
    """A log leaf; ``data`` (who logged which event, when) only for a caller who may see it."""

    leaf_index: int
    leaf_hash: bytes
    data: bytes | None


async def get_leaf(session: AsyncSession, caller: Caller | None, leaf_index: int) -> Leaf:
    """The log leaf at ``leaf_index``: its hash for anyone, its data for a ``caller`` who may
    see the event it logs."""
    leaf = await repo.get_leaf(session, leaf_index)
    if leaf is None:
        raise NotFound(f"no leaf {leaf_index} in the log", field="leaf_index")
    shown = caller is not None and await _sees_event(session, caller, leaf.event_hash)
    return Leaf(leaf.leaf_index, leaf.leaf_hash, leaf.data if shown else None)


async def _sees_event(session: AsyncSession, caller: Caller, event_hash: str) -> bool:
    try:
        await events.get_event(session, caller, event_hash)
    except NotFound:
        return False
    return True


async def sign_checkpoint(session: AsyncSession, signer_key: str, origin: str) -> str:
    """Sign the current tree head as a C2SP checkpoint, store it and return the note."""
    return (await _sign(session, signer_key, origin)).note


async def _sign(session: AsyncSession, signer_key: str, origin: str) -> LedgerCheckpoint:
    state = await repo.read_state(session)
    note = core.sign_checkpoint(core.Checkpoint(origin, state.size, state.root_hash), signer_key)
    return await repo.add_checkpoint(session, state.size, state.root_hash, note)


async def sign_if_due(
    session: AsyncSession, signer_key: str, origin: str, interval: timedelta
) -> LedgerCheckpoint | None:
    """Sign a checkpoint if the log has grown since the latest one and ``interval`` has passed
    since it was signed (the rate limit); return the new checkpoint, else None.

    Signers queue on the sequencer row, so two never sign the same growth twice.
    """
    size, _ = await repo.lock_state(session)
    latest = await repo.latest_checkpoint(session)
    if size == 0 or (
        latest is not None
        and (latest.tree_size == size or utcnow() < latest.created_at + interval)
    ):
        return None
    return await _sign(session, signer_key, origin)
