"""Wire shapes for ledger proofs: hashes as lowercase hex."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class InclusionProofOut(BaseModel):
    leaf_index: int
    tree_size: int
    leaf_hash: str = Field(description="RFC 6962 leaf hash, hex")
    hashes: list[str] = Field(description="audit path, hex, leaf side first")
    checkpoint: str | None = Field(description="signed note of the tree the proof is against")


class ConsistencyProofOut(BaseModel):
    first: int
    second: int
    hashes: list[str]


class LeafOut(BaseModel):
    leaf_index: int
    leaf_hash: str
    data: dict = Field(description="the canonical leaf data, decoded")
    data_hex: str = Field(description="the exact bytes that were hashed")


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


class ChainOut(BaseModel):
    unit: str
    hops: list[HopOut]
