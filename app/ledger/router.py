"""HTTP: public ledger reads. Proofs reveal hashes, never business data."""

from __future__ import annotations

import json

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse

from app.deps import BIGINT_MAX, SessionDep
from app.errors import NotFound
from app.ledger import repository, service
from app.ledger.schemas import ChainOut, ConsistencyProofOut, HopOut, InclusionProofOut, LeafOut

router = APIRouter(tags=["ledger"])


def _proof_out(proof: service.InclusionProof) -> InclusionProofOut:
    return InclusionProofOut(
        leaf_index=proof.leaf_index,
        tree_size=proof.tree_size,
        leaf_hash=proof.leaf_hash.hex(),
        hashes=[h.hex() for h in proof.hashes],
        checkpoint=proof.checkpoint,
    )


@router.get(
    "/ledger/checkpoint", response_class=PlainTextResponse, summary="Latest signed checkpoint"
)
async def latest_checkpoint(session: SessionDep) -> PlainTextResponse:
    checkpoint = await repository.latest_checkpoint(session)
    if checkpoint is None:
        raise NotFound("no checkpoint has been signed yet; run `custody checkpoint`")
    return PlainTextResponse(checkpoint.note)


@router.get("/ledger/proofs/inclusion", summary="Inclusion proof of a leaf")
async def inclusion_proof(
    session: SessionDep,
    leaf_index: int | None = Query(None, ge=0, le=BIGINT_MAX),
    event_hash: str | None = Query(None, description="ni:///sha-256;...?ver=CBV2.0"),
    tree_size: int | None = Query(None, ge=1, le=BIGINT_MAX, description="default: latest checkpoint"),
) -> InclusionProofOut:
    proof = await service.inclusion_proof(
        session, leaf_index=leaf_index, event_hash=event_hash, tree_size=tree_size
    )
    return _proof_out(proof)


@router.get("/ledger/proofs/consistency", summary="Consistency proof between two tree sizes")
async def consistency_proof(
    session: SessionDep, first: int = Query(..., ge=0, le=BIGINT_MAX),
    second: int = Query(..., ge=0, le=BIGINT_MAX),
) -> ConsistencyProofOut:
    hashes = await service.consistency_proof(session, first, second)
    return ConsistencyProofOut(first=first, second=second, hashes=[h.hex() for h in hashes])


@router.get("/ledger/leaves/{leaf_index}", summary="One log leaf and its hash")
async def leaf(
    session: SessionDep, leaf_index: int = Path(ge=0, le=BIGINT_MAX)
) -> LeafOut:
    row = await repository.get_leaf(session, leaf_index)
    if row is None:
        raise NotFound(f"no leaf {leaf_index} in the log", field="leaf_index")
    return LeafOut(
        leaf_index=row.leaf_index,
        leaf_hash=row.leaf_hash.hex(),
        data=json.loads(row.data),
        data_hex=row.data.hex(),
    )


@router.get("/units/{identifier:path}/chain", summary="A unit's custody chain with proofs")
async def unit_chain(identifier: str, session: SessionDep) -> ChainOut:
    hops = await repository.unit_hops(session, identifier)
    if not hops:
        raise NotFound(f"no custody hops recorded for unit {identifier!r}", field="identifier")
    size = await service.current_size(session)
    out = []
    for hop in hops:
        proof = await service.inclusion_proof(session, leaf_index=hop.leaf_index, tree_size=size)
        out.append(
            HopOut(
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
                inclusion=_proof_out(proof),
            )
        )
    return ChainOut(unit=identifier, hops=out)
