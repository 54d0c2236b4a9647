"""Wire shapes for ledger proofs: hashes as lowercase hex."""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel, Field

from app.ledger.service import InclusionProof
from app.models import CustodyHop, LedgerLeaf


class InclusionProofOut(BaseModel):
    leaf_index: int
    tree_size: int
    leaf_hash: str = Field(description="RFC 6962 leaf hash, hex")
    hashes: list[str] = Field(description="audit path, hex, leaf side first")
    checkpoint: str | None = Field(description="signed note of the tree the proof is against")

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


class LeafOut(BaseModel):
    leaf_index: int
    leaf_hash: str
    data: dict = Field(description="the canonical leaf data, decoded")
    data_hex: str = Field(description="the exact bytes that were hashed")

    @classmethod
    def of(cls, leaf: LedgerLeaf) -> LeafOut:
        return cls(
            leaf_index=leaf.leaf_index,
            leaf_hash=leaf.leaf_hash.hex(),
            data=json.loads(leaf.data),
            data_hex=leaf.data.hex(),
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
    inclusion: InclusionProofOut

    @classmethod
    def of(cls, hop: CustodyHop, proof: InclusionProof) -> HopOut:
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
            inclusion=InclusionProofOut.of(proof),
        )


class ChainOut(BaseModel):
    unit: str
    hops: list[HopOut]
