"""Wire shapes for ledger proofs: hashes as lowercase hex."""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel, Field

from app.ledger.service import Chain, ConsistencyProof, InclusionProof, Leaf
from app.models import CustodyHop


class InclusionProofOut(BaseModel):
    leaf_index: int
    tree_size: int
    leaf_hash: str = Field(description="RFC 6962 leaf hash, hex")
    hashes: list[str] = Field(description="audit path, hex, leaf side first")
    checkpoint: str = Field(description="signed note of the tree the proof is against")

    @classmethod
    def of(cls, proof: InclusionProof) -> InclusionProofOut:
        return cls(
            leaf_index=proof.leaf_index,
            tree_size=proof.tree_size,
            leaf_hash=proof.leaf_hash.hex(),
            hashes=[h.hex() for h in proof.hashes],
            checkpoint=proof.checkpoint,
        )


class ConsistencyProofOut(BaseModel):
    first: int
    second: int
    hashes: list[str]
    first_checkpoint: str | None = Field(description="signed note of tree `first` (None: 0)")
    checkpoint: str = Field(description="signed note of tree `second`")

    @classmethod
    def of(cls, proof: ConsistencyProof) -> ConsistencyProofOut:
        return cls(
            first=proof.first,
            second=proof.second,
            hashes=[h.hex() for h in proof.hashes],
            first_checkpoint=proof.first_checkpoint,
            checkpoint=proof.checkpoint,
        )


class LeafOut(BaseModel):
    leaf_index: int
    leaf_hash: str
    data: dict | None = Field(
        description="the canonical leaf data, decoded; only for a key that may see the event"
    )
    data_hex: str | None = Field(description="the exact bytes that were hashed (as `data`)")

    @classmethod
    def of(cls, leaf: Leaf) -> LeafOut:
        return cls(
            leaf_index=leaf.leaf_index,
            leaf_hash=leaf.leaf_hash.hex(),
            data=json.loads(leaf.data) if leaf.data is not None else None,
            data_hex=leaf.data.hex() if leaf.data is not None else None,
        )


class HopOut(BaseModel):
    seq: int
    event_hash: str
    kind: str
    from_party: str | None
    to_party: str | None
    location: str | None
    time: datetime
    prev_hop_hash: str
    hop_hash: str
    leaf_index: int
    inclusion: InclusionProofOut | None = Field(
        description="proof against the latest checkpoint; None until a checkpoint covers the hop"
    )

    @classmethod
    def of(cls, hop: CustodyHop, proof: InclusionProof | None) -> HopOut:
        return cls(
            seq=hop.seq,
            event_hash=hop.event_hash,
            kind=hop.kind,
            from_party=hop.from_party,
            to_party=hop.to_party,
            location=hop.location,
            time=hop.time,
            prev_hop_hash=hop.prev_hop_hash.hex(),
            hop_hash=hop.hop_hash.hex(),
            leaf_index=hop.leaf_index,
            inclusion=InclusionProofOut.of(proof) if proof else None,
        )


class ChainOut(BaseModel):
    unit: str
    hops: list[HopOut]
    next_checkpoint_due: datetime | None = Field(
        description="when some hops have no proof yet: when the next checkpoint is due"
    )

    @classmethod
    def of(cls, unit: str, chain: Chain) -> ChainOut:
        return cls(
            unit=unit,
            hops=[HopOut.of(hop, proof) for hop, proof in chain.hops],
            next_checkpoint_due=chain.next_checkpoint_due,
        )
