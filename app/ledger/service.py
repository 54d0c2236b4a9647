"""Ledger operations: append inside the caller's transaction, prove, checkpoint.

Services never commit: :func:`append` writes leaves, subtree hashes, hops and the new tree
state in whatever transaction the caller holds, so business data and log commit together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from sqlalchemy.ext.asyncio import AsyncSession

from app.bulk import insert_rows
from app.errors import NotFound, ValidationFailed
from app.ledger import core
from app.ledger import repository as repo
from app.ledger.core import HopSpec
from app.models import CustodyHop, LedgerLeaf, LedgerNode


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
    checkpoint: str | None


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
    *,
    leaf_index: int | None = None,
    event_hash: str | None = None,
    tree_size: int | None = None,
) -> InclusionProof:
    """Prove that a leaf (by index or event hash) is in the tree of ``tree_size`` leaves.

    Without ``tree_size`` the proof is against the latest signed checkpoint (or the current
    size when none is signed yet), and that checkpoint's note is returned with it.
    """
    if (leaf_index is None) == (event_hash is None):
        raise ValidationFailed("give exactly one of leaf_index and event_hash", field="leaf_index")
    if event_hash is not None:
        leaf_index = await repo.leaf_index_of(session, event_hash)
        if leaf_index is None:
            raise NotFound(f"no ledger leaf records event {event_hash}", field="event_hash")
    current = await current_size(session)
    checkpoint = await repo.latest_checkpoint(session, tree_size)
    if tree_size is None:
        tree_size = (
            checkpoint.tree_size if checkpoint and leaf_index < checkpoint.tree_size else current
        )
        checkpoint = checkpoint if checkpoint and checkpoint.tree_size == tree_size else None
    _check_size("tree_size", tree_size, current)
    if not 0 <= leaf_index < tree_size:
        raise ValidationFailed(
            f"leaf_index {leaf_index} is not in a tree of {tree_size} leaves; "
            f"expected 0 <= leaf_index < {tree_size}",
            field="leaf_index",
            expected=f"0..{tree_size - 1}",
            found=leaf_index,
        )
    note = checkpoint.note if checkpoint else None
    return (await _inclusion_proofs(session, [leaf_index], tree_size, note))[0]


async def unit_chain(session: AsyncSession, unit: str) -> list[tuple[CustodyHop, InclusionProof]]:
    """A unit's hops in chain order, each with its inclusion proof against the current tree.

    The same few queries however long the chain: the hops, the tree size, the checkpoint of
    that size (its note goes with every proof; None when that size was never signed) and one
    read of the stored hashes all the proofs are built from.
    """
    hops = await repo.unit_hops(session, unit)
    if not hops:
        raise NotFound(f"no custody hops recorded for unit {unit!r}", field="identifier")
    size = await current_size(session)
    checkpoint = await repo.latest_checkpoint(session, size)
    note = checkpoint.note if checkpoint else None
    proofs = await _inclusion_proofs(session, [hop.leaf_index for hop in hops], size, note)
    return list(zip(hops, proofs, strict=True))


async def _inclusion_proofs(
    session: AsyncSession, indexes: Sequence[int], size: int, note: str | None
) -> list[InclusionProof]:
    """The inclusion proofs of leaves ``indexes`` in the tree of ``size``, from one read."""
    paths = [core.inclusion_proof_ranges(i, size) for i in indexes]
    hashes = await _hashes(session, [(i, i + 1) for i in indexes] + [r for p in paths for r in p])
    leaves, audit = hashes[: len(indexes)], iter(hashes[len(indexes) :])
    return [
        InclusionProof(i, size, leaf, list(islice(audit, len(path))), note)
        for i, leaf, path in zip(indexes, leaves, paths, strict=True)
    ]


async def consistency_proof(session: AsyncSession, first: int, second: int) -> list[bytes]:
    """Prove the tree of ``first`` leaves is a prefix of the tree of ``second`` leaves."""
    current = await current_size(session)
    _check_size("second", second, current)
    if not 0 <= first <= second:
        raise ValidationFailed(
            f"first {first} must be between 0 and second ({second})",
            field="first",
            expected=f"0..{second}",
            found=first,
        )
    if first == 0:
        return []  # every tree extends the empty tree: nothing to prove
    return await _hashes(session, core.consistency_proof_ranges(first, second))


async def checkpoint_note(session: AsyncSession) -> str:
    """The signed note of the latest checkpoint."""
    checkpoint = await repo.latest_checkpoint(session)
    if checkpoint is None:
        raise NotFound("no checkpoint has been signed yet; run `custody checkpoint`")
    return checkpoint.note


async def get_leaf(session: AsyncSession, leaf_index: int) -> LedgerLeaf:
    """The log leaf at ``leaf_index``."""
    leaf = await repo.get_leaf(session, leaf_index)
    if leaf is None:
        raise NotFound(f"no leaf {leaf_index} in the log", field="leaf_index")
    return leaf


def _check_size(name: str, size: int, current: int) -> None:
    if not 0 <= size <= current:
        raise ValidationFailed(
            f"{name} {size} is beyond the log, which has {current} leaves",
            field=name,
            expected=f"0..{current}",
            found=size,
        )


async def sign_checkpoint(session: AsyncSession, signer_key: str, origin: str) -> str:
    """Sign the current tree head as a C2SP checkpoint, store it and return the note."""
    state = await repo.read_state(session)
    note = core.sign_checkpoint(core.Checkpoint(origin, state.size, state.root_hash), signer_key)
    await repo.add_checkpoint(session, state.size, state.root_hash, note)
    return note
